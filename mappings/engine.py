"""Run a mapping spec over one partition's raw tables: canonical rows, rejects, issues, merges.

Every considered source row ends in exactly one place — staged, merged into a survivor, or rejected
with a reason — and the counts per (entity, source table) are returned for reconciliation.

Rows stream through in chunks of raw records and go straight to a sink (the staged tables), so
memory is bounded by the chunk size, not the practice: only the canonical ids of staged and
rejected rows are kept, to resolve the references of later entities.
"""

from __future__ import annotations

import graphlib
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb
import polars as pl

from checks.canonical import CanonicalField
from mappings.dedup import deduplicate
from mappings.evaluate import MappingError, cast_to, condition_mask, evaluate, first_code
from mappings.issues import (
    ISSUE_MESSAGES,
    QUARANTINE_CODES,
    QUARANTINE_PATTERN,
    REJECTING_CODES,
    WARNING_CODES,
)
from mappings.load import LINEAGE_COLUMNS, SourceReader, table_sql
from mappings.models import CANONICAL, OutputModel
from mappings.spec import EntitySpec, MappingSpec, SourceSpec, field_columns
from mappings.transforms.registry import MappingContext, TransformContext, nulls
from store import TableRef, table_exists
from store.locations import add_location_note

# Raw records mapped at a time: bounds memory (100 k treatment notes with their exploded questions
# peak at ~1 GB) at a small cost in per-chunk overhead.
CHUNK_RECORDS = 60_000

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
SIDE_TABLE_SCHEMAS = {
    "rejects": REJECT_SCHEMA,
    "field_issues": ISSUE_SCHEMA,
    "merges": MERGE_SCHEMA,
    "reconciliation": RECONCILIATION_SCHEMA,
}
_PROVENANCE = ["source_table", "source_id", "source_record"]

# sink(table, frame): `table` is an entity name or one of SIDE_TABLE_SCHEMAS.
Sink = Callable[[str, pl.DataFrame], None]


@dataclass
class EntitySummary:
    """Counts of one entity's mapping (the rows themselves went to the sink)."""

    entity: str
    staged: int = 0
    merged: int = 0
    rejected: int = 0
    issues: int = 0


@dataclass
class MappingResult:
    spec_version: str
    entities: dict[str, EntitySummary] = field(default_factory=dict)
    reconciliation: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=RECONCILIATION_SCHEMA))


def entity_order(spec: MappingSpec) -> list[str]:
    """Entities in reference order: a row can only be checked once what it points at is staged."""
    graph = graphlib.TopologicalSorter()
    for entity in spec.entities:
        refs = {f.ref for f in spec.model.data_fields(entity) if f.ref and f.ref in spec.entities and f.ref != entity}
        graph.add(entity, *refs)
    return list(graph.static_order())


def shape_of(table: str, model: OutputModel = CANONICAL) -> pl.DataFrame:
    """An empty frame with the columns and dtypes an output table has."""
    if table in SIDE_TABLE_SCHEMAS:
        return pl.DataFrame(schema=SIDE_TABLE_SCHEMAS[table])
    return pl.DataFrame(schema={f.name: f.dtype for f in model.fields(table)})


def long_text_columns(table: str, model: OutputModel = CANONICAL) -> tuple[str, ...]:
    """The columns of an output table that hold long free text (stored with zstd)."""
    if table in SIDE_TABLE_SCHEMAS:
        return ()
    return tuple(f.name for f in model.fields(table) if f.long_text)


@dataclass
class _Known:
    """Canonical ids earlier entities produced, for resolving references, kept as 64-bit hashes:
    membership of 100 k references in 1 M ids is ~8× faster on integers than on strings (bench/).
    A collision (~1e-8 for a large practice) could only hide a dangling reference from the engine;
    the `references` check re-verifies every reference on the exact strings."""

    staged: dict[str, pl.Series] = field(default_factory=dict)
    rejected: dict[str, pl.Series] = field(default_factory=dict)
    merged_into: dict[str, dict[str, str]] = field(default_factory=dict)


