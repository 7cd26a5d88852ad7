"""Load the mapped rows (`gensolve.<table>` in the customer's database) into the import schema, read
them back, and roll them back — the same code for the embedded database and Oracle (a `Backend`).

Per table, in the catalogue's dependency order: rows whose content hash the ledger already holds are
not sent (a second pass over unchanged data writes nothing); each other row is checked against
Oracle's rules (rules.py) and against its parents (a key pointing at a row that is not in the target is
Oracle's ORA-02291); a row that breaks a rule is rejected with the rule and ledgered, the rest are
entered in the ledger, MERGEd by chunk and recorded with their outcome (targets/ledger.py).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from store import TableRef, Warehouse, read_partition, table_exists
from store.progress import ProgressReporter
from targets import ledger
from targets.base import (
    NO_EVENTS,
    LoadResult,
    RollbackResult,
    StepEvents,
    TableResult,
    TableVerification,
    VerifyResult,
)
from targets.gensolve.backend import Backend
from targets.gensolve.catalogue import Catalogue, ImportColumn, ImportTable
from targets.gensolve.rules import Violation, check, to_oracle

TARGET = "gensolve"
SCHEMA = "gensolve"
# Rows per MERGE batch and commit: large enough that the per-round-trip cost is shared (python-oracledb
# "Batch Statement Execution": executemany with thousands of rows), small enough to hold in memory.
CHUNK_ROWS = 5000
PARENT_NOT_FOUND = "ORA-02291"


def mapped_rows(warehouse: Warehouse, table: ImportTable, run_kind: str) -> list[dict]:
    with warehouse.connect(read_only=True) as con:
        ref = TableRef(SCHEMA, table.name)
        if not table_exists(con, ref):
            return []
        return read_partition(con, ref, run_kind).to_dicts()


def target_row(catalogue: Catalogue, table: ImportTable, mapped: dict) -> dict:
    """The import row for a mapped row: lineage columns from the canonical identity, values as Oracle stores them."""
    lineage = {column: mapped[identity] for identity, column in catalogue.lineage.items()}
    return {c.name: to_oracle(c, lineage[c.name] if c.name in lineage else mapped.get(c.name)) for c in table.columns}


def content_hash(row: dict) -> str:
    return hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def violations(table: ImportTable, row: dict, parents: dict[str, set[str]]) -> list[Violation]:
    found = [v for c in table.columns if (v := check(c, row[c.name])) is not None]
    for column in table.refs:
        value = row[column.name]
        if value is not None and value not in parents[column.ref or ""]:
            found.append(Violation(column.name, PARENT_NOT_FOUND, f"a key of a loaded {column.ref} row"))
    return found


def _with_bytes(table: ImportTable, row: dict) -> dict:
    """The row as sent: BLOB columns carry the delivered file's bytes instead of its path."""
    blobs = [c.name for c in table.columns if c.type.base == "BLOB" and row[c.name] is not None]
    return {**row, **{name: Path(str(row[name])).read_bytes() for name in blobs}} if blobs else row


def _chunks(rows: list, size: int) -> Iterator[list]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def load_table(
    backend: Backend,
    warehouse: Warehouse,
    catalogue: Catalogue,
    table: ImportTable,
    run_kind: str,
    run_id: str,
    operator: str,
    events: StepEvents = NO_EVENTS,
) -> TableResult:
    started = time.perf_counter()
    key = catalogue.key
    rows = [target_row(catalogue, table, m) for m in mapped_rows(warehouse, table, run_kind)]
    with warehouse.connect() as con:
        known = ledger.known_state(con, run_kind, TARGET, table.name)
    loaded = {
        k: h
        for k, h, s in zip(known["canonical_id"], known["content_hash"], known["status"], strict=True)
        if s == "loaded"
    }
    parents = {c.ref: backend.keys(catalogue.table(c.ref), key) for c in table.refs if c.ref}
    present = backend.keys(table, key)
    unchanged = 0
    errors: dict[str, int] = {}
    rejected: list[ledger.Operation] = []
    to_send: list[tuple[dict, str]] = []
    # Lines from the first comparison on: a re-run with nothing to send shows its records looked at and skipped.
    progress = ProgressReporter(f"load {SCHEMA}/{table.name}", len(rows), events.progress)
    for row in rows:
        digest = content_hash(row)
        if loaded.get(row[key]) == digest and row[key] in present:
            unchanged += 1
            progress.update(unchanged + len(rejected), skipped=unchanged)
            continue
        broken = violations(table, row, parents)
        if broken:
            for v in broken:
                errors[v.code] = errors.get(v.code, 0) + 1
            rejected.append(
                _operation(
                    table, row, catalogue, "failed", digest, broken[0].code, "; ".join(v.message for v in broken)
                )
            )
            continue
        to_send.append((row, digest))
    created = updated = failed = 0
    progress.update(unchanged + len(rejected), skipped=unchanged)
    for chunk in _chunks(to_send, CHUNK_ROWS):
        with warehouse.connect() as con:
            # Intent before the write, outcome after (targets/ledger.py): a killed load's rows stay its own.
            intents = [
                _operation(table, r, catalogue, "update" if r[key] in present else "create", digest)
                for r, digest in chunk
            ]
            ledger.intend(con, run_kind, TARGET, run_id, operator, intents)
        refused = {e.offset: e for e in backend.merge(table, key, [_with_bytes(table, r) for r, _ in chunk])}
        operations = []
        for offset, (row, digest) in enumerate(chunk):
            if offset in refused:
                code = refused[offset].code
                errors[code] = errors.get(code, 0) + 1
                failed += 1
                operations.append(
                    _operation(table, row, catalogue, "failed", digest, code, f"refused by the database ({code})")
                )
                continue
            kind = "update" if row[key] in present else "create"
            created += kind == "create"
            updated += kind == "update"
            operations.append(_operation(table, row, catalogue, kind, digest))
        with warehouse.connect() as con:
            ledger.record(con, run_kind, TARGET, run_id, operator, operations)
        progress.update(unchanged + len(rejected) + created + updated + failed)
    with warehouse.connect() as con:
        ledger.append_only(con, run_kind, TARGET, run_id, operator, rejected)
    progress.finish()
    return TableResult(
        table.name,
        len(rows),
        unchanged,
        created,
        updated,
        len(rejected) + failed,
        errors,
        time.perf_counter() - started,
    )


