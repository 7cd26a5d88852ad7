"""Run a mapping spec over one partition's raw tables: canonical rows, rejects, issues, merges.

Every considered source row ends in exactly one place — staged, merged into a survivor, or rejected
with a reason — and the counts per (entity, source table) are returned for reconciliation.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import polars as pl

from checks.canonical import data_fields, entity_fields
from mappings.dedup import deduplicate
from mappings.evaluate import Evaluated, MappingError, cast_to, evaluate, first_code
from mappings.issues import ISSUE_MESSAGES as _MESSAGES
from mappings.issues import WARNING_CODES, message_for
from mappings.load import json_columns, load_source, raw_table_sql
from mappings.spec import EntitySpec, MappingSpec, SourceSpec
from mappings.transforms.registry import MappingContext, TransformContext

REJECT_SCHEMA = {
    "run_kind": pl.String,
    "entity": pl.String,
    "source_table": pl.String,
    "source_id": pl.String,
    "source_record": pl.Int64,
    "canonical_id": pl.String,
    "reason": pl.String,
    "field": pl.String,
    "message": pl.String,
    "related_id": pl.String,
}
ISSUE_SCHEMA = {
    "run_kind": pl.String,
    "entity": pl.String,
    "canonical_id": pl.String,
    "source_table": pl.String,
    "source_id": pl.String,
    "source_record": pl.Int64,
    "field": pl.String,
    "code": pl.String,
    "severity": pl.String,
    "message": pl.String,
}
MERGE_SCHEMA = {
    "run_kind": pl.String,
    "entity": pl.String,
    "canonical_id": pl.String,
    "source_table": pl.String,
    "source_id": pl.String,
    "source_record": pl.Int64,
    "survivor_id": pl.String,
    "rule": pl.String,
}
RECONCILIATION_SCHEMA = {
    "run_kind": pl.String,
    "entity": pl.String,
    "source_table": pl.String,
    "grain": pl.String,
    "considered": pl.Int64,
    "staged": pl.Int64,
    "merged": pl.Int64,
    "rejected": pl.Int64,
}
_PROVENANCE = ["source_table", "source_id", "source_record"]


@dataclass
class EntityResult:
    entity: str
    staged: pl.DataFrame
    rejects: pl.DataFrame
    issues: pl.DataFrame
    merges: pl.DataFrame
    reconciliation: pl.DataFrame


@dataclass
class MappingResult:
    spec_version: str
    entities: dict[str, EntityResult] = field(default_factory=dict)
    unassigned: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECT_SCHEMA))

    def frame(self, part: str) -> pl.DataFrame:
        """All entities' rejects / issues / merges / reconciliation in one frame."""
        schema = {
            "rejects": REJECT_SCHEMA,
            "issues": ISSUE_SCHEMA,
            "merges": MERGE_SCHEMA,
            "reconciliation": RECONCILIATION_SCHEMA,
        }[part]
        frames = [getattr(r, part) for r in self.entities.values()]
        if part == "rejects":
            frames.append(self.unassigned)
        return pl.concat([f for f in frames if f.height] or [pl.DataFrame(schema=schema)], how="vertical")


def entity_order(spec: MappingSpec) -> list[str]:
    """Entities in reference order: a row can only be checked once what it points at is staged."""
    graph = graphlib.TopologicalSorter()
    for entity in spec.entities:
        refs = {f.ref for f in data_fields(entity) if f.ref and f.ref in spec.entities and f.ref != entity}
        graph.add(entity, *refs)
    return list(graph.static_order())


@dataclass
class _Known:
    """What earlier entities produced, for resolving references."""

    staged: dict[str, set[str]] = field(default_factory=dict)
    rejected: dict[str, set[str]] = field(default_factory=dict)
    merged_into: dict[str, dict[str, str]] = field(default_factory=dict)


