"""`practice-migrate generate --system <vendor export>`: every vendor export system writes its synthetic
export with one defect of each kind and the ground truth, and refuses a country it is not sold in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from practice_migrate.cli import main
from sources.registry import get_system
from synthetic.cli import VENDOR_EXPORTS
from synthetic.template import DEFECT_KINDS


@pytest.mark.parametrize("system", sorted(VENDOR_EXPORTS))
def test_generate_writes_the_export_and_its_ground_truth(system: str, tmp_path: Path) -> None:
    country = VENDOR_EXPORTS[system][2][0]
    out = tmp_path / system
    assert (
        main(["generate", "--system", system, "--country", country, "--clients", "15", "--defects", "1", str(out)]) == 0
    )
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    assert truth["synthetic"].startswith("SYNTHETIC") and len(truth["defects"]) == len(DEFECT_KINDS)
    # The export holds every required resource of the system: its completeness rule finds nothing missing.
    assert get_system(system).completeness.problems(out) == []


@pytest.mark.parametrize("system", sorted(VENDOR_EXPORTS))
def test_generate_refuses_a_country_the_system_is_not_written_for(
    system: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = next(c for c in ("NZ", "AU", "UK") if c not in VENDOR_EXPORTS[system][2])
    assert main(["generate", "--system", system, "--country", other, "--clients", "15", str(tmp_path)]) == 2
    assert f"--system {system} writes" in capsys.readouterr().err
