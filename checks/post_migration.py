"""The post-migration checklist: a load's checks rolled up into one pass/fail per partition and an HTML
report per customer run kind.

Inputs are what the load run produced — its asset-check evaluations (schema plan, owners, loaded,
read-back, orphans, disabled owners, delta verification), the ledger's operations of that run and the
staged reconciliation — so the report states what this run did and found, never patient values:
counts, check names and canonical ids only (the field-diff report holds the values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from checks.blocking import verdict
from checks.html import render_report
from checks.report_archive import ReportSummary, keep_load_files, load_dir, record_summary, write_index
from store import TableRef, read_partition, table_exists
from store.files import private_dir, private_files
from targets import ledger

REPORT_FILE = "post-migration.html"


@dataclass(frozen=True)
class CheckOutcome:
    """One asset check's evaluation in the load run."""

    asset: str
    check: str
    passed: bool
    severity: str  # ERROR | WARN
    description: str = ""  # the result's text verdict: why it failed and how many (checks/check_text.py)
    proves: str = ""  # the check's own description: what passing it proves
    failed: int = 0


@dataclass
class PostMigrationSummary:
    customer_id: str
    customer_name: str
    run_kind: str
    run_id: str
    checks: list[CheckOutcome]
    operations: list[dict[str, object]] = field(default_factory=list)  # per target table: counts per operation
    reconciliation: list[dict[str, object]] = field(default_factory=list)
    in_target: int = 0

    @property
    def failing(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed and c.severity == "ERROR"]

    @property
    def warnings(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed and c.severity != "ERROR"]

    @property
    def written(self) -> int:
        """Records this run created or updated in the target (0: a re-run over unchanged data)."""
        return sum(int(row.get(op, 0)) for row in self.operations for op in ledger.WRITES)  # type: ignore[call-overload]

    @property
    def passed(self) -> bool:
        """Every ERROR check of the load ran and passed (a load with no checks at all did not pass)."""
        return bool(self.checks) and not self.failing


def summarise(
    con: duckdb.DuckDBPyConnection,
    customer_id: str,
    customer_name: str,
    run_kind: str,
    run_id: str,
    checks: list[CheckOutcome],
    target: str,
) -> PostMigrationSummary:
    """Collect the run's ledger operations per table and the partition's reconciliation."""
    ledger.ensure_ledger(con)
    operations = con.execute(
        "select target_table, operation, count(*) from ledger.operation where run_kind = ? and target = ? "
        "and run_id = ? group by all order by 1, 2",
        [run_kind, target, run_id],
    ).fetchall()
    by_table: dict[str, dict[str, object]] = {}
    for table, operation, count in operations:
        by_table.setdefault(table, {"table": table})[operation] = count
    in_target = con.execute(
        "select count(*) from ledger.record where run_kind = ? and target = ? and status = 'loaded'",
        [run_kind, target],
    ).fetchall()[0][0]
    reconciliation: list[dict[str, object]] = []
    ref = TableRef("staged", "reconciliation")
    if table_exists(con, ref):
        frame = read_partition(con, ref, run_kind)
        if frame.height:
            reconciliation = (
                frame.group_by("entity", maintain_order=True)
                .agg(pl.col("considered", "staged", "merged", "rejected").sum())
                .rows(named=True)
            )
    return PostMigrationSummary(
        customer_id,
        customer_name,
        run_kind,
        run_id,
        sorted(checks, key=lambda c: (c.passed, c.severity != "ERROR", c.asset, c.check)),
        list(by_table.values()),
        reconciliation,
        int(in_target),
    )


def write_report(summary: PostMigrationSummary, reports_dir: Path, since: float | None = None) -> Path:
    """Keep this load run's reports in their own folder, `reports/<run kind>/load-<run id>/`: post-migration.html
    and copies of what the run's steps wrote to `reports_dir` since `since` (the run's start, POSIX time); record
    its summary and rebuild the customer's index (checks/report_archive.py). Returns the report's path."""
    private_dir(reports_dir)  # personal data: owner-only (issue 15 item 9)
    folder = load_dir(reports_dir, summary.run_id)
    private_dir(folder)
    if since is not None:
        keep_load_files(reports_dir, folder, since)
    operations = sorted({k for row in summary.operations for k in row if k != "table"})
    at = datetime.now(UTC)
    html = render_report(
        "post_migration.html.j2",
        s=summary,
        operations=operations,
        generated_at=at.strftime("%Y-%m-%d %H:%M UTC"),
    )
    path = folder / REPORT_FILE
    path.write_text(html, encoding="utf-8")
    private_files([path])
    record_summary(
        folder,
        ReportSummary(
            "load",
            summary.run_kind,
            summary.run_id,
            at.isoformat(timespec="seconds"),
            verdict(summary.passed),
            REPORT_FILE,
            errors=len(summary.failing),
            warnings=len(summary.warnings),
            written=summary.written,
            counts={op: sum(int(row.get(op, 0)) for row in summary.operations) for op in operations},  # type: ignore[call-overload]
        ),
    )
    write_index(reports_dir.parent, summary.customer_id, summary.customer_name)
    return path
