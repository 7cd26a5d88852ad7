"""Reports kept, not overwritten (issue 25 item 6): each load run keeps its post-migration report in its own
folder, and a re-run over unchanged data (nothing sent) never replaces the report of the load that wrote the data.
Real loads into the embedded Gensolve target, its real ledger."""

from __future__ import annotations

import json
import time

from checks.post_migration import CheckOutcome, summarise, write_report
from checks.report_archive import INDEX_FILE, SUMMARY_FILE, load_dir
from targets.base import Partition
from targets.gensolve.loader import TARGET as LEDGER_TARGET
from targets.gensolve.target import TARGET


def _report(part: Partition, run_id: str, since: float) -> None:
    checks = [CheckOutcome("gensolve/gpm_client", "loaded", True, "ERROR", "passed", "Every mapped row was written.")]
    with part.warehouse.connect() as con:
        summary = summarise(con, part.config.customer_id, part.config.name, "trial", run_id, checks, LEDGER_TARGET)
    write_report(summary, part.reports, since=since)


def test_a_no_op_load_keeps_the_previous_loads_report(partition: Partition) -> None:
    TARGET.plan(partition, apply=True)
    started = time.time() - 1
    TARGET.load(partition, "run-1", "tester")
    partition.reports.mkdir(parents=True, exist_ok=True)
    (partition.reports / "audit-log.csv").write_text("written by run-1\n")  # what a load step writes beside it
    _report(partition, "run-1", started)
    first = load_dir(partition.reports, "run-1")
    kept = (first / "post-migration.html").read_bytes()
    first_summary = json.loads((first / SUMMARY_FILE).read_text())
    assert first_summary["written"] > 0 and first_summary["verdict"] == "passed"
    assert (first / "audit-log.csv").read_text() == "written by run-1\n"

    time.sleep(0.01)
    second_start = time.time()
    TARGET.load(partition, "run-2", "tester")  # unchanged data: nothing to send
    (partition.reports / "audit-log.csv").write_text("rewritten by run-2\n")
    _report(partition, "run-2", second_start)
    second = load_dir(partition.reports, "run-2")
    assert json.loads((second / SUMMARY_FILE).read_text())["written"] == 0
    # run-1's folder is as it was: its report and the copies of what it wrote.
    assert (first / "post-migration.html").read_bytes() == kept
    assert (first / "audit-log.csv").read_text() == "written by run-1\n"
    assert (second / "audit-log.csv").read_text() == "rewritten by run-2\n"
    index = (partition.reports.parent / INDEX_FILE).read_text(encoding="utf-8")
    assert "trial/load-run-1/post-migration.html" in index and "trial/load-run-2/post-migration.html" in index
    assert "nothing sent; the data was written by <code>run-1</code>" in index
    # The counts agree: the index shows what run-1's summary (and the ledger) says it wrote.
    assert f'<td class="n">{first_summary["written"]}' in index
