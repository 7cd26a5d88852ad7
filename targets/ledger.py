"""The load ledger and audit log: every operation on every target record, per customer database.

`ledger.operation` is append-only: one row per record per operation (create, update, unchanged,
failed, rolled_back, restored) with run id, operator, time, keys, target GUID, content hash, HTTP
status and Dataverse error, and the pre-image of an updated record. `ledger.record` is the current
state per record: the hash last written (a re-run sends only records whose hash changed), whether
this migration created it, and the record's state before the migration first touched it — what a
rollback restores.

Every write is two entries: its intent in `ledger.intent` *before* the request (`intend`: the
operation and the pre-image read back just before), its outcome in `ledger.operation` after
(`record`), which marks the intent resolved. A process killed between the two leaves the intent
open, so the audit trail still knows what may have landed: a per-run rollback of the killed run
undoes its open intents, and the next run that writes the record carries the open intent's
operation and pre-image over — a create whose response was lost stays a create (deleted by a
rollback), never an `update` whose pre-image is the migration's own earlier write.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from store import TableRef, read_partition

OPERATIONS = TableRef("ledger", "operation")
RECORDS = TableRef("ledger", "record")
INTENTS = TableRef("ledger", "intent")
# Operations that write a record's content (their intents are carried over by a resumed run).
WRITES = ("create", "update")
# Outcomes that undo an earlier write of one record (what a later per-run rollback must not repeat).
REVERSALS = ("rolled_back", "restored", "reverted")

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
    # One row per intended operation, written before its request; `outcome` (the operation it ended
    # as), `outcome_run_id` and `resolved_at` are set when an outcome is recorded (null: still open).
    """create table if not exists ledger.intent (
        run_kind varchar, run_id varchar, operator varchar, recorded_at timestamptz, target varchar,
        target_table varchar, entity varchar, canonical_id varchar, target_id varchar, operation varchar,
        pre_image varchar, outcome varchar, outcome_run_id varchar, resolved_at timestamptz)""",
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


def _open_writes(frame: str) -> str:
    """SQL: per record of the registered frame `frame`, the latest open intent to write it (operation,
    pre_image) — left by a run that was killed, or whose outcome is not recorded yet."""
    return f"""select target_table, canonical_id, operation, pre_image from (
                 select i.target_table, i.canonical_id, i.operation, i.pre_image, row_number() over (
                   partition by i.target_table, i.canonical_id order by i.recorded_at desc) as n
                 from ledger.intent i
                 where i.run_kind = $k and i.target = $t and i.outcome is null and i.operation in {WRITES}
                   and exists (select 1 from {frame} f
                               where f.target_table = i.target_table and f.canonical_id = i.canonical_id))
               where n = 1"""


def intend(
    con: duckdb.DuckDBPyConnection,
    run_kind: str,
    target: str,
    run_id: str,
    operator: str,
    intents: Sequence[Operation],
) -> None:
    """Record operations about to be sent, before the request (their `operation` as seen now: create
    when the record is not in the target, update with the pre-image read back just before).

    A record with an open write intent from an earlier run keeps that intent's operation and pre-image:
    the earlier run may have landed its write, so what this run reads back is not the pre-migration
    state. Records a write intends are entered in `ledger.record` (a new one as created by the
    migration when its intent is a create) and marked `pending` until their outcome is recorded."""
    if not intents:
        return
    ensure_ledger(con)
    frame = _operations_frame(run_kind, target, run_id, operator, intents)
    con.register("_intents", frame)
    params = {"k": run_kind, "t": target}
    try:
        con.execute("begin transaction")
        con.execute(
            f"""create or replace temp table _intended as
                select n.run_kind, n.run_id, n.operator, n.recorded_at, n.target, n.target_table, n.entity,
                       n.canonical_id, n.target_id,
                       case when w.operation is not null and n.operation in {WRITES} then w.operation
                            else n.operation end as operation,
                       case when w.operation is not null and n.operation in {WRITES} then w.pre_image
                            else n.pre_image end as pre_image,
                       null::varchar as outcome, null::varchar as outcome_run_id, null::timestamptz as resolved_at
                from _intents n left join ({_open_writes("_intents")}) w
                  on w.target_table = n.target_table and w.canonical_id = n.canonical_id""",
            params,
        )
        con.execute("insert into ledger.intent select * from _intended")
        con.execute(
            f"""insert into ledger.record
                select run_kind, target, target_table, canonical_id, target_id, entity,
                       operation = 'create', case when operation = 'update' then pre_image end, null, 'pending',
                       run_id, recorded_at
                from _intended e
                where operation in {WRITES} and not exists (
                  select 1 from ledger.record r where r.run_kind = e.run_kind and r.target = e.target
                    and r.target_table = e.target_table and r.canonical_id = e.canonical_id)"""
        )
        con.execute(
            f"""update ledger.record r set status = 'pending', updated_at = e.recorded_at from _intended e
                where e.operation in {WRITES} and r.run_kind = e.run_kind and r.target = e.target
                  and r.target_table = e.target_table and r.canonical_id = e.canonical_id"""
        )
        con.execute("drop table _intended")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_intents")


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
    """Log attempts that change no record's state (a failed rollback of a record stays to do); they
    resolve only this run's own intents."""
    if not operations:
        return
    ensure_ledger(con)
    frame = _operations_frame(run_kind, target, run_id, operator, operations)
    con.register("_attempts", frame)
    try:
        con.execute("begin transaction")
        con.execute("insert into ledger.operation select * from _attempts")
        _resolve(con, "_attempts")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_attempts")


