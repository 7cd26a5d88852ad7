"""Reports of the Dynamics flow, under the customer's folder: owner resolution, the field diff, rollback failures."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from checks.html import render_report
from store.files import private_dir, private_tree
from targets.dynamics.owners import OwnerResolution, fallback_counts
from targets.dynamics.readback import TableReadback
from targets.dynamics.rollback import RollbackFailure

TEMPLATES = "targets.dynamics"
# The records behind the read-back counts Dagster shows: (table, finding, canonical_id).
READBACK_RECORDS_FILE = "readback-records.csv"


def _shown(value: object) -> str:
    """A value as the diff report shows it: `(empty)` for none, long text cut at 200 characters."""
    if value is None:
        return "(empty)"
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "…"


def write_owner_report(
    out: Path,
    resolution: OwnerResolution,
    owned: pl.DataFrame,
    names: Mapping[str, str] | None = None,
    fallback_email: str = "",
) -> Path:
    """Every practitioner, how they were matched (and why not), and the records per practitioner that fell back —
    practitioners by name (`names`: canonical id → name) and owners by email; the GUIDs stay in the CSVs."""
    private_dir(out)  # personal data: owner-only (issue 15 item 9)
    fallback = fallback_counts(resolution, owned)
    resolution.practitioners.write_csv(out / "owner-resolution.csv")
    fallback.write_csv(out / "owner-fallback.csv")
    path = out / "owner-resolution.html"
    page = render_report(
        "owner_resolution.html.j2",
        TEMPLATES,
        title="Owner resolution",
        fallback_owner=resolution.fallback_owner,
        fallback_email=fallback_email,
        names=names or {},
        practitioners=resolution.practitioners.iter_rows(named=True),
        fallback=fallback.iter_rows(named=True),
    )
    path.write_text(page, encoding="utf-8")
    private_tree(out)
    return path


def write_diff_report(out: Path, results: list[TableReadback]) -> Path:
    """Per table and field: records compared, equal, different, with example keys (HTML + CSV)."""
    private_dir(out)  # personal data: owner-only (issue 15 item 9)
    rows = [
        {
            "table": r.table,
            "field": name,
            "compared": s.compared,
            "equal": s.equal,
            "different": s.different,
            "examples": "; ".join(s.examples),
        }
        for r in results
        for name, s in sorted(r.fields.items())
    ]
    pl.DataFrame(
        rows,
        schema={
            "table": pl.String,
            "field": pl.String,
            "compared": pl.Int64,
            "equal": pl.Int64,
            "different": pl.Int64,
            "examples": pl.String,
        },
    ).write_csv(out / "field-diff.csv")
    findings = [
        (r.table, finding, key)
        for r in results
        for finding, keys in (
            ("missing", r.missing),
            ("orphaned", r.orphaned),
            ("disabled_owner", r.disabled_owner),
            *((f"dangling_lookup:{name}", keys) for name, keys in sorted(r.dangling.items())),
            *((f"unresolved_lookup:{name}", keys) for name, keys in sorted(r.unresolved.items())),
        )
        for key in keys
    ]
    pl.DataFrame(
        findings, schema={"table": pl.String, "finding": pl.String, "canonical_id": pl.String}, orient="row"
    ).write_csv(out / READBACK_RECORDS_FILE)
    values = [
        {"table": r.table, "field": name, "canonical_id": key, "sent": _shown(sent), "found": _shown(found)}
        for r in results
        for name, s in sorted(r.fields.items())
        for key, sent, found in s.sent_vs_found
    ]
    pl.DataFrame(
        values,
        schema={
            "table": pl.String,
            "field": pl.String,
            "canonical_id": pl.String,
            "sent": pl.String,
            "found": pl.String,
        },
    ).write_csv(out / "field-diff-values.csv")
    path = out / "field-diff.html"
    page = render_report(
        "field_diff.html.j2",
        TEMPLATES,
        title="Field-level diff: what was sent vs what the target holds",
        results=results,
        rows=rows,
        values=values,
    )
    path.write_text(page, encoding="utf-8")
    private_tree(out)
    return path


ROLLBACK_FAILURE_SCHEMA = {
    "table": pl.String,
    "canonical_id": pl.String,
    "target_id": pl.String,
    "http_status": pl.Int64,
    "code": pl.String,
    "message": pl.String,
}


def write_rollback_failures(out: Path, failures: list[RollbackFailure]) -> Path:
    """`rollback-failures.csv`: each record the org would not delete or restore, with Dataverse's code and message
    (empty, with its header, when everything was rolled back)."""
    private_dir(out)
    path = out / "rollback-failures.csv"
    rows = [dataclasses.asdict(f) for f in failures]
    pl.DataFrame(rows, schema=ROLLBACK_FAILURE_SCHEMA).write_csv(path)
    private_tree(out)
    return path


def write_invoice_matches(out: Path, matches: pl.DataFrame) -> Path:
    """`invoice-matches.csv`: invoices the org already holds through its accounting integration (matched, not
    created) and those several org invoices claim (ambiguous, not created), with the org's invoice ids and the
    reason (empty, with its header, when none)."""
    private_dir(out)
    path = out / "invoice-matches.csv"
    matches.drop("run_kind").write_csv(path)
    private_tree(out)
    return path