def _operation(
    table: ImportTable,
    row: dict,
    catalogue: Catalogue,
    kind: str,
    digest: str,
    code: str | None = None,
    message: str | None = None,
) -> ledger.Operation:
    origin = catalogue.lineage.get("origin_id")
    return ledger.Operation(
        table.name,
        row[catalogue.key],
        row[catalogue.key],
        kind,
        entity=table.name,
        origin_id=row.get(origin) if origin else None,
        content_hash=digest,
        error_code=code,
        error_message=message,
    )


def load(
    backend: Backend,
    warehouse: Warehouse,
    catalogue: Catalogue,
    run_kind: str,
    run_id: str,
    operator: str,
    events: StepEvents = NO_EVENTS,
) -> LoadResult:
    """Every import table in dependency order; `events` hears of each one as it finishes."""
    results = []
    for table in catalogue.tables.values():
        results.append(load_table(backend, warehouse, catalogue, table, run_kind, run_id, operator, events))
        events.table_loaded(results[-1])
    return LoadResult(tuple(results))


def _normal(column: ImportColumn, value: object) -> object:
    """One spelling per value so what was sent and what was read back compare."""
    if value is None:
        return None
    if column.type.base == "BLOB":
        data = value if isinstance(value, bytes) else Path(str(value)).read_bytes()
        return hashlib.sha256(data).hexdigest()
    if column.type.base == "NUMBER":
        return Decimal(int(value) if isinstance(value, bool) else str(value)).normalize()
    if isinstance(value, datetime) and column.type.base == "TIMESTAMP WITH TIME ZONE":
        # Oracle reads instants back as UTC wall times (oracle_sql.select_statement)
        return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, datetime) and column.type.base == "DATE":
        return value.date()
    return value


def verify(
    backend: Backend, warehouse: Warehouse, catalogue: Catalogue, run_kind: str, events: StepEvents = NO_EVENTS
) -> VerifyResult:
    """Every mapped row read back from the import schema and compared column by column (no values kept)."""
    results = []
    for table in catalogue.tables.values():
        expected = [target_row(catalogue, table, m) for m in mapped_rows(warehouse, table, run_kind)]
        found = {r[catalogue.key]: r for r in backend.fetch(table, catalogue.key)}
        progress = ProgressReporter(f"read back {SCHEMA}/{table.name}", len(expected), events.progress)
        missing = differences = 0
        by_field: dict[str, int] = {}
        for done, row in enumerate(expected, 1):
            actual = found.get(row[catalogue.key])
            if actual is None:
                missing += 1
                continue
            for column in table.columns:
                if _normal(column, row[column.name]) != _normal(column, actual.get(column.name)):
                    differences += 1
                    by_field[column.name] = by_field.get(column.name, 0) + 1
            progress.update(done)
        progress.done = len(expected) - missing
        progress.finish()
        results.append(
            TableVerification(table.name, len(expected), len(expected) - missing, missing, differences, by_field)
        )
        events.table_verified(results[-1])
    return VerifyResult(tuple(results))


def rollback(
    backend: Backend, warehouse: Warehouse, catalogue: Catalogue, run_kind: str, run_id: str, operator: str
) -> RollbackResult:
    """Delete every row the ledger says the migration wrote, children before parents. The import schema
    holds only the migration's rows, so nothing is restored: it ends empty of them."""
    with warehouse.connect() as con:
        records = ledger.records_to_roll_back(con, run_kind, TARGET)
    deleted = 0
    for table in reversed(catalogue.tables.values()):
        keys = records.filter(pl.col("target_table") == table.name)["target_id"].to_list()
        if not keys:
            continue
        deleted += backend.delete(table, catalogue.key, keys)
        operations = [ledger.Operation(table.name, k, k, "rolled_back", entity=table.name) for k in keys]
        with warehouse.connect() as con:
            ledger.record(con, run_kind, TARGET, run_id, operator, operations)
    return RollbackResult(deleted, 0, 0)
