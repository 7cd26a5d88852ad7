"""Load a spec source's rows from the raw layer: filter, explode embedded arrays, join lookups."""

from __future__ import annotations

import duckdb
import polars as pl

from mappings.evaluate import MappingError, condition_mask, evaluate
from mappings.spec import JoinSpec, SourceSpec
from mappings.transforms.registry import TransformContext
from store import quote_identifier

# Identity columns of a staged row naming where it came from (checks/canonical/base.py).
LINEAGE_COLUMNS = ("source_system", "source_id")


def table_sql(schema: str, table: str) -> str:
    return f"{quote_identifier(schema)}.{quote_identifier(table)}"


def raw_table_sql(system: str, table: str) -> str:
    return table_sql(f"raw_{system}", table)


def _is_raw(schema: str) -> bool:
    return schema.startswith("raw_")


def _record_expr(schema: str) -> str:
    """Raw rows carry their record number; staged rows (input of a target spec) are numbered by
    their position in the table, which is stable while the run reads them."""
    return "t._source_record" if _is_raw(schema) else "(t.rowid + 1)"


def json_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    rows = con.execute(f"describe {table_sql(schema, table)}").fetchall()
    return {r[0] for r in rows if r[1] == "JSON"}


def record_count(con: duckdb.DuckDBPyConnection, schema: str, table: str, run_kind: str) -> int:
    """Highest record number of the run's rows of an input table (records are numbered from 1)."""
    return int(
        con.execute(
            f"select coalesce(max({_record_expr(schema)}), 0) from {table_sql(schema, table)} t where run_kind = ?",
            [run_kind],
        ).fetchall()[0][0]
    )


def read_raw(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    run_kind: str,
    explode: list | None = None,
    columns: list[str] | None = None,
    records: tuple[int, int] | None = None,
) -> pl.DataFrame:
    """The run's rows of one input table (`raw_<system>` or `staged`): only `columns` (plus
    provenance), only records in the inclusive range `records`; with explode steps, one row per
    embedded array element (`<as>` holds the element as JSON text, `<as>_index` its 1-based position)."""
    record = _record_expr(schema)
    issues = "t._read_issues" if _is_raw(schema) else "null::varchar"
    if columns is None:
        selects = ["t.*"] if _is_raw(schema) else [f"{record} as _source_record", "t.*"]
    else:
        selects = [f"{record} as _source_record", f"{issues} as _read_issues"]
        selects += [
            f"t.{quote_identifier(c)}" for c in dict.fromkeys(columns) if c not in ("_source_record", "_read_issues")
        ]
    joins = []
    previous = "t"
    for i, step in enumerate(explode or []):
        if i and step.column != explode[i - 1].as_:
            raise MappingError(f"explode[{i}]: column must be {explode[i - 1].as_!r}, the previous element")
        alias = f"u{i}"
        source_column = f"t.{quote_identifier(step.column)}" if previous == "t" else f"{previous}.e.v"
        joins.append(
            f"unnest(list_transform(from_json(json_extract({source_column}, '{step.path}'), '[\"JSON\"]'), "
            f"lambda x, i: {{'i': i, 'v': x}})) as {alias}(e)"
        )
        selects += [
            f"{alias}.e.v::varchar as {quote_identifier(step.as_)}",
            f"{alias}.e.i::bigint as {quote_identifier(step.as_ + '_index')}",
        ]
        previous = alias
    sources = ", ".join([f"{table_sql(schema, table)} t", *joins])
    where, params = ["t.run_kind = ?"], [run_kind]
    if records is not None:
        where.append(f"{record} between ? and ?")
        params += list(records)
    frame = con.sql(f"select {', '.join(selects)} from {sources} where {' and '.join(where)}", params=params).pl()
    json_cols = json_columns(con, schema, table) & set(frame.columns)
    if json_cols:
        frame = frame.with_columns([pl.col(c).cast(pl.String) for c in json_cols])
    return frame