def _resolve(con: duckdb.DuckDBPyConnection, frame: str) -> None:
    """Mark the open intents the outcomes in `frame` answer. An outcome that states the record's new
    state resolves every open intent of the record; a `failed` one only its own run's (a refused
    request changed nothing, so an earlier killed run's write may still be in the target)."""
    con.execute(
        f"""update ledger.intent i set outcome = o.operation, outcome_run_id = o.run_id, resolved_at = o.recorded_at
            from {frame} o
            where i.outcome is null and i.run_kind = o.run_kind and i.target = o.target
              and i.target_table = o.target_table and i.canonical_id = o.canonical_id
              and (o.operation != 'failed' or i.run_id = o.run_id)"""
    )


def record(
    con: duckdb.DuckDBPyConnection,
    run_kind: str,
    target: str,
    run_id: str,
    operator: str,
    operations: Sequence[Operation],
) -> None:
    """Append operations to the audit log, resolve their intents and move each record's state (hash,
    status) forward. A create or update is logged as the operation (and with the pre-image) of the
    record's open write intent when it has one — the run's own, itself carried over from a killed run."""
    if not operations:
        return
    ensure_ledger(con)
    frame = _operations_frame(run_kind, target, run_id, operator, operations)
    con.register("_operations", frame)
    try:
        con.execute("begin transaction")
        con.execute(
            f"""insert into ledger.operation
                select o.* replace (
                  case when w.operation is not null and o.operation in {WRITES} then w.operation
                       else o.operation end as operation,
                  case when w.operation is not null and o.operation in {WRITES} then w.pre_image
                       else o.pre_image end as pre_image)
                from _operations o left join ({_open_writes("_operations")}) w
                  on w.target_table = o.target_table and w.canonical_id = o.canonical_id""",
            {"k": run_kind, "t": target},
        )
        _resolve(con, "_operations")
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
    """What one load run changed, or may have changed, and nothing has reversed since: target_table,
    canonical_id, target_id, entity, operation (its first write of the record: create or update) and
    pre_image. A write whose outcome the run never recorded (it was killed) counts from its intent;
    one the target refused (`failed`, by the same run) does not."""
    ensure_ledger(con)
    return con.sql(
        f"""with writes as (
             select target_table, canonical_id, target_id, entity, operation, pre_image, recorded_at
             from ledger.operation
             where run_kind = $k and target = $t and run_id = $r and operation in {WRITES}
             union all
             select target_table, canonical_id, target_id, entity, operation, pre_image, recorded_at
             from ledger.intent
             where run_kind = $k and target = $t and run_id = $r and operation in {WRITES}
               and not (outcome is not distinct from 'failed' and outcome_run_id is not distinct from $r)),
           first as (
             select *, row_number() over (partition by target_table, canonical_id order by recorded_at) as n
             from writes)
           select w.target_table, w.canonical_id, w.target_id, w.entity, w.operation, w.pre_image
           from first w
           where w.n = 1 and not exists (
             select 1 from ledger.operation later
             where later.run_kind = $k and later.target = $t and later.target_table = w.target_table
               and later.canonical_id = w.canonical_id and later.recorded_at > w.recorded_at
               and later.operation in {REVERSALS})""",
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
