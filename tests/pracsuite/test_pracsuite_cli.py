"""`practice-migrate generate --system pracsuite` writes the practice its emulator serves with the ground
truth (AU only), and `practice-migrate emulators --pracsuite` refuses to start without a practice file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from practice_migrate.cli import main
from synthetic.template import DEFECT_KINDS


def test_generate_writes_the_emulators_practice_and_its_ground_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "practice"
    assert (
        main(["generate", "--system", "pracsuite", "--country", "AU", "--clients", "20", "--defects", "0.1", str(out)])
        == 0
    )
    practice = json.loads((out / "practice.json").read_text(encoding="utf-8"))
    assert len(practice["patients"]) == 21 and practice["cancelled_appointments"]  # one duplicate patient
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    # The template's defects less the two an API cannot deliver (synthetic/pracsuite.py).
    assert {d["kind"] for d in truth["defects"]} == set(DEFECT_KINDS) - {"placeholder_date", "invoice_lines_mismatch"}
    assert "--pracsuite-practice" in capsys.readouterr().out


def test_generate_refuses_another_country(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--system", "pracsuite", "--country", "NZ", "--clients", "20", str(tmp_path)]) == 2
    assert "--system pracsuite writes AU" in capsys.readouterr().err


def test_the_emulator_needs_a_practice_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulators", "--pracsuite"]) == 2
    assert "--pracsuite needs --pracsuite-practice FILE" in capsys.readouterr().err