def _read_issue_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Raw read issues ("field:code;…" in `_read_issues`) as one row per (record, field, code)."""
    if "_read_issues" not in frame.columns:
        return pl.DataFrame(schema={"canonical_id": pl.String, "field": pl.String, "code": pl.String})
    return (
        frame.filter(pl.col("_read_issues").is_not_null())
        .select("canonical_id", pl.col("_read_issues").str.split(";").alias("item"))
        .explode("item")
        .select("canonical_id", pl.col("item").str.split_exact(":", 1).struct.rename_fields(["field", "code"]))
        .unnest("item")
    )


class _SourceMapper:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        spec: MappingSpec,
        mapping: MappingContext,
        entity: str,
        source: SourceSpec,
        where: str,
    ):
        self.con, self.spec, self.mapping = con, spec, mapping
        self.entity, self.source, self.where = entity, source, where

    def run(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        ctx = TransformContext(pl.DataFrame(), {}, self.mapping, "id", self.entity)
        frame, matched = load_source(self.con, self.spec.system, self.mapping.run_kind, self.source, ctx, self.where)
        ctx.frame = frame
        ctx.json_columns = frozenset(json_columns(self.con, self.spec.system, self.source.table))
        defaults = self.spec.defaults.get("string", [])
        source_id = evaluate(self.source.id, frame, ctx, f"{self.where}.id").values.cast(pl.String)
        canonical_id = f"{self.spec.system}:{self.entity}:{self.source.id_prefix}"
        columns: dict[str, pl.Series] = {
            "customer_id": pl.Series([self.mapping.customer_id] * frame.height, dtype=pl.String),
            "run_kind": pl.Series([self.mapping.run_kind] * frame.height, dtype=pl.String),
            "source_system": pl.Series([self.spec.system] * frame.height, dtype=pl.String),
            "source_table": pl.Series([self.source.table] * frame.height, dtype=pl.String),
            "source_id": source_id,
            "source_record": frame["_source_record"].cast(pl.Int64),
            "canonical_id": pl.select(pl.lit(canonical_id) + pl.lit(source_id)).to_series(),
        }
        if self.source.origin is not None:
            ctx.field = "origin_id"
            origin = evaluate(self.source.origin, frame, ctx, f"{self.where}.origin").values.cast(pl.String)
            columns["origin_id"] = pl.select(pl.coalesce(pl.lit(origin), pl.lit(columns["canonical_id"]))).to_series()
        else:
            columns["origin_id"] = columns["canonical_id"]
        codes: dict[str, tuple[pl.Series, pl.Series]] = {}
        fields_by_name = {f.name: f for f in data_fields(self.entity)}
        for name, field_spec in self.source.fields.items():
            ctx.field = name
            result = evaluate(field_spec, frame, ctx, f"{self.where}.fields.{name}", defaults)
            result = cast_to(result, fields_by_name[name].dtype, name)
            ctx.outputs[name] = result.values
            columns[name] = result.values
            codes[name] = (result.issues, result.warnings)
        out = pl.DataFrame(columns)
        for name, canonical in fields_by_name.items():
            if name not in out.columns:
                out = out.with_columns(pl.lit(None, dtype=canonical.dtype).alias(name))
        for name, (issues, warnings) in codes.items():
            out = out.with_columns(issues.rename(f"__issue__{name}"), warnings.rename(f"__warn__{name}"))
        if "_read_issues" in frame.columns and not self.source.explode:
            # A read issue belongs to the delivered record, not to the elements exploded out of it.
            out = out.with_columns(frame["_read_issues"])
        return out, matched


def _resolve_references(frame: pl.DataFrame, entity: str, known: _Known) -> pl.DataFrame:
    """Rewire references to merged rows to their survivor; a reference to a missing or rejected row
    is an issue on that field (`missing_reference` / `parent_rejected`)."""
    for f in data_fields(entity):
        if not f.ref or f.ref not in known.staged:
            continue
        merged = known.merged_into.get(f.ref, {})
        values = frame[f.name]
        if merged:
            values = values.replace(merged)
        present = values.is_in(list(known.staged[f.ref]))
        rejected = values.is_in(list(known.rejected.get(f.ref, set())))
        code = pl.select(
            pl.when(pl.lit(values).is_null() | pl.lit(present))
            .then(None)
            .when(pl.lit(rejected))
            .then(pl.lit("parent_rejected"))
            .otherwise(pl.lit("missing_reference"))
        ).to_series()
        issue_col = f"__issue__{f.name}"
        previous = frame[issue_col] if issue_col in frame.columns else pl.Series([None] * frame.height, dtype=pl.String)
        frame = frame.with_columns(
            pl.when(pl.lit(code).is_null()).then(pl.lit(values)).otherwise(None).alias(f.name),
            pl.lit(first_code(previous, code)).alias(issue_col),
            pl.when(pl.lit(code).is_not_null()).then(pl.lit(values)).otherwise(None).alias(f"__related__{f.name}"),
        )
    return frame


def _split(frame: pl.DataFrame, entity: str, run_kind: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(kept rows, rejects, field issues). A row is rejected when a required field is missing or
    unusable, or it repeats an id already seen; the reason is the first such field in model order."""
    n = frame.height
    reason = pl.Series([None] * n, dtype=pl.String)
    reason_field = pl.Series([None] * n, dtype=pl.String)
    related = pl.Series([None] * n, dtype=pl.String)
    # The first row with an id wins; a later row with the same id is a broken dump, rejected.
    duplicate = frame.select(pl.int_range(pl.len()).over("canonical_id") > 0).to_series()
    reason = pl.select(pl.when(pl.lit(duplicate)).then(pl.lit("duplicate_source_id")).otherwise(None)).to_series()
    for f in data_fields(entity):
        if f.nullable:
            continue
        issue_col = f"__issue__{f.name}"
        issue = frame[issue_col] if issue_col in frame.columns else pl.Series([None] * n, dtype=pl.String)
        code = pl.select(
            pl.when(pl.lit(frame[f.name]).is_null())
            .then(pl.coalesce(pl.lit(issue), pl.lit("required_missing")))
            .otherwise(None)
        ).to_series()
        newly = reason.is_null() & code.is_not_null()
        reason = first_code(reason, code)
        reason_field = pl.select(
            pl.when(pl.lit(newly)).then(pl.lit(f.name)).otherwise(pl.lit(reason_field))
        ).to_series()
        rel_col = f"__related__{f.name}"
        if rel_col in frame.columns:
            related = pl.select(
                pl.when(pl.lit(newly)).then(pl.lit(frame[rel_col])).otherwise(pl.lit(related))
            ).to_series()
    frame = frame.with_columns(
        reason.alias("__reason"), reason_field.alias("__reason_field"), related.alias("__related")
    )
    rejected = frame.filter(pl.col("__reason").is_not_null())
    kept = frame.filter(pl.col("__reason").is_null())
    rejects = rejected.select(
        pl.lit(run_kind).alias("run_kind"),
        pl.lit(entity).alias("entity"),
        *_PROVENANCE,
        "canonical_id",
        pl.col("__reason").alias("reason"),
        pl.col("__reason_field").alias("field"),
        (
            pl.col("__reason_field").fill_null("(row)")
            + pl.lit(": ")
            + pl.col("__reason").replace_strict(_MESSAGES, default="rejected", return_dtype=pl.String)
        ).alias("message"),
        pl.col("__related").alias("related_id"),
    )
    issue_frames = []
    for f in data_fields(entity):
        for kind in ("issue", "warn"):
            col = f"__{kind}__{f.name}"
            if col in kept.columns:
                rows = kept.filter(pl.col(col).is_not_null()).select(
                    "canonical_id", *_PROVENANCE, pl.lit(f.name).alias("field"), pl.col(col).alias("code")
                )
                issue_frames.append(rows)
    raw_issues = _read_issue_rows(kept)
    if raw_issues.height:
        provenance = kept.select("canonical_id", *_PROVENANCE)
        issue_frames.append(
            raw_issues.join(provenance, on="canonical_id").select("canonical_id", *_PROVENANCE, "field", "code")
        )
    issues = (
        pl.concat(issue_frames, how="vertical")
        if issue_frames
        else pl.DataFrame(
            schema={
                "canonical_id": pl.String,
                "source_table": pl.String,
                "source_id": pl.String,
                "source_record": pl.Int64,
                "field": pl.String,
                "code": pl.String,
            }
        )
    )
    issues = issues.select(
        pl.lit(run_kind).alias("run_kind"),
        pl.lit(entity).alias("entity"),
        "canonical_id",
        *_PROVENANCE,
        "field",
        "code",
        pl.when(pl.col("code").is_in(list(WARNING_CODES)))
        .then(pl.lit("warning"))
        .otherwise(pl.lit("issue"))
        .alias("severity"),
        pl.col("code").replace_strict(_MESSAGES, default="see code", return_dtype=pl.String).alias("message"),
    ).cast(ISSUE_SCHEMA)
    return kept, rejects.cast(REJECT_SCHEMA), issues


