"""`practice-migrate generate --system <vendor>` for every vendor profile of synthetic/cli.py VENDOR_EXPORTS:
its synthetic export with defects and ground truth in its own country, staged-ready for its system (the
registry knows it and the completeness rule finds nothing missing); another country is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from practice_migrate.cli import main
from sources.registry import get_system
from synthetic.cli import VENDOR_EXPORTS
from synthetic.template import DEFECT_KINDS


@pytest.mark.parametrize("system", sorted(set(VENDOR_EXPORTS) - {"tm3"}))  # TM3: test_tm3_end_to_end.py
def test_generate_writes_the_systems_export_in_its_country(system: str, tmp_path: Path) -> None:
    (country,) = VENDOR_EXPORTS[system][2]
    out = tmp_path / system
    argv = ["generate", "--system", system, "--country", country, "--clients", "20", "--defects", "0.1"]
    assert main([*argv, str(out)]) == 0
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    assert truth["synthetic"].startswith("SYNTHETIC") and {d["kind"] for d in truth["defects"]} == set(DEFECT_KINDS)
    assert get_system(system).completeness.problems(out) == []
    other = next(c for c in ("NZ", "AU", "UK") if c != country)
    assert main(["generate", "--system", system, "--country", other, "--clients", "20", str(tmp_path / "x")]) == 2
