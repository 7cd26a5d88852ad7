"""One customer's DuckDB database: short connections, and partition-exact table replacement."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from store.files import private_dir, private_files

WAREHOUSE_FILE = "warehouse.duckdb"
# DuckDB's buffer pool defaults to 80 % of RAM; staging also holds Polars chunks, so DuckDB is capped
# and spills to disk beyond this (bench/: peak RSS for a 100 k-client practice stays under 4 GiB).
DUCKDB_MEMORY_LIMIT = "1GB"
# Long free text (treatment notes' bodies, embedded JSON documents) is stored with zstd. DuckDB's
# default for strings (dictionary + FSST) suits short, repeated values; on 570 k treatment notes it
# took about twice the CPU to write and stored them 4× larger (8.4–10.1 s → 4.1–6.0 s, 397 → 97 MB;
# reading them back took the same time; measured for bench/). Short columns keep the default, which
# reads faster and stores ids and codes smaller than zstd does.
LONG_TEXT_COMPRESSION = "zstd"
# DuckDB's default row group size (rows): the unit it compresses and writes a table in.
ROW_GROUP_ROWS = 122_880
# PartitionWriter collects a partition in `<schema>._work_<table>__<run kind>` before publishing it;
# a process killed mid-write can leave one behind, so readers that list a schema's tables skip them.
WORK_TABLE_PREFIX = "_work_"
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
        private_dir(self.path.parent)  # a customer's data: owner-only (issue 15 item 9)
        last_error: Exception | None = None
        con = None
        for delay in (*_LOCK_RETRY_DELAYS, None):
            try:
                con = duckdb.connect(str(self.path), read_only=read_only, config={"memory_limit": DUCKDB_MEMORY_LIMIT})
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
        if not read_only:
            private_files([self.path, Path(f"{self.path}.wal")])
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


def columns_of(con: duckdb.DuckDBPyConnection, relation_sql: str, params: list | None = None) -> list[tuple[str, str]]:
    """(name, type) of every column of a table or query."""
    return [(r[0], r[1]) for r in con.execute(f"describe {relation_sql}", list(params or [])).fetchall()]


def table_exists(con: duckdb.DuckDBPyConnection, ref: TableRef) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [ref.schema, ref.table],
        ).fetchall()[0][0]
    )


def create_table_like(
    con: duckdb.DuckDBPyConnection,
    table_sql: str,
    shape_sql: str,
    params: list | None = None,
    long_text: Collection[str] = (),
) -> None:
    """Create an empty table with the columns (and types) of `shape_sql`; the `long_text` columns
    among them are stored with zstd (see LONG_TEXT_COMPRESSION)."""
    params = list(params or [])
    columns = columns_of(con, shape_sql, params)
    packed = {name for name, _ in columns} & set(long_text)
    if not packed:
        con.execute(f"create table {table_sql} as select * from {shape_sql} limit 0", params)
        return
    definitions = ", ".join(
        f"{quote_identifier(name)} {sql_type}"
        + (f" using compression {LONG_TEXT_COMPRESSION}" if name in packed else "")
        for name, sql_type in columns
    )
    con.execute(f"create table {table_sql} ({definitions})")


def _prepare(
    con: duckdb.DuckDBPyConnection,
    ref: TableRef,
    run_kind: str,
    shape_sql: str,
    params: list,
    long_text: Collection[str] = (),
) -> bool:
    """Inside an open transaction: make `ref` ready to receive the rows of `shape_sql` for `run_kind`.

    Creates the table (empty, with the incoming columns) when missing or when it holds no other run
    kind (dropping a whole table is cheaper than deleting its rows, and the new one takes the current
    column layout); when its columns differ from the incoming ones (a mapping gained a field) rebuilds
    it keeping the other run kind's rows (`union all by name`), so no partition is lost to a schema
    change; otherwise deletes the partition's rows. Returns True when the table was created or rebuilt
    (already empty for run_kind).
    """
    con.execute(f"create schema if not exists {quote_identifier(ref.schema)}")
    incoming = columns_of(con, shape_sql, params)
    if "run_kind" not in [name for name, _ in incoming]:
        raise ValueError(f"{ref}: incoming rows have no run_kind column")
    if _holds_only(con, ref, run_kind):
        con.execute(f"drop table if exists {ref.sql}")
        create_table_like(con, ref.sql, shape_sql, params, long_text)
        return True
    if columns_of(con, ref.sql) == incoming:
        con.execute(f"delete from {ref.sql} where run_kind = ?", [run_kind])
        return False
    kept = quote_identifier(f"_kept_{ref.table}")
    con.execute(f"create or replace temp table {kept} as select * from {ref.sql} where run_kind <> ?", [run_kind])
    con.execute(f"drop table {ref.sql}")
    both = f"((select * from {shape_sql} limit 0) union all by name (select * from {kept} limit 0))"
    create_table_like(con, ref.sql, both, params, long_text)
    con.execute(f"insert into {ref.sql} by name select * from {kept}")
    con.execute(f"drop table {kept}")
    return True


def _holds_only(con: duckdb.DuckDBPyConnection, ref: TableRef, run_kind: str) -> bool:
    """Whether `ref` is missing or every row in it belongs to `run_kind` (replacing the whole
    table then replaces exactly that partition)."""
    if not table_exists(con, ref):
        return True
    other = f"select count(*) from {ref.sql} where run_kind is distinct from ?"
    return not con.execute(other, [run_kind]).fetchall()[0][0]


def replace_partition_with_query(
    con: duckdb.DuckDBPyConnection,
    ref: TableRef,
    run_kind: str,
    select_sql: str,
    params: list | None = None,
    check_rows: Callable[[int], None] | None = None,
    long_text: Collection[str] = (),
) -> int:
    """Replace the `run_kind` rows of `ref` with the rows `select_sql` produces, in one transaction.

    The query runs inside the transaction, so a reader that fails half-way (a broken file) rolls
    back and leaves the previous partition exactly as it was; so does `check_rows(rows)` raising
    (a count that disagrees with a manifest). `select_sql` must produce `run_kind`; its `long_text`
    columns are stored with zstd when the table is (re)created. Returns the rows written.
    """
    params = list(params or [])
    con.execute("begin transaction")
    try:
        _prepare(con, ref, run_kind, f"({select_sql})", params, long_text)
        inserted = con.execute(f"insert into {ref.sql} by name {select_sql}", params).fetchall()[0][0]
        if check_rows is not None:
            check_rows(int(inserted))
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return int(inserted)


def replace_partition(con: duckdb.DuckDBPyConnection, ref: TableRef, run_kind: str, source: str) -> int:
    """`replace_partition_with_query` from a temp table or registered view named `source`."""
    return replace_partition_with_query(con, ref, run_kind, f"select * from {quote_identifier(source)}")


def replace_partition_from_frame(
    con: duckdb.DuckDBPyConnection, ref: TableRef, run_kind: str, frame: pl.DataFrame
) -> int:
    """`replace_partition` for a Polars DataFrame (registered as a view, zero-copy)."""
    if "run_kind" in frame.columns and frame.height and (frame["run_kind"] != run_kind).any():
        raise ValueError(f"{ref}: incoming rows belong to another run kind than {run_kind!r}")
    view = f"_frame_{ref.table}"
    con.register(view, frame)
    try:
        return replace_partition(con, ref, run_kind, view)
    finally:
        con.unregister(view)


class PartitionWriter:
    """Replace one run kind's rows in several tables as ONE transaction, with bounded memory.

    Frames are appended chunk by chunk to work tables beside their targets (each append committed,
    so DuckDB writes them out instead of holding them); on success one transaction puts every work
    table in place of its target partition, and the partition changes completely or not at all. A
    single transaction holding the appends themselves kept all of them in memory (~300 MB per 200 k
    treatment notes, measured for bench/).

    A target that holds no other run kind's rows is replaced by renaming its work table (the rows
    are written once); otherwise the work table's rows are copied into the target's partition.
    Temporary work tables copied every row a second time at publish (3.3 s of a 20 s staged stage
    at 25 000 clients, measured for bench/; beyond DuckDB's memory cap they also spilled to disk).

    Appended frames are buffered and inserted in whole row groups (ROW_GROUP_ROWS), the rest of a
    table when `flush` is called or at publish: an insert that ends inside a row group has that row
    group compressed again by the next insert, which made 60 000-row appends cost twice as much
    (1 M appointments 5.9 → 2.6 s, 570 k notes 7.6 → 3.8 s, same file size; measured for bench/).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, run_kind: str) -> None:
        self.con = con
        self.run_kind = run_kind
        self.rows: dict[str, int] = {}
        # per table: its reference, its work table, its long-text columns
        self._work: dict[str, tuple[TableRef, str, tuple[str, ...]]] = {}
        # per table: appended frames not yet inserted (fewer than ROW_GROUP_ROWS rows in all)
        self._pending: dict[str, list[pl.DataFrame]] = {}

    def __enter__(self) -> PartitionWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self._publish()
        finally:
            for _, work, _ in self._work.values():
                self.con.execute(f"drop table if exists {work}")

    def _publish(self) -> None:
        for key in self._work:
            self.flush(self._work[key][0])
        self.con.execute("begin transaction")
        try:
            for ref, work, long_text in self._work.values():
                if _holds_only(self.con, ref, self.run_kind):
                    self.con.execute(f"drop table if exists {ref.sql}")
                    self.con.execute(f"alter table {work} rename to {quote_identifier(ref.table)}")
                    continue
                _prepare(self.con, ref, self.run_kind, f"(select * from {work})", [], long_text)
                self.con.execute(f"insert into {ref.sql} by name select * from {work}")
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            raise

    def start(self, ref: TableRef, shape: pl.DataFrame, long_text: Collection[str] = ()) -> None:
        """Begin collecting `ref`'s rows for this run kind, with the columns (and types) of `shape`;
        its `long_text` columns are stored with zstd."""
        # In the target's schema: a table is only renamed within its schema.
        self.con.execute(f"create schema if not exists {quote_identifier(ref.schema)}")
        work = f"{quote_identifier(ref.schema)}.{quote_identifier(f'{WORK_TABLE_PREFIX}{ref.table}__{self.run_kind}')}"
        view = f"_shape_{ref.table}"
        self.con.register(view, shape.head(0))
        try:
            self.con.execute(f"drop table if exists {work}")
            create_table_like(self.con, work, quote_identifier(view), [], long_text)
        finally:
            self.con.unregister(view)
        self._work[str(ref)] = (ref, work, tuple(long_text))
        self.rows[str(ref)] = 0

    def append(self, ref: TableRef, frame: pl.DataFrame) -> None:
        """Add rows to `ref`'s partition; whole row groups of them are written at once."""
        key = str(ref)
        if key not in self._work:
            raise RuntimeError(f"{ref}: start() it before appending")
        if frame.is_empty():
            return
        self.rows[key] += frame.height
        pending = self._pending.setdefault(key, [])
        pending.append(frame)
        buffered = sum(part.height for part in pending)
        if buffered < ROW_GROUP_ROWS:
            return
        rows = pl.concat(pending, how="vertical") if len(pending) > 1 else pending[0]
        whole = buffered - buffered % ROW_GROUP_ROWS
        self._pending[key] = [rows.slice(whole)] if whole < buffered else []
        for start in range(0, whole, ROW_GROUP_ROWS):
            self._insert(ref, rows.slice(start, ROW_GROUP_ROWS))

    def flush(self, ref: TableRef) -> None:
        """Write `ref`'s buffered rows (a table whose last rows have been appended)."""
        pending = self._pending.pop(str(ref), [])
        if pending:
            self._insert(ref, pl.concat(pending, how="vertical") if len(pending) > 1 else pending[0])

    def _insert(self, ref: TableRef, frame: pl.DataFrame) -> None:
        work = self._work[str(ref)][1]
        view = f"_chunk_{ref.table}"
        self.con.register(view, frame)
        try:
            self.con.execute(f"insert into {work} by name select * from {quote_identifier(view)}")
        finally:
            self.con.unregister(view)


def partition_count(con: duckdb.DuckDBPyConnection, ref: TableRef, run_kind: str) -> int:
    return int(con.execute(f"select count(*) from {ref.sql} where run_kind = ?", [run_kind]).fetchall()[0][0])


def read_partition(con: duckdb.DuckDBPyConnection, ref: TableRef, run_kind: str, columns: str = "*") -> pl.DataFrame:
    """The `run_kind` rows of a table as a Polars frame, instants in UTC (DuckDB hands them back in
    its session zone, `Etc/UTC` without the ICU extension)."""
    frame = con.sql(f"select {columns} from {ref.sql} where run_kind = $run_kind", params={"run_kind": run_kind}).pl()
    return utc_instants(frame)


def utc_instants(frame: pl.DataFrame) -> pl.DataFrame:
    """Instants as Polars `Datetime(us, "UTC")` (DuckDB labels them with its session zone)."""
    zoned = [
        name
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone not in (None, "UTC")
    ]
    if zoned:
        frame = frame.with_columns([pl.col(c).dt.convert_time_zone("UTC") for c in zoned])
    return frame