def map_entity(
    con: duckdb.DuckDBPyConnection,
    spec: MappingSpec,
    mapping: MappingContext,
    entity: str,
    entity_spec: EntitySpec,
    known: _Known,
) -> tuple[EntityResult, dict[str, pl.DataFrame]]:
    run_kind = mapping.run_kind
    frames, matched = [], {}
    for i, source in enumerate(entity_spec.sources):
        out, rows = _SourceMapper(con, spec, mapping, entity, source, f"entities.{entity}.sources[{i}]").run()
        frames.append(out)
        if not source.explode:
            matched.setdefault(source.table, []).append(rows)
    frame = pl.concat(frames, how="diagonal_relaxed")
    considered = frame.group_by("source_table").len("considered")
    frame = _resolve_references(frame, entity, known)
    kept, rejects, issues = _split(frame, entity, run_kind)
    columns = [f.name for f in entity_fields(entity)]
    staged = kept.select(columns)
    merges = pl.DataFrame(schema=MERGE_SCHEMA)
    if entity_spec.dedup is not None:
        result = deduplicate(staged, entity_spec.dedup, [f.name for f in data_fields(entity)])
        merged_ids = result.merges["canonical_id"]
        merges = (
            result.merges.join(staged.select("canonical_id", *_PROVENANCE), on="canonical_id")
            .select(
                pl.lit(run_kind).alias("run_kind"),
                pl.lit(entity).alias("entity"),
                "canonical_id",
                *_PROVENANCE,
                "survivor_id",
                "rule",
            )
            .cast(MERGE_SCHEMA)
        )
        staged = result.survivors
        issues = issues.filter(~pl.col("canonical_id").is_in(merged_ids.implode()))
    schema = {f.name: f.dtype for f in entity_fields(entity)}
    staged = staged.cast(schema)
    known.staged[entity] = set(staged["canonical_id"].to_list())
    known.rejected[entity] = set(rejects["canonical_id"].to_list())
    known.merged_into[entity] = dict(
        zip(merges["canonical_id"].to_list(), merges["survivor_id"].to_list(), strict=True)
    )
    counts = (
        considered.join(staged.group_by("source_table").len("staged"), on="source_table", how="left")
        .join(merges.group_by("source_table").len("merged"), on="source_table", how="left")
        .join(rejects.group_by("source_table").len("rejected"), on="source_table", how="left")
        .fill_null(0)
    )
    grain = {s.table: ("elements" if s.explode else "rows") for s in entity_spec.sources}
    reconciliation = counts.select(
        pl.lit(run_kind).alias("run_kind"),
        pl.lit(entity).alias("entity"),
        "source_table",
        pl.col("source_table").replace_strict(grain, return_dtype=pl.String).alias("grain"),
        "considered",
        "staged",
        "merged",
        "rejected",
    ).cast(RECONCILIATION_SCHEMA)
    return EntityResult(entity, staged, rejects, issues, merges, reconciliation), matched


