"""The load ledger and audit log: every operation on every target record, per customer database.

`ledger.operation` is append-only: one row per record per operation (create, update, unchanged,
failed, rolled_back, restored) with run id, operator, time, keys, target GUID, content hash, HTTP
status and Dataverse error, and the pre-image of an updated record. `ledger.record` is the current
state per record: the hash last written (a re-run sends only records whose hash changed), whether
this migration created it, and the record's state before the migration first touched it — what a
rollback restores. A record is entered in `ledger.record` *before* it is sent, so a load killed
mid-way still knows, after a restart, which rows it created.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from store import TableRef, read_partition

OPERATIONS = TableRef("ledger", "operation")
RECORDS = TableRef("ledger", "record")

_DDL = (
    "create schema if not exists ledger",
    """create table if not exists ledger.operation (
        run_kind varchar, run_id varchar, operator varchar, recorded_at timestamptz, target varchar,
        target_table varchar, entity varchar, source_id varchar, canonical_id varchar, origin_id varchar,
        target_id varchar, operation varchar, content_hash varchar, http_status integer, error_code varchar,
        error_message varchar, pre_image varchar)""",
    """create table if not exists ledger.record (
        run_kind varchar, target varchar, target_table varchar, canonical_id varchar, target_id varchar,
        entity varchar, created_by_migration boolean, original_image varchar, content_hash varchar,
        status varchar, first_run_id varchar, updated_at timestamptz)""",
)
OPERATION_SCHEMA = {
    "run_kind": pl.String,
    "run_id": pl.String,
    "operator": pl.String,
    "recorded_at": pl.Datetime("us", "UTC"),
    "target": pl.String,
    "target_table": pl.String,
    "entity": pl.String,
    "source_id": pl.String,
    "canonical_id": pl.String,
    "origin_id": pl.String,
    "target_id": pl.String,
    "operation": pl.String,
    "content_hash": pl.String,
    "http_status": pl.Int32,
    "error_code": pl.String,
    "error_message": pl.String,
    "pre_image": pl.String,
}


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    for statement in _DDL:
        con.execute(statement)


@dataclass(frozen=True)
class Operation:
    """One operation on one record, as the audit log records it."""

    target_table: str
    canonical_id: str
    target_id: str
    # create | update | unchanged | failed | rolled_back (deleted) | restored (original image back) |
    # reverted (one load run's update undone: the record stays, with the run's pre-image) |
    # deactivated / removed (the record left the source during the delta window; targets/dynamics/removals.py)
    operation: str
    entity: str | None = None
    origin_id: str | None = None
    content_hash: str | None = None
    http_status: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    pre_image: dict | None = None


def source_id_of(canonical_id: str) -> str:
    """`cliniko:client:123` → `123` (the id in the system the record came from)."""
    parts = canonical_id.split(":", 2)
    return parts[2] if len(parts) == 3 else canonical_id


def known_state(con: duckdb.DuckDBPyConnection, run_kind: str, target: str, table: str) -> pl.DataFrame:
    """canonical_id, target_id, content_hash, status, created_by_migration of a table's records."""
    ensure_ledger(con)
    return con.sql(
        "select canonical_id, target_id, content_hash, status, created_by_migration from ledger.record "
        "where run_kind = ? and target = ? and target_table = ?",
        params=[run_kind, target, table],
    ).pl()


def enter(
    con: duckdb.DuckDBPyConnection,
    run_kind: str,
    target: str,
    table: str,
    run_id: str,
    records: Iterable[tuple[str, str, str | None, dict | None]],
) -> None:
    """Enter records about to be sent: (canonical id, target GUID, entity, image found in the target
    before the first write or None when it did not exist). Records already entered keep their first
    entry — that is what makes `created_by_migration` survive a killed and restarted load."""
    ensure_ledger(con)
    rows = [
        {
            "run_kind": run_kind,
            "target": target,
            "target_table": table,
            "canonical_id": key,
            "target_id": guid,
            "entity": entity,
            "created_by_migration": image is None,
            "original_image": json.dumps(image, sort_keys=True, default=str) if image is not None else None,
            "content_hash": None,
            "status": "pending",
            "first_run_id": run_id,
            "updated_at": datetime.now(UTC),
        }
        for key, guid, entity, image in records
    ]
    if not rows:
        return
    frame = pl.DataFrame(
        rows,
        schema={
            "run_kind": pl.String,
            "target": pl.String,
            "target_table": pl.String,
            "canonical_id": pl.String,
            "target_id": pl.String,
            "entity": pl.String,
            "created_by_migration": pl.Boolean,
            "original_image": pl.String,
            "content_hash": pl.String,
            "status": pl.String,
            "first_run_id": pl.String,
            "updated_at": pl.Datetime("us", "UTC"),
        },
    )
    con.register("_entering", frame)
    try:
        con.execute(
            "insert into ledger.record select e.* from _entering e where not exists (select 1 from ledger.record r "
            "where r.run_kind = e.run_kind and r.target = e.target and r.target_table = e.target_table "
            "and r.canonical_id = e.canonical_id)"
        )
    finally:
        con.unregister("_entering")


