"""Integrity checks every entity gets: references, reconciliation, rejects, field issues, merges."""

from __future__ import annotations

import polars as pl

from checks.canonical import data_fields
from checks.findings import FLAGGED_SCHEMA, CheckInput, CheckOutcome, flagged_rows, outcome


def references_check(data: CheckInput) -> CheckOutcome:
    """Every reference points at a staged row of the referenced entity (after merges)."""
    refs = [f for f in data_fields(data.entity) if f.ref]
    frame = data.columns(*[f.name for f in refs])
    parts = []
    for f in refs:
        targets = data.ids(f.ref)
        dangling = pl.col(f.name).is_not_null() & ~pl.col(f.name).is_in(targets.implode())
        parts.append(flagged_rows(frame, dangling, f"{f.name}→{f.ref}"))
    flagged = pl.concat(parts) if parts else pl.DataFrame(schema=FLAGGED_SCHEMA)
    return outcome(frame.height, flagged)


def _entity_rows(data: CheckInput, table: str) -> pl.DataFrame:
    frame = data.table("staged", table)
    return frame.filter(pl.col("entity") == data.entity) if frame.height else frame


def reconciliation_check(data: CheckInput) -> CheckOutcome:
    """Nothing lost, nothing duplicated: for each source table, rows considered = staged + merged +
    rejected, those three equal what the staged tables hold, and every raw row of a table was
    considered by some entity (or rejected as belonging to none)."""
    counts = _entity_rows(data, "reconciliation")
    staged = data.row_count()
    merged = _entity_rows(data, "merges").height
    rejected = _entity_rows(data, "rejects").height
    breakdown: dict[str, int] = {"staged": staged, "merged": merged, "rejected": rejected}
    failures: dict[str, int] = {}
    for row in counts.iter_rows(named=True):
        table = row["source_table"]
        breakdown[f"{table}:considered"] = row["considered"]
        gap = row["considered"] - row["staged"] - row["merged"] - row["rejected"]
        if gap:
            failures[f"{table}:considered_minus_accounted"] = gap
    totals = counts.select(pl.col("staged", "merged", "rejected").sum()).row(0) if counts.height else (0, 0, 0)
    for label, expected, actual in zip(
        ("staged", "merged", "rejected"), totals, (staged, merged, rejected), strict=True
    ):
        if expected != actual:
            failures[f"{label}_table_differs_by"] = actual - expected
    all_counts = data.table("staged", "reconciliation")
    rejects = data.table("staged", "rejects")
    for row in counts.filter(pl.col("grain") == "rows").iter_rows(named=True):
        table = row["source_table"]
        raw_rows = data.con.sql(
            f'select count(*) from "raw_{data.system}"."{table}" where run_kind = $k', params={"k": data.run_kind}
        ).fetchall()[0][0]
        taken = all_counts.filter((pl.col("source_table") == table) & (pl.col("grain") == "rows"))["considered"].sum()
        # Rows no entity took: `no_entity`, or quarantined on reading (engine._unassigned).
        unassigned = rejects.filter((pl.col("source_table") == table) & (pl.col("entity") == "(none)")).height
        breakdown[f"{table}:raw"] = raw_rows
        if raw_rows != taken + unassigned:
            failures[f"{table}:raw_minus_accounted"] = raw_rows - taken - unassigned
    return CheckOutcome(
        not failures, staged + merged + rejected, pl.DataFrame(schema=FLAGGED_SCHEMA), breakdown | failures
    )


def rejects_check(data: CheckInput) -> CheckOutcome:
    """Rows that will not be migrated, each with a reason the practice can act on."""
    rejects = _entity_rows(data, "rejects")
    flagged = rejects.select(
        "canonical_id",
        "source_id",
        pl.concat_str([pl.col("reason"), pl.col("field").fill_null("(row)")], separator=":").alias("detail"),
    ).cast(FLAGGED_SCHEMA)
    return outcome(data.row_count() + rejects.height, flagged)


def field_issues_check(data: CheckInput) -> CheckOutcome:
    """Values that could not be used (left empty) or were repaired (kept), by field and reason."""
    issues = _entity_rows(data, "field_issues")
    flagged = issues.select(
        "canonical_id", "source_id", pl.concat_str([pl.col("field"), pl.col("code")], separator=":").alias("detail")
    )
    return outcome(data.row_count(), flagged.cast(FLAGGED_SCHEMA))


def duplicates_check(data: CheckInput) -> CheckOutcome:
    """Suspected duplicates merged into one survivor, by the rule that matched (review each merge)."""
    merges = _entity_rows(data, "merges")
    flagged = merges.select("canonical_id", "source_id", pl.col("rule").alias("detail")).cast(FLAGGED_SCHEMA)
    return outcome(data.row_count() + merges.height, flagged)