# A source's `deleted_when` marks rows the source system soft-deleted: rejected with this reason.
DELETED_COLUMN = "__deleted"
DELETED_IN_SOURCE = "deleted_in_source"


def _map_chunk(
    frame: pl.DataFrame,
    spec: MappingSpec,
    mapping: MappingContext,
    entity: str,
    source: SourceSpec,
    where: str,
    json_columns: frozenset[str],
) -> pl.DataFrame:
    """Evaluate the source's fields over one chunk: identity columns, canonical fields, and per-field
    `__issue__<f>` / `__warn__<f>` code columns."""
    ctx = TransformContext(frame, {}, mapping, "id", entity, json_columns)
    defaults = spec.defaults.get("string", [])
    source_id = evaluate(source.id, frame, ctx, f"{where}.id").values.cast(pl.String)
    n = frame.height
    # Source specs build `<system>:<entity>:<id>`; target specs keep the staged canonical id as the key.
    stem = f"{spec.system}:{entity}:{source.id_prefix}" if spec.keys == "generated" else source.id_prefix
    canonical_id = pl.select(pl.lit(stem) + pl.lit(source_id)).to_series()
    columns: dict[str, pl.Series] = {
        "customer_id": pl.Series([mapping.customer_id] * n, dtype=pl.String),
        "run_kind": pl.Series([mapping.run_kind] * n, dtype=pl.String),
        "source_system": pl.Series([spec.system] * n, dtype=pl.String),
        "source_table": pl.Series([source.table] * n, dtype=pl.String),
        "source_id": source_id,
        "source_record": frame["_source_record"].cast(pl.Int64),
        "canonical_id": canonical_id,
        "origin_id": canonical_id,
    }
    if spec.keys == "source" and set(LINEAGE_COLUMNS) <= set(frame.columns):
        # A target's row is keyed by the staged canonical id, but came from the source system's record: its
        # lineage names that system and id (Gensolve's mig_source_system / mig_source_id), not the target's.
        columns |= {c: frame[c].cast(pl.String) for c in LINEAGE_COLUMNS}
    if source.origin is not None:
        ctx.field = "origin_id"
        origin = evaluate(source.origin, frame, ctx, f"{where}.origin").values.cast(pl.String)
        columns["origin_id"] = pl.select(pl.coalesce(pl.lit(origin), pl.lit(canonical_id))).to_series()
    fields_by_name = {f.name: f for f in spec.model.data_fields(entity)}
    for name, field_spec in source.fields.items():
        ctx.field = name
        try:
            result = cast_to(
                evaluate(field_spec, frame, ctx, f"{where}.fields.{name}", defaults), fields_by_name[name].dtype, name
            )
        except Exception as exc:
            # An unexpected error's own text may quote a value; this note is what a person sees instead.
            records = frame["_source_record"]
            add_location_note(
                exc, f"{where}.fields.{name}: raw table {source.table}, records {records.min()}–{records.max()}"
            )
            raise
        ctx.outputs[name] = result.values
        ctx.output_issues[name] = result.issues
        columns[name] = result.values
        columns[f"__issue__{name}"] = result.issues.rename(f"__issue__{name}")
        columns[f"__warn__{name}"] = result.warnings.rename(f"__warn__{name}")
    for name, canonical in fields_by_name.items():
        if name not in columns:
            columns[name] = nulls(n, canonical.dtype, name)
    if source.deleted_when is not None:
        deleted = condition_mask(source.deleted_when, frame, f"{where}.deleted_when")
        columns[DELETED_COLUMN] = deleted.fill_null(False).alias(DELETED_COLUMN)
    if not source.explode:
        # A read issue belongs to the delivered record, not to the elements exploded out of it.
        columns["_read_issues"] = frame["_read_issues"].cast(pl.String)
    return pl.DataFrame(columns)