def _operations_frame(
    run_kind: str, target: str, run_id: str, operator: str, operations: Sequence[Operation]
) -> pl.DataFrame:
    now = datetime.now(UTC)
    return pl.DataFrame(
        [
            {
                "run_kind": run_kind,
                "run_id": run_id,
                "operator": operator,
                "recorded_at": now,
                "target": target,
                "target_table": op.target_table,
                "entity": op.entity,
                "source_id": source_id_of(op.canonical_id),
                "canonical_id": op.canonical_id,
                "origin_id": op.origin_id,
                "target_id": op.target_id,
                "operation": op.operation,
                "content_hash": op.content_hash,
                "http_status": op.http_status,
                "error_code": op.error_code,
                "error_message": op.error_message,
                "pre_image": json.dumps(op.pre_image, sort_keys=True, default=str)
                if op.pre_image is not None
                else None,
            }
            for op in operations
        ],
        schema=OPERATION_SCHEMA,
    )


def append_only(
    con: duckdb.DuckDBPyConnection,
    run_kind: str,
    target: str,
    run_id: str,
    operator: str,
    operations: Sequence[Operation],
) -> None:
    """Log attempts that change no record's state (a failed rollback of a record stays to do)."""
    if not operations:
        return
    ensure_ledger(con)
    frame = _operations_frame(run_kind, target, run_id, operator, operations)
    con.register("_attempts", frame)
    try:
        con.execute("insert into ledger.operation select * from _attempts")
    finally:
        con.unregister("_attempts")


def record(
    con: duckdb.DuckDBPyConnection,
    run_kind: str,
    target: str,
    run_id: str,
    operator: str,
    operations: Sequence[Operation],
) -> None:
    """Append operations to the audit log and move each record's state (hash, status) forward."""
    if not operations:
        return
    ensure_ledger(con)
    frame = _operations_frame(run_kind, target, run_id, operator, operations)
    con.register("_operations", frame)
    try:
        con.execute("begin transaction")
        con.execute("insert into ledger.operation select * from _operations")
        con.execute(
            """update ledger.record r set
                 content_hash = case when o.operation in ('create', 'update', 'unchanged') then o.content_hash
                                     when o.operation in ('rolled_back', 'restored', 'reverted', 'deactivated',
                                                          'removed') then null
                                     else r.content_hash end,
                 status = case when o.operation in ('create', 'update', 'unchanged', 'reverted') then 'loaded'
                               when o.operation = 'failed' then 'failed'
                               when o.operation = 'deactivated' then 'retired'
                               when o.operation = 'removed' then 'removed' else 'rolled_back' end,
                 updated_at = o.recorded_at
               from _operations o
               where r.run_kind = o.run_kind and r.target = o.target and r.target_table = o.target_table
                 and r.canonical_id = o.canonical_id"""
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_operations")


def records_to_roll_back(con: duckdb.DuckDBPyConnection, run_kind: str, target: str) -> pl.DataFrame:
    """Records the migration wrote and has not rolled back yet (pending ones too: a killed load may
    have written them)."""
    ensure_ledger(con)
    return con.sql(
        "select target_table, canonical_id, target_id, entity, created_by_migration, original_image, status "
        "from ledger.record where run_kind = ? and target = ? and status in ('loaded', 'pending', 'failed', 'retired')",
        params=[run_kind, target],
    ).pl()


def run_changes(con: duckdb.DuckDBPyConnection, run_kind: str, target: str, run_id: str) -> pl.DataFrame:
    """What one load run changed and nothing has reversed since: target_table, canonical_id, target_id,
    entity, operation (its first write of the record: create or update) and pre_image."""
    ensure_ledger(con)
    return con.sql(
        """with written as (
             select *, row_number() over (partition by target_table, canonical_id order by recorded_at) as n
             from ledger.operation
             where run_kind = $k and target = $t and run_id = $r and operation in ('create', 'update'))
           select w.target_table, w.canonical_id, w.target_id, w.entity, w.operation, w.pre_image
           from written w
           where w.n = 1 and not exists (
             select 1 from ledger.operation later
             where later.run_kind = $k and later.target = $t and later.target_table = w.target_table
               and later.canonical_id = w.canonical_id and later.recorded_at > w.recorded_at
               and later.operation in ('rolled_back', 'restored', 'reverted'))""",
        params={"k": run_kind, "t": target, "r": run_id},
    ).pl()


def export_audit(con: duckdb.DuckDBPyConnection, run_kind: str, out_dir: Path, fmt: str = "csv") -> Path:
    """Write the partition's audit log as CSV or Parquet (it holds pre-images: customer folder only)."""
    ensure_ledger(con)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = read_partition(con, OPERATIONS, run_kind)
    path = out_dir / f"audit-log.{'parquet' if fmt == 'parquet' else 'csv'}"
    if fmt == "parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)
    return path
