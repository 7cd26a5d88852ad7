"""Load a spec source's rows from the raw layer: filter, explode embedded arrays, join lookups."""

from __future__ import annotations

import duckdb
import polars as pl

from mappings.evaluate import MappingError, condition_mask, evaluate
from mappings.spec import JoinSpec, SourceSpec
from mappings.transforms.registry import TransformContext
from store import quote_identifier


def raw_table_sql(system: str, table: str) -> str:
    return f"{quote_identifier('raw_' + system)}.{quote_identifier(table)}"


def json_columns(con: duckdb.DuckDBPyConnection, system: str, table: str) -> set[str]:
    rows = con.execute(f"describe {raw_table_sql(system, table)}").fetchall()
    return {r[0] for r in rows if r[1] == "JSON"}


def read_raw(
    con: duckdb.DuckDBPyConnection, system: str, table: str, run_kind: str, explode: list | None = None
) -> pl.DataFrame:
    """The run's rows of one raw table; with explode steps, one row per embedded array element
    (`<as>` holds the element as JSON text, `<as>_index` its 1-based position)."""
    sql = f"select t.* from {raw_table_sql(system, table)} t"
    selects, joins = ["t.*"], []
    previous = "t"
    for i, step in enumerate(explode or []):
        alias = f"u{i}"
        source_column = f"{previous}.{quote_identifier(step.column)}" if previous == "t" else f"{previous}.e.v"
        if step.column != (explode[i - 1].as_ if i else None) and previous != "t":
            raise MappingError(f"explode[{i}]: column must be {explode[i - 1].as_!r}, the previous element")
        joins.append(
            f"unnest(list_transform(from_json(json_extract({source_column}, '{step.path}'), '[\"JSON\"]'), "
            f"lambda x, i: {{'i': i, 'v': x}})) as {alias}(e)"
        )
        selects += [
            f"{alias}.e.v::varchar as {quote_identifier(step.as_)}",
            f"{alias}.e.i::bigint as {quote_identifier(step.as_ + '_index')}",
        ]
        previous = alias
    if explode:
        sql = f"select {', '.join(selects)} from {raw_table_sql(system, table)} t, {', '.join(joins)}"
    frame = con.sql(f"{sql} where t.run_kind = $run_kind", params={"run_kind": run_kind}).pl()
    for name in json_columns(con, system, table) & set(frame.columns):
        frame = frame.with_columns(pl.col(name).cast(pl.String))
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


def load_source(
    con: duckdb.DuckDBPyConnection, system: str, run_kind: str, source: SourceSpec, ctx: TransformContext, where: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The source's rows ready for field evaluation, and the full table's (record, matched) pairs
    used to account for rows no entity takes."""
    frame = read_raw(con, system, source.table, run_kind, source.explode)
    if source.where is not None:
        mask = condition_mask(source.where, frame, f"{where}.where")
        frame = frame.filter(mask)
    lookups: dict[str, pl.DataFrame] = {}

    def ctx_for(rows: pl.DataFrame, label: str) -> TransformContext:
        return TransformContext(rows, {}, ctx.mapping, label, ctx.entity)

    for alias, join in source.joins.items():
        if join.table not in lookups:
            lookups[join.table] = read_raw(con, system, join.table, run_kind)
        frame = _join(frame, alias, join, lookups[join.table], ctx_for, where)
    matched = frame.select("_source_record").unique() if not source.explode else pl.DataFrame()
    return frame, matched