def _resolve_references(frame: pl.DataFrame, fields: tuple[CanonicalField, ...], known: _Known) -> pl.DataFrame:
    """Rewire references to merged rows to their survivor; a reference to a missing or rejected row
    is an issue on that field (`missing_reference` / `parent_rejected`)."""
    for f in fields:
        if not f.ref or f.ref not in known.staged:
            continue
        values = frame[f.name]
        merged = known.merged_into.get(f.ref)
        if merged:
            values = values.replace(merged)
        hashed = values.hash()
        present = hashed.is_in(known.staged[f.ref].implode())
        rejected = hashed.is_in(known.rejected[f.ref].implode())
        code = pl.select(
            pl.when(pl.lit(values).is_null() | pl.lit(present))
            .then(None)
            .when(pl.lit(rejected))
            .then(pl.lit("parent_rejected"))
            .otherwise(pl.lit("missing_reference"))
        ).to_series()
        issue_col = f"__issue__{f.name}"
        previous = frame[issue_col] if issue_col in frame.columns else nulls(frame.height)
        frame = frame.with_columns(
            pl.when(pl.lit(code).is_null()).then(pl.lit(values)).otherwise(None).alias(f.name),
            pl.lit(first_code(previous, code)).alias(issue_col),
            pl.when(pl.lit(code).is_not_null()).then(pl.lit(values)).otherwise(None).alias(f"__related__{f.name}"),
        )
    return frame


def _rewire_self_references(
    frame: pl.DataFrame, entity: str, fields: tuple[CanonicalField, ...], merges: pl.DataFrame
) -> pl.DataFrame:
    """A reference to a row of the same entity (a client referred by another client) that was merged
    away points at its survivor: the entity's own merges are only known once it is deduplicated."""
    names = [f.name for f in fields if f.ref == entity]
    if not names or merges.height == 0:
        return frame
    survivor_of = dict(zip(merges["canonical_id"].to_list(), merges["survivor_id"].to_list(), strict=True))
    return frame.with_columns(pl.col(name).replace(survivor_of) for name in names)


