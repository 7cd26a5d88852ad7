"""One customer's DuckDB database: short connections, and partition-exact table replacement."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

WAREHOUSE_FILE = "warehouse.duckdb"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

# DuckDB allows one writing process per file; another process's open connection makes connect()
# fail at once with an IOException. Runs of one customer are serialised by the run queue
# (dagster_home/dagster.yaml), so a conflict means a person or tool holds the file: wait with
# backoff for up to ~100 s, as dagster-duckdb does (research/dagster.md §4.4), then fail clearly.
_LOCK_RETRY_DELAYS = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2)


def quote_identifier(name: str) -> str:
    """Quote a schema/table/column name that comes from a registry, refusing anything unusual."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a safe identifier: {name!r}")
    return f'"{name}"'


@dataclass(frozen=True)
class TableRef:
    schema: str
    table: str

    @property
    def sql(self) -> str:
        return f"{quote_identifier(self.schema)}.{quote_identifier(self.table)}"

    def __str__(self) -> str:
        return f"{self.schema}.{self.table}"


class WarehouseLockedError(RuntimeError):
    """The customer's database file stayed locked by another process."""


@dataclass(frozen=True)
class Warehouse:
    """The DuckDB file of one customer. Every table carries `run_kind`; a partition's rows are
    replaced inside one transaction, so trial and live partitions of a customer never mix."""

    path: Path

    @classmethod
    def for_customer(cls, customer_dir: Path) -> Warehouse:
        return cls(Path(customer_dir) / WAREHOUSE_FILE)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection (never held across network calls)."""
        if read_only and not self.path.exists():
            raise FileNotFoundError(f"{self.path}: no data yet for this customer (materialise the raw layer first)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        last_error: Exception | None = None
        con = None
        for delay in (*_LOCK_RETRY_DELAYS, None):
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.IOException as exc:
                last_error = exc
                if delay is None:
                    break
                time.sleep(delay)
        if con is None:
            raise WarehouseLockedError(
                f"{self.path} is locked by another process (a DuckDB CLI or notebook?); close it and retry"
            ) from last_error
        try:
            yield con
        finally:
            con.close()

    def table_exists(self, con: duckdb.DuckDBPyConnection, ref: TableRef) -> bool:
        row = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [ref.schema, ref.table],
        ).fetchall()[0]
        return bool(row and row[0])


def columns_of(con: duckdb.DuckDBPyConnection, relation_sql: str) -> list[tuple[str, str]]:
    """(name, type) of every column of a table or query."""
    return [(r[0], r[1]) for r in con.execute(f"describe {relation_sql}").fetchall()]


def replace_partition(con: duckdb.DuckDBPyConnection, ref: TableRef, run_kind: str, source: str) -> int:
    """Replace the `run_kind` rows of `ref` with the rows of relation `source`, in one transaction.

    `source` names a temp table or registered view (already materialised, so a failure to read the
    input never leaves a half-replaced partition) and must have a `run_kind` column. When its columns
    differ from the table's (a mapping gained a field), the table is rebuilt keeping the other run
    kind's rows (`union all by name`), so no partition is lost to a schema change. Returns the rows
    written.
    """
    src = quote_identifier(source)
    names = [c for c, _ in columns_of(con, src)]
    if "run_kind" not in names:
        raise ValueError(f"{ref}: incoming rows have no run_kind column")
    foreign = con.execute(f"select count(*) from {src} where run_kind is distinct from ?", [run_kind]).fetchall()[0]
    if foreign and foreign[0]:
        raise ValueError(f"{ref}: {foreign[0]} incoming rows belong to another run kind than {run_kind!r}")
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {quote_identifier(ref.schema)}")
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [ref.schema, ref.table],
        ).fetchall()[0][0]
        if not exists:
            con.execute(f"create table {ref.sql} as select * from {src}")
        elif columns_of(con, ref.sql) == columns_of(con, src):
            con.execute(f"delete from {ref.sql} where run_kind = ?", [run_kind])
            con.execute(f"insert into {ref.sql} select * from {src}")
        else:
            rebuilt = quote_identifier(f"_rebuilt_{ref.table}")
            con.execute(
                f"create or replace temp table {rebuilt} as select * from {src} "
                f"union all by name select * from {ref.sql} where run_kind <> ?",
                [run_kind],
            )
            con.execute(f"drop table {ref.sql}")
            con.execute(f"create table {ref.sql} as select * from {rebuilt}")
            con.execute(f"drop table {rebuilt}")
        count = con.execute(f"select count(*) from {src}").fetchall()[0][0]
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return int(count)


def replace_partition_from_frame(con: duckdb.DuckDBPyConnection, ref: TableRef, run_kind: str, frame: object) -> int:
    """`replace_partition` for a Polars DataFrame or Arrow table (registered as a view, zero-copy)."""
    view = f"_frame_{ref.table}"
    con.register(view, frame)
    try:
        return replace_partition(con, ref, run_kind, view)
    finally:
        con.unregister(view)


def partition_count(con: duckdb.DuckDBPyConnection, ref: TableRef, run_kind: str) -> int:
    return int(con.execute(f"select count(*) from {ref.sql} where run_kind = ?", [run_kind]).fetchall()[0][0])


def read_partition(con: duckdb.DuckDBPyConnection, ref: TableRef, run_kind: str, columns: str = "*") -> pl.DataFrame:
    """The `run_kind` rows of a table as a Polars frame, instants in UTC (DuckDB hands them back in
    its session zone, `Etc/UTC` without the ICU extension)."""
    frame = con.sql(f"select {columns} from {ref.sql} where run_kind = $run_kind", params={"run_kind": run_kind}).pl()
    zoned = [
        name
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone not in (None, "UTC")
    ]
    if zoned:
        frame = frame.with_columns([pl.col(c).dt.convert_time_zone("UTC") for c in zoned])
    return frame