def _join(
    frame: pl.DataFrame, alias: str, join: JoinSpec, lookup: pl.DataFrame, ctx_for: callable, where: str
) -> pl.DataFrame:
    left = evaluate(join.left, frame, ctx_for(frame, f"{alias}.left"), f"{where}.joins.{alias}.left").values
    right = evaluate(join.right, lookup, ctx_for(lookup, f"{alias}.right"), f"{where}.joins.{alias}.right").values
    keep = join.columns or [c for c in lookup.columns if not c.startswith("_") and c != "run_kind"]
    right_frame = (
        lookup.select(keep).with_columns(right.cast(pl.String).alias("__key")).filter(pl.col("__key").is_not_null())
    )
    if join.many == "concat":
        right_frame = right_frame.group_by("__key", maintain_order=True).agg(
            [pl.col(c).cast(pl.String).drop_nulls().str.join(join.separator) for c in keep]
        )
    else:
        duplicated = right_frame["__key"].is_duplicated().sum()
        if duplicated:
            raise MappingError(
                f"{where}.joins.{alias}: key is not unique in {join.table} ({duplicated} rows share a key); "
                "use `many: concat` if several rows per key are expected"
            )
    right_frame = right_frame.rename({c: f"{alias}.{c}" for c in keep})
    return (
        frame.with_columns(left.cast(pl.String).alias("__key"))
        .join(right_frame, on="__key", how="left", maintain_order="left")
        .drop("__key")
    )


class SourceReader:
    """Reads one spec source in record-range chunks, with its lookups joined (loaded once)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        schema: str,
        run_kind: str,
        source: SourceSpec,
        ctx: TransformContext,
        where: str,
    ):
        self.con, self.schema, self.run_kind, self.source, self.ctx, self.where = (
            con,
            schema,
            run_kind,
            source,
            ctx,
            where,
        )
        self.columns = source.raw_columns()
        available = {r[0] for r in con.execute(f"describe {table_sql(schema, source.table)}").fetchall()}
        missing = [c for c in self.columns if c not in available]
        if missing:
            raise MappingError(f"{where}: raw table {source.table} has no column(s) {missing}")
        if not _is_raw(schema):
            # A staged row's lineage (the system and id it came from) goes on to the target's rows.
            self.columns += [c for c in LINEAGE_COLUMNS if c in available and c not in self.columns]
        self.lookups = {j.table: read_raw(con, schema, j.table, run_kind) for j in source.joins.values()}
        self.json_columns = frozenset(json_columns(con, schema, source.table))

    def ranges(self, chunk_records: int | None, workers: int = 1) -> list[tuple[int, int]]:
        """Inclusive record ranges covering the source table, at most `chunk_records` records each.
        A table of several chunks is cut into a multiple of `workers` equal ranges, so no worker is
        left with a short last chunk while another still maps a full one (100 000 patients: two
        chunks of 50 000, not 60 000 + 40 000)."""
        last = max(record_count(self.con, self.schema, self.source.table, self.run_kind), 1)
        step = chunk_records or last
        count = -(-last // step)
        if count > 1 and workers > 1:
            count = -(-count // workers) * workers
            step = -(-last // count)
        return [(first, first + step - 1) for first in range(1, last + 1, step)]

    def chunk(self, con: duckdb.DuckDBPyConnection, records: tuple[int, int]) -> pl.DataFrame:
        """One range of the source's rows, filtered and joined, ready for field evaluation. `con` may
        be another cursor of the same database (chunks are read from worker threads)."""
        frame = read_raw(con, self.schema, self.source.table, self.run_kind, self.source.explode, self.columns, records)
        if self.source.where is not None:
            frame = frame.filter(condition_mask(self.source.where, frame, f"{self.where}.where"))
        for alias, join in self.source.joins.items():
            frame = _join(frame, alias, join, self.lookups[join.table], self._ctx_for, self.where)
        return frame

    def _ctx_for(self, rows: pl.DataFrame, label: str) -> TransformContext:
        return TransformContext(rows, {}, self.ctx.mapping, label, self.ctx.entity)
