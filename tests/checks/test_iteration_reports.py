"""Reports kept, not overwritten (issue 25 item 6): re-staging a partition writes iteration 2's approval report
beside iteration 1's, and the customer's index links both with the counts the iteration recorded."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline_helpers import register_customer, run_pipeline

from checks.report_archive import INDEX_FILE, SUMMARY_FILE, iteration_dir
from customers import MigrationHome
from synthetic import generate_practice


def test_restaging_keeps_iteration_1_beside_iteration_2(tmp_path: Path) -> None:
    dump = generate_practice(tmp_path / "dump", country="NZ", clients=30, defect_rate=0.05, seed=5).out_dir
    home = tmp_path / "home"
    config = register_customer(home, "kept-nz", dump)
    first = run_pipeline(home, config)
    reports = MigrationHome(home).reports_dir("kept-nz", "trial")
    assert first.report_path == iteration_dir(reports, 1) / "approval-report.html"
    kept = first.report_path.read_bytes()

    second = run_pipeline(home, config)
    assert second.iteration.iteration == 2
    assert second.report_path == iteration_dir(reports, 2) / "approval-report.html"
    assert first.report_path.read_bytes() == kept  # iteration 1's report is untouched
    assert (iteration_dir(reports, 1) / "findings.csv").exists() and (
        iteration_dir(reports, 2) / "findings.csv"
    ).exists()

    summary = json.loads((iteration_dir(reports, 2) / SUMMARY_FILE).read_text())
    assert summary["errors"] == second.iteration.errors == len(second.blocking_failures)
    assert summary["counts"] == second.iteration.reconciliation
    assert summary["verdict"] == ("failed" if second.blocking_failures else "passed")
    index = (reports.parent / INDEX_FILE).read_text(encoding="utf-8")
    assert "trial/iteration-001/approval-report.html" in index and "trial/iteration-002/approval-report.html" in index
    # Newest first.
    assert index.index("iteration-002") < index.index("iteration-001")
