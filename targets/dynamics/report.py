"""Reports of the Dynamics flow, under the customer's folder: owner resolution and the field diff."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from checks.html import render_report
from targets.dynamics.owners import OwnerResolution, fallback_counts
from targets.dynamics.readback import TableReadback

TEMPLATES = "targets.dynamics"
# The records behind the read-back counts Dagster shows: (table, finding, canonical_id).
READBACK_RECORDS_FILE = "readback-records.csv"


def write_owner_report(out: Path, resolution: OwnerResolution, owned: pl.DataFrame) -> Path:
    """Every practitioner, how they were matched, and the records per practitioner that fell back."""
    out.mkdir(parents=True, exist_ok=True)
    fallback = fallback_counts(resolution, owned)
    resolution.practitioners.write_csv(out / "owner-resolution.csv")
    fallback.write_csv(out / "owner-fallback.csv")
    path = out / "owner-resolution.html"
    html = render_report(
        "owner_resolution.html.j2",
        TEMPLATES,
        title="Owner resolution",
        fallback_owner=resolution.fallback_owner,
        practitioners=resolution.practitioners.iter_rows(named=True),
        fallback=fallback.iter_rows(named=True),
    )
    path.write_text(html, encoding="utf-8")
    return path


def write_diff_report(out: Path, results: list[TableReadback]) -> Path:
    """Per table and field: records compared, equal, different, with example keys (HTML + CSV)."""
    out.mkdir(parents=True, exist_ok=True)
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
        for finding, keys in (("missing", r.missing), ("orphaned", r.orphaned), ("disabled_owner", r.disabled_owner))
        for key in keys
    ]
    pl.DataFrame(
        findings, schema={"table": pl.String, "finding": pl.String, "canonical_id": pl.String}, orient="row"
    ).write_csv(out / READBACK_RECORDS_FILE)
    path = out / "field-diff.html"
    html = render_report(
        "field_diff.html.j2",
        TEMPLATES,
        title="Field-level diff: what was sent vs what the target holds",
        results=results,
        rows=rows,
    )
    path.write_text(html, encoding="utf-8")
    return path
