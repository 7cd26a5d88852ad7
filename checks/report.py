"""The approval report: what a practice reviews before signoff (HTML + CSVs, customer folder only).

It holds personal data by design — a sample of records side by side (source values → canonical
values), every reject and every field issue — so it is written only under the customer's folder
and never attached to Dagster metadata.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from checks.blocking import BLOCKING_RULE, is_blocking
from checks.check_text import text_verdict
from checks.checklist import CheckResult
from checks.findings import FLAGGED_SCHEMA
from checks.html import render_report
from checks.record_labels import label_findings, reject_labels
from mappings.spec import MappingSpec, field_columns
from sources.base import SourceSystem
from sources.coverage import delivered_not_migrated, files_not_read
from sources.registry import get_system
from store import TableRef, Warehouse, read_partition
from store.files import private_dir, private_tree

# Every flagged record of every check (check, canonical_id, source_id, detail): the ids Dagster never gets.
FINDINGS_FILE = "findings.csv"
SIGNOFF_PAGE = "signoff.html"
SAMPLE_SIZE = 10  # Nookal's minimum per data type for a trial review (research/anchors.md A8)
_MAX_ROWS_IN_HTML = 500


@dataclass(frozen=True)
class ReportContext:
    customer_id: str
    customer_name: str
    run_kind: str
    system: str
    spec_version: str
    run_id: str | None = None
    iteration: int | None = None
    dump_checksum: str | None = None


def _delivered_resource(system: SourceSystem, file_name: str) -> str:
    """The (not-migrated) resource a delivered file holds, to list it once beside the declared ones."""
    if system.resource_of is not None:
        return system.resource_of(file_name) or file_name
    return file_name.removesuffix(system.file_suffix)


def _show(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 300 else text[:300] + "…"


def _sample(frame: pl.DataFrame, seed_text: str, size: int) -> pl.DataFrame:
    if frame.height <= size:
        return frame
    # Same partition and spec version → same sample, so a re-run shows the practice the same records.
    seed = int(hashlib.sha256(seed_text.encode()).hexdigest()[:8], 16)
    return frame.sample(n=size, seed=seed).sort("canonical_id")


def _entity_samples(
    con: duckdb.DuckDBPyConnection, spec: MappingSpec, entity: str, staged: pl.DataFrame, ctx: ReportContext, size: int
) -> list[dict[str, Any]]:
    records = []
    sources = {s.table: s for s in spec.entities[entity].sources}
    for row in _sample(staged, f"{ctx.customer_id}|{ctx.run_kind}|{ctx.spec_version}|{entity}", size).iter_rows(
        named=True
    ):
        source = sources.get(row["source_table"])
        raw_table = TableRef(f"raw_{spec.system}", row["source_table"])
        raw = con.sql(
            f"select * from {raw_table.sql} where run_kind = $k and _source_record = $r",
            params={"k": ctx.run_kind, "r": row["source_record"]},
        ).fetchall()
        names = [d[0] for d in con.sql(f"select * from {raw_table.sql} limit 0").description]
        raw_row = dict(zip(names, raw[0], strict=True)) if raw else {}
        pairs = []
        for field, field_spec in source.fields.items() if source else []:
            columns = field_columns(field_spec)
            shown = "; ".join(f"{c} = {_show(raw_row.get(c))}" if c in raw_row else f"{c} (lookup)" for c in columns)
            pairs.append({"field": field, "source": shown or "(constant)", "canonical": _show(row.get(field))})
        records.append(
            {
                "canonical_id": row["canonical_id"],
                "source": f"{row['source_table']} record {row['source_record']}",
                "pairs": pairs,
            }
        )
    return records


def _holding_a_value(values: pl.Series) -> int:
    """How many of `values` hold something: not null, and not text of only whitespace, an empty list nor an
    empty struct (as sources/coverage.py counts delivered fields)."""
    return int(_holds_value(values).sum())


def _holds_value(values: pl.Series) -> pl.Series:
    """Per value, whether it holds something (null counts as not). A struct holds something when one of its
    fields does: Polars reads a delivered `{}` beside other objects as a struct whose fields are all null."""
    if values.dtype == pl.String:
        return (values.str.strip_chars() != "").fill_null(False)
    if isinstance(values.dtype, pl.List):
        return (values.list.len() > 0).fill_null(False)
    if isinstance(values.dtype, pl.Struct):
        holding = pl.Series(values.name, [False] * len(values), dtype=pl.Boolean)
        for field in values.struct.fields:
            holding = holding | _holds_value(values.struct.field(field))
        return holding & values.is_not_null()
    return values.is_not_null()


def _not_migrated_to_target(
    target_spec: MappingSpec | None, staged: dict[str, pl.DataFrame]
) -> list[tuple[str, str, int, str]]:
    """(entity, field, staged records with a value, why) for each canonical field the target declares not
    migrated: what of this delivery stays behind in that target (0 where the delivery holds none)."""
    if target_spec is None:
        return []
    rows = []
    for entity, field, why in target_spec.fields_not_migrated():
        frame = staged.get(entity)
        count = _holding_a_value(frame[field]) if frame is not None and field in frame.columns else 0
        rows.append((entity, field, count, why))
    return rows


def write_approval_report(
    warehouse: Warehouse,
    out_dir: Path,
    spec: MappingSpec,
    results: list[CheckResult],
    ctx: ReportContext,
    sample_size: int = SAMPLE_SIZE,
    dump_dir: Path | None = None,
    target_spec: MappingSpec | None = None,
) -> Path:
    """Render approval-report.html plus rejects.csv, field-issues.csv, findings.csv,
    not-migrated.csv and not-migrated-to-target.csv into `out_dir`. `dump_dir` (the delivery staged)
    lets the report list the files that were not read; `target_spec` (the customer's target's mapping)
    the canonical fields that target has no place for, with how many staged records hold a value."""
    private_dir(out_dir)  # personal data: owner-only (issue 15 item 9)
    entities = [e for e in spec.entities]
    system = get_system(spec.system)
    with warehouse.connect(read_only=True) as con:
        not_migrated = delivered_not_migrated(con, system, ctx.run_kind, spec.columns_read(), spec.not_migrated_columns)
        reconciliation = read_partition(con, TableRef("staged", "reconciliation"), ctx.run_kind)
        rejects = read_partition(con, TableRef("staged", "rejects"), ctx.run_kind)
        issues = read_partition(con, TableRef("staged", "field_issues"), ctx.run_kind)
        merges = read_partition(con, TableRef("staged", "merges"), ctx.run_kind)
        sections = []
        staged_frames: dict[str, pl.DataFrame] = {}
        for entity in entities:
            staged = staged_frames[entity] = read_partition(con, TableRef("staged", entity), ctx.run_kind)
            counts = reconciliation.filter(pl.col("entity") == entity)
            sections.append(
                {
                    "entity": entity,
                    "grain": spec.entities[entity].grain,
                    "counts": counts.select("source_table", "considered", "staged", "merged", "rejected").rows(
                        named=True
                    ),
                    "checks": [r for r in results if r.definition.entity == entity],
                    "samples": _entity_samples(con, spec, entity, staged, ctx, sample_size),
                }
            )
    for frame, name in ((issues, "field-issues.csv"), (merges, "merges.csv")):
        frame.write_csv(out_dir / name)
    not_to_target = _not_migrated_to_target(target_spec, staged_frames)
    pl.DataFrame(
        not_to_target,
        schema={"entity": pl.String, "field": pl.String, "records_with_value": pl.Int64, "reason": pl.String},
        orient="row",
    ).write_csv(out_dir / "not-migrated-to-target.csv")
    pl.DataFrame(
        [(f.resource, f.field, f.records_with_value, f.reason) for f in not_migrated],
        schema={"resource": pl.String, "field": pl.String, "records_with_value": pl.Int64, "reason": pl.String},
        orient="row",
    ).write_csv(out_dir / "not-migrated.csv")
    delivered_files = (
        {_delivered_resource(system, f.name): f for f in files_not_read(dump_dir, system)} if dump_dir else {}
    )
    resources_not_read = [
        {"resource": name, "records": delivered_files[name].records if name in delivered_files else None, "reason": why}
        for name, why in system.not_migrated_resources.items()
    ] + [
        {"resource": f.name, "records": f.records, "reason": f.reason}
        for name, f in delivered_files.items()
        if name not in system.not_migrated_resources
    ]
    # Failing checks first (ERROR, then WARN), then the rest in checklist order.
    results = sorted(results, key=lambda r: (r.passed, not is_blocking(r.definition.severity)))
    severity = {r.key: r.definition.severity for r in results}
    findings = pl.concat(
        [
            r.outcome.flagged.with_columns(pl.lit(r.key).alias("check"), pl.lit(r.definition.entity).alias("entity"))
            for r in results
            if r.outcome.flagged.height
        ]
        or [pl.DataFrame(schema={**FLAGGED_SCHEMA, "check": pl.String, "entity": pl.String})]
    )
    with warehouse.connect(read_only=True) as con:
        # What a person needs to find each record in the current system (names, dates, numbers): this folder only.
        findings = label_findings(con, ctx.run_kind, findings)
        rejects = rejects.with_columns(
            pl.Series("find_it_by", reject_labels(con, spec, ctx.run_kind, rejects), dtype=pl.String)
        )
    # A check's flagged record that was rejected (the `rejects` checks) is not staged: named as delivered.
    delivered = rejects.select("entity", "source_id", pl.col("find_it_by").alias("_delivered")).unique(
        ["entity", "source_id"], keep="first"
    )
    findings = (
        findings.join(delivered, on=["entity", "source_id"], how="left")
        .with_columns(pl.coalesce(pl.col("find_it_by").replace("", None), "_delivered").alias("find_it_by"))
        .drop("_delivered")
    )
    findings = findings.with_columns(pl.col("check").replace_strict(severity, default="").alias("severity")).sort(
        pl.col("severity") != "ERROR", "check", "find_it_by", nulls_last=True
    )
    findings.select("severity", "check", "entity", "find_it_by", "source_id", "canonical_id", "detail").write_csv(
        out_dir / FINDINGS_FILE
    )
    rejects.write_csv(out_dir / "rejects.csv")
    errors = [r for r in results if not r.passed and is_blocking(r.definition.severity)]
    warnings = [r for r in results if not r.passed and not is_blocking(r.definition.severity)]
    generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    html = render_report(
        "approval_report.html.j2",
        ctx=ctx,
        generated_at=generated_at,
        sections=sections,
        results=results,
        errors=errors,
        warnings=warnings,
        blocking_rule=BLOCKING_RULE,
        verdicts={
            r.key: text_verdict(
                r.passed, r.definition.severity, r.outcome.failed, r.outcome.checked, r.outcome.breakdown
            )
            for r in results
        },
        findings=findings.head(_MAX_ROWS_IN_HTML).rows(named=True),
        findings_total=findings.height,
        rejects=rejects.head(_MAX_ROWS_IN_HTML).rows(named=True),
        rejects_total=rejects.height,
        merges=merges.head(_MAX_ROWS_IN_HTML).rows(named=True),
        merges_total=merges.height,
        issues_total=issues.height,
        not_migrated=not_migrated[:_MAX_ROWS_IN_HTML],
        not_migrated_total=len(not_migrated),
        resources_not_read=resources_not_read,
        target_name=target_spec.system if target_spec else None,
        not_to_target=[
            {"entity": e, "field": f, "records_with_value": n, "reason": why} for e, f, n, why in not_to_target if n
        ],
        not_to_target_empty=sum(1 for *_rest, n, _why in not_to_target if not n),
        max_rows=_MAX_ROWS_IN_HTML,
    )
    path = out_dir / "approval-report.html"
    path.write_text(html, encoding="utf-8")
    # The page a practice prints and signs: what exactly is being approved.
    (out_dir / SIGNOFF_PAGE).write_text(
        render_report(
            "signoff_page.html.j2",
            ctx=ctx,
            generated_at=generated_at,
            sections=sections,
            errors=errors,
            warnings=warnings,
            blocking_rule=BLOCKING_RULE,
            rejects_total=rejects.height,
            merges_total=merges.height,
            issues_total=issues.height,
            not_migrated_total=len(not_migrated),
        ),
        encoding="utf-8",
    )
    private_tree(out_dir)
    return path
