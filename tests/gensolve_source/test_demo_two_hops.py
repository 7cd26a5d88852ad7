"""`make demo-two-hops` on a small practice: both hops run as Dagster runs, every client reconciles on both
hops, and the trace of one patient shows its Cliniko record, Gensolve row and Dynamics contact."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from customers import MigrationHome
from practice_migrate import demo_two_hops

pytestmark = pytest.mark.timeout(1800)  # four runs on the shared two-core machine


def test_the_two_hop_demo_reconciles_and_traces_one_patient(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = MigrationHome(tmp_path / "home")
    monkeypatch.setenv("MIGRATION_HOME", str(home.root))
    (tmp_path / "instance").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "instance")):
        assert demo_two_hops.run(home, clients=25) == 0
    out = capsys.readouterr().out
    assert "(exact)" in out
    trace = out.split(f"practice-migrate trace {demo_two_hops.SECOND} ", 1)[1].splitlines()[1:]
    assert trace[0].startswith(f"1. cliniko → customer {demo_two_hops.FIRST}: client cliniko:client:")
    assert any(line.strip().startswith("create gensolve.gpm_client ") for line in trace)
    second = next(i for i, line in enumerate(trace) if line.startswith("2. "))
    assert trace[second].startswith(f"2. gensolve → customer {demo_two_hops.SECOND}: client gensolve:client:")
    assert any(line.strip().startswith("create dynamics365.contact ") for line in trace[second:])