def _unassigned(
    con: duckdb.DuckDBPyConnection, spec: MappingSpec, run_kind: str, matched: dict[str, list[pl.DataFrame]]
) -> pl.DataFrame:
    """Rows of entity source tables that no entity's `where` took: rejected as `no_entity`."""
    frames = []
    for table, taken in matched.items():
        records = pl.concat(taken).unique()
        id_column = "cast(id as varchar)" if _has_id(con, spec, table) else "null::varchar"
        rows = con.sql(
            f"select _source_record, {id_column} as source_id from {raw_table_sql(spec.system, table)} "
            "where run_kind = $run_kind",
            params={"run_kind": run_kind},
        ).pl()
        left = rows.join(records, on="_source_record", how="anti")
        if left.height:
            frames.append(
                left.select(
                    pl.lit(run_kind).alias("run_kind"),
                    pl.lit("(none)").alias("entity"),
                    pl.lit(table).alias("source_table"),
                    "source_id",
                    pl.col("_source_record").cast(pl.Int64).alias("source_record"),
                    pl.lit(None, dtype=pl.String).alias("canonical_id"),
                    pl.lit("no_entity").alias("reason"),
                    pl.lit(None, dtype=pl.String).alias("field"),
                    pl.lit(message_for("no_entity")).alias("message"),
                    pl.lit(None, dtype=pl.String).alias("related_id"),
                )
            )
    return pl.concat(frames).cast(REJECT_SCHEMA) if frames else pl.DataFrame(schema=REJECT_SCHEMA)


def _has_id(con: duckdb.DuckDBPyConnection, spec: MappingSpec, table: str) -> bool:
    return any(r[0] == "id" for r in con.execute(f"describe {raw_table_sql(spec.system, table)}").fetchall())


def run_mapping(
    con: duckdb.DuckDBPyConnection,
    spec: MappingSpec,
    mapping: MappingContext,
    progress: Callable[[str, int], None] | None = None,
) -> MappingResult:
    """Map every entity of `spec` for `mapping.run_kind` from the raw schema on `con`."""
    result = MappingResult(spec.version)
    known = _Known()
    matched_all: dict[str, list[pl.DataFrame]] = {}
    for entity in entity_order(spec):
        entity_result, matched = map_entity(con, spec, mapping, entity, spec.entities[entity], known)
        result.entities[entity] = entity_result
        for table, frames in matched.items():
            matched_all.setdefault(table, []).extend(frames)
        if progress:
            progress(entity, entity_result.staged.height)
    result.unassigned = _unassigned(con, spec, mapping.run_kind, matched_all)
    return result


__all__ = [
    "ISSUE_SCHEMA",
    "MERGE_SCHEMA",
    "RECONCILIATION_SCHEMA",
    "REJECT_SCHEMA",
    "EntityResult",
    "Evaluated",
    "MappingError",
    "MappingResult",
    "entity_order",
    "run_mapping",
]