def _split(
    frame: pl.DataFrame, entity: str, fields: tuple[CanonicalField, ...], run_kind: str, seen_before: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(kept rows, rejects, field issues). A row is rejected when it repeats an id already seen, or a
    required field is missing or unusable; the reason is the first such field in model order."""
    # The first row with an id wins; a later row with the same id is a broken dump, rejected.
    # `seen_before` marks ids already taken by an earlier chunk.
    duplicate = pl.lit(seen_before)
    if frame["canonical_id"].is_duplicated().any():
        duplicate = duplicate | (pl.int_range(pl.len()).over("canonical_id") > 0)
    problems = [(None, pl.when(duplicate).then(pl.lit("duplicate_source_id")))]
    if "_read_issues" in frame.columns:
        # A row quarantined on reading has no cells: its one outcome is that reject, not the required
        # field it lacks or the empty id it shares with another quarantined row.
        problems.insert(0, (None, pl.col("_read_issues").str.extract(QUARANTINE_PATTERN, 1)))
    if DELETED_COLUMN in frame.columns:
        problems.append((None, pl.when(pl.col(DELETED_COLUMN)).then(pl.lit(DELETED_IN_SOURCE))))
    for f in fields:
        issue = pl.col(f"__issue__{f.name}") if f"__issue__{f.name}" in frame.columns else pl.lit(None, pl.String)
        if f.nullable:
            if f"__issue__{f.name}" in frame.columns:
                problems.append((f.name, pl.when(issue.is_in(list(REJECTING_CODES))).then(issue)))
            continue
        problems.append(
            (f.name, pl.when(pl.col(f.name).is_null()).then(pl.coalesce(issue, pl.lit("required_missing"))))
        )
    # One pass over the chunk: the reason, the field it is about, and the id it referred to.
    frame = frame.with_columns(
        pl.coalesce([code for _, code in problems]).alias("__reason"),
        pl.coalesce([pl.when(code.is_not_null()).then(pl.lit(name)) for name, code in problems if name]).alias(
            "__reason_field"
        ),
        pl.coalesce(
            [
                pl.when(code.is_not_null()).then(pl.col(f"__related__{name}"))
                for name, code in problems
                if name and f"__related__{name}" in frame.columns
            ]
            or [pl.lit(None, pl.String)]
        ).alias("__related"),
    )
    # A duplicate, deleted or quarantined row has no field; a required-field problem after it does not name
    # one either.
    frame = frame.with_columns(
        pl.when(pl.col("__reason").is_in(["duplicate_source_id", DELETED_IN_SOURCE, *QUARANTINE_CODES]))
        .then(None)
        .otherwise(pl.col("__reason_field"))
        .alias("__reason_field")
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
            + pl.col("__reason").replace_strict(ISSUE_MESSAGES, default="rejected", return_dtype=pl.String)
        ).alias("message"),
        pl.col("__related").alias("related_id"),
    ).cast(REJECT_SCHEMA)
    return kept, rejects, _issues(kept, entity, fields, run_kind)


def _issues(kept: pl.DataFrame, entity: str, fields: tuple[CanonicalField, ...], run_kind: str) -> pl.DataFrame:
    """One row per (record, field, code) for values left empty or repaired, plus raw read issues."""
    parts = []
    for f in fields:
        for kind in ("issue", "warn"):
            col = f"__{kind}__{f.name}"
            if col in kept.columns:
                parts.append(
                    kept.filter(pl.col(col).is_not_null()).select(
                        "canonical_id", *_PROVENANCE, pl.lit(f.name).alias("field"), pl.col(col).alias("code")
                    )
                )
    if "_read_issues" in kept.columns:
        raw = kept.filter(pl.col("_read_issues").is_not_null())
        if raw.height:
            items = (
                raw.select("canonical_id", *_PROVENANCE, pl.col("_read_issues").str.split(";").alias("item"))
                .explode("item")
                .with_columns(pl.col("item").str.split_exact(":", 1).struct.rename_fields(["field", "code"]))
                .unnest("item")
            )
            parts.append(items.select("canonical_id", *_PROVENANCE, "field", "code"))
    if not parts:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    issues = pl.concat(parts)
    return issues.select(
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
        pl.col("code").replace_strict(ISSUE_MESSAGES, default="see code", return_dtype=pl.String).alias("message"),
    ).cast(ISSUE_SCHEMA)


def _ids(parts: list[pl.Series]) -> pl.Series:
    return pl.concat(parts) if parts else pl.Series("canonical_id", [], dtype=pl.UInt64)


class _SeenIds:
    """Ids of earlier chunks of one entity, to reject a later row that repeats one (a broken dump)."""

    def __init__(self) -> None:
        self.hashes: list[pl.Series] = []
        self.ids: list[pl.Series] = []

    def repeated(self, ids: pl.Series) -> pl.Series:
        if not self.hashes:
            return pl.repeat(False, len(ids), eager=True)
        candidate = ids.hash().is_in(pl.concat(self.hashes).implode())
        if not candidate.any():
            return candidate
        # Rare: confirm on the exact strings, so a hash collision never rejects a good row.
        exact = ids.filter(candidate).is_in(pl.concat(self.ids).implode())
        return candidate.scatter(candidate.arg_true(), exact)

    def add(self, ids: pl.Series) -> None:
        self.hashes.append(ids.hash())
        self.ids.append(ids)


# Chunks mapped concurrently: Polars and DuckDB release the GIL, and one chunk's work is mostly
# single-threaded, so two workers use this machine's two cores (bench/: ~1.1 → ~1.8 cores busy).
WORKERS = 2


class _Cursors:
    """One cursor of the database per worker thread (a DuckDB connection is not shared by threads),
    closed when the entity is done."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.by_thread: dict[int, duckdb.DuckDBPyConnection] = {}
        self.lock = threading.Lock()

    def get(self) -> duckdb.DuckDBPyConnection:
        ident = threading.get_ident()
        with self.lock:
            if ident not in self.by_thread:
                self.by_thread[ident] = self.con.cursor()
            return self.by_thread[ident]

    def close(self) -> None:
        for cursor in self.by_thread.values():
            cursor.close()


@dataclass
class _ChunkResult:
    kept: pl.DataFrame
    rejects: pl.DataFrame
    issues: pl.DataFrame
    taken: pl.Series | None
    considered: int


def _in_order(
    work: Callable[[tuple[int, int]], _ChunkResult], ranges: list[tuple[int, int]], workers: int
) -> Iterator[_ChunkResult]:
    """Results of `work` over `ranges`, in order, with at most `workers` + 1 chunks in flight
    (memory stays bounded by the chunk size). The extra chunk keeps every worker busy while the
    caller writes the result it was handed; with only `workers` in flight one worker waited for
    each write (bench/: the writer is busy about a third of the staged stage)."""
    if workers <= 1 or len(ranges) <= 1:
        yield from (work(r) for r in ranges)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="map-chunk") as pool:
        pending: deque[Future[_ChunkResult]] = deque()
        for records in ranges:
            pending.append(pool.submit(work, records))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _reject_repeats(
    kept: pl.DataFrame, rejects: pl.DataFrame, seen: _SeenIds, entity: str, run_kind: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Across chunks (in record order) the first row with an id wins; later ones become rejects."""
    repeated = seen.repeated(kept["canonical_id"])
    seen.add(kept["canonical_id"].filter(~repeated))
    seen.add(rejects["canonical_id"])
    if not repeated.any():
        return kept, rejects
    extra = (
        kept.filter(repeated)
        .select(
            pl.lit(run_kind).alias("run_kind"),
            pl.lit(entity).alias("entity"),
            *_PROVENANCE,
            "canonical_id",
            pl.lit("duplicate_source_id").alias("reason"),
            pl.lit(None, pl.String).alias("field"),
            pl.lit("(row): " + ISSUE_MESSAGES["duplicate_source_id"]).alias("message"),
            pl.lit(None, pl.String).alias("related_id"),
        )
        .cast(REJECT_SCHEMA)
    )
    return kept.filter(~repeated), pl.concat([rejects, extra])


def map_entity(
    con: duckdb.DuckDBPyConnection,
    spec: MappingSpec,
    mapping: MappingContext,
    entity: str,
    entity_spec: EntitySpec,
    known: _Known,
    sink: Sink,
) -> tuple[EntitySummary, pl.DataFrame, dict[str, list[pl.Series]]]:
    """Map, check references, split and write one entity; returns its counts, its reconciliation
    rows and, per source table, the record numbers it took (for rows no entity takes)."""
    run_kind = mapping.run_kind
    model = spec.model
    fields = model.data_fields(entity)
    schema = {f.name: f.dtype for f in model.fields(entity)}
    columns = list(schema)
    # Dedup compares every row with every other: such entities are held whole before they are
    # written, though still mapped in chunks on every worker (their phone and custom-field work
    # is the largest single-entity cost of a large practice).
    whole = entity_spec.dedup is not None
    summary = EntitySummary(entity)
    staged_ids: list[pl.Series] = []
    rejected_ids: list[pl.Series] = []
    seen = _SeenIds()
    held: list[tuple[pl.DataFrame, pl.DataFrame]] = []
    considered: dict[str, int] = {}
    staged_by_table: dict[str, int] = {}
    rejected_by_table: dict[str, int] = {}
    taken: dict[str, list[pl.Series]] = {}
    cursors = _Cursors(con)
    try:
        for i, source in enumerate(entity_spec.sources):
            where = f"entities.{entity}.sources[{i}]"
            if spec.input == "staged" and not table_exists(con, TableRef(spec.input_schema, source.table)):
                # A target spec reads every canonical entity; one the source system does not stage
                # (Cliniko has no payments) is empty, not an error.
                continue
            ctx = TransformContext(pl.DataFrame(), {}, mapping, "id", entity)
            reader = SourceReader(con, spec.input_schema, run_kind, source, ctx, where)

            def work(
                records: tuple[int, int], reader: SourceReader = reader, source: SourceSpec = source, where: str = where
            ) -> _ChunkResult:
                chunk = reader.chunk(cursors.get(), records)
                taken_records = chunk["_source_record"] if not source.explode else None
                mapped = _map_chunk(chunk, spec, mapping, entity, source, where, reader.json_columns)
                del chunk
                mapped = _resolve_references(mapped, fields, known)
                considered_rows = mapped.height
                kept, rejects, issues = _split(
                    mapped, entity, fields, run_kind, pl.repeat(False, mapped.height, eager=True)
                )
                return _ChunkResult(kept.select(columns).cast(schema), rejects, issues, taken_records, considered_rows)

            for result in _in_order(work, reader.ranges(CHUNK_RECORDS, WORKERS), workers=WORKERS):
                if result.taken is not None:
                    taken.setdefault(source.table, []).append(result.taken)
                considered[source.table] = considered.get(source.table, 0) + result.considered
                kept, rejects = _reject_repeats(result.kept, result.rejects, seen, entity, run_kind)
                issues = result.issues.filter(pl.col("canonical_id").is_in(kept["canonical_id"].implode()))
                staged_ids.append(kept["canonical_id"].hash())
                rejected_ids.append(rejects["canonical_id"].hash())
                rejected_by_table[source.table] = rejected_by_table.get(source.table, 0) + rejects.height
                sink("rejects", rejects)
                summary.rejected += rejects.height
                if whole:
                    held.append((kept, issues))
                else:
                    sink(entity, kept)
                    sink("field_issues", issues)
                    summary.staged += kept.height
                    summary.issues += issues.height
                    staged_by_table[source.table] = staged_by_table.get(source.table, 0) + kept.height
    finally:
        cursors.close()
    merged_by_table: dict[str, int] = {}
    merges = pl.DataFrame(schema=MERGE_SCHEMA)
    if whole:
        staged = pl.concat([k for k, _ in held]) if held else shape_of(entity, model).cast(schema)
        issues = pl.concat([v for _, v in held]) if held else pl.DataFrame(schema=ISSUE_SCHEMA)
        result = deduplicate(staged, entity_spec.dedup, [f.name for f in fields])
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
        survivors = _rewire_self_references(result.survivors.cast(schema), entity, fields, merges)
        issues = issues.filter(~pl.col("canonical_id").is_in(merges["canonical_id"].implode()))
        sink(entity, survivors)
        sink("field_issues", issues)
        sink("merges", merges)
        summary.staged, summary.merged, summary.issues = survivors.height, merges.height, issues.height
        staged_ids = [survivors["canonical_id"].hash()]
        staged_by_table = dict(survivors.group_by("source_table").len().iter_rows())
        merged_by_table = dict(merges.group_by("source_table").len().iter_rows())
    known.staged[entity] = _ids(staged_ids)
    known.rejected[entity] = _ids(rejected_ids)
    known.merged_into[entity] = dict(
        zip(merges["canonical_id"].to_list(), merges["survivor_id"].to_list(), strict=True)
    )
    grain = {s.table: ("elements" if s.explode else "rows") for s in entity_spec.sources}
    reconciliation = pl.DataFrame(
        [
            {
                "run_kind": run_kind,
                "entity": entity,
                "source_table": table,
                "grain": grain[table],
                "considered": count,
                "staged": staged_by_table.get(table, 0),
                "merged": merged_by_table.get(table, 0),
                "rejected": rejected_by_table.get(table, 0),
            }
            for table, count in considered.items()
        ],
        schema=RECONCILIATION_SCHEMA,
    )
    return summary, reconciliation, taken


def _unassigned(
    con: duckdb.DuckDBPyConnection, spec: MappingSpec, run_kind: str, taken: dict[str, list[pl.Series]]
) -> pl.DataFrame:
    """Rows of entity source tables that no entity's `where` took: rejected as `no_entity`, or, for a row
    quarantined on reading (whose empty cells no `where` matches), with its quarantine reason."""
    frames = []
    # The row's own id as the spec's sources read it (Houston's `provider_id`, Profile's `PTNT_ID`), else `id`.
    id_columns = {
        source.table: field_columns(source.id)[0]
        for entity in spec.entities.values()
        for source in entity.sources
        if source.id is not None and field_columns(source.id)
    }
    for table, parts in taken.items():
        records = pl.concat(parts).unique().to_frame("_source_record")
        source = table_sql(spec.input_schema, table)
        columns = {r[0] for r in con.execute(f"describe {source}").fetchall()}
        key = id_columns.get(table, "id") if spec.input == "raw" else "canonical_id"
        id_column = f"cast(t.{key} as varchar)" if key in columns else "null::varchar"
        record = "t._source_record" if spec.input == "raw" else "(t.rowid + 1)"
        read_issues = "t._read_issues" if "_read_issues" in columns else "null::varchar"
        rows = con.sql(
            f"select {record} as _source_record, {id_column} as source_id, {read_issues} as read_issues "
            f"from {source} t where run_kind = ?",
            params=[run_kind],
        ).pl()
        left = rows.join(records, on="_source_record", how="anti")
        if left.height:
            reason = pl.coalesce(pl.col("read_issues").str.extract(QUARANTINE_PATTERN, 1), pl.lit("no_entity"))
            frames.append(
                left.with_columns(reason.alias("reason")).select(
                    pl.lit(run_kind).alias("run_kind"),
                    pl.lit("(none)").alias("entity"),
                    pl.lit(table).alias("source_table"),
                    "source_id",
                    pl.col("_source_record").cast(pl.Int64).alias("source_record"),
                    pl.lit(None, dtype=pl.String).alias("canonical_id"),
                    "reason",
                    pl.lit(None, dtype=pl.String).alias("field"),
                    pl.col("reason").replace_strict(ISSUE_MESSAGES, return_dtype=pl.String).alias("message"),
                    pl.lit(None, dtype=pl.String).alias("related_id"),
                )
            )
    return pl.concat(frames).cast(REJECT_SCHEMA) if frames else pl.DataFrame(schema=REJECT_SCHEMA)


def run_mapping(
    con: duckdb.DuckDBPyConnection,
    spec: MappingSpec,
    mapping: MappingContext,
    sink: Sink,
    progress: Callable[[str, int], None] | None = None,
) -> MappingResult:
    """Map every entity of `spec` for `mapping.run_kind` from the raw schema on `con`, writing rows
    to `sink` as they are produced."""
    result = MappingResult(spec.version)
    known = _Known()
    taken_all: dict[str, list[pl.Series]] = {}
    reconciliation = []
    for entity in entity_order(spec):
        summary, counts, taken = map_entity(con, spec, mapping, entity, spec.entities[entity], known, sink)
        result.entities[entity] = summary
        reconciliation.append(counts)
        for table, parts in taken.items():
            taken_all.setdefault(table, []).extend(parts)
        if progress:
            progress(entity, summary.staged)
    sink("rejects", _unassigned(con, spec, mapping.run_kind, taken_all))
    result.reconciliation = pl.concat(reconciliation)
    sink("reconciliation", result.reconciliation)
    return result


__all__ = [
    "ISSUE_SCHEMA",
    "MERGE_SCHEMA",
    "RECONCILIATION_SCHEMA",
    "REJECT_SCHEMA",
    "SIDE_TABLE_SCHEMAS",
    "EntitySummary",
    "MappingError",
    "MappingResult",
    "Sink",
    "entity_order",
    "long_text_columns",
    "run_mapping",
    "shape_of",
]
