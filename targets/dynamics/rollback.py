"""Rollback: reverse a partition's loads from the ledger — resumable and idempotent.

Whole partition (the default): records the migration created are deleted, children first (the
reverse of the load order); records that existed before the migration first wrote them get their
original image back. One load run (`load_run_id`): the records that run created are deleted and the
records it updated get the pre-image it recorded back — a bad delta load undone without touching
the rest. Each reversal is ledgered at once (`rolled_back` / `restored` / `reverted`), so a rollback
interrupted half-way picks up where it stopped, and a second rollback finds nothing left to do.

The reversals travel in `$batch` requests (`reverse_in_batches`), one change set per record with
continue-on-error: a record the org refuses (a Restrict relationship, a disabled owner) fails alone and is
reported with its own code, the others in the same request are applied.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import polars as pl

from store import Warehouse
from targets import ledger
from targets.dynamics import BatchOperation, ChangesetResult, DataverseClient, DataverseError
from targets.dynamics.batch import AdaptiveBatchSize
from targets.dynamics.loader import LOAD_ORDER, TARGET
from targets.dynamics.practitioners import USERS
from targets.dynamics.relationships import TARGET_TABLE as RELATIONSHIPS_TABLE
from targets.dynamics.tables import TABLES, Column, TargetTable

# $batch requests of one table's reversals in flight at once (each up to `batch_operations` change sets).
CONCURRENT_REVERSALS = 8
# Records a load creates in the org outside the mapping (no TargetTable): the invoices' price list and the
# client ↔ practitioner junction rows (targets/dynamics/relationships.py). They are ledgered like the rest.
PRICE_LIST_TABLE = "pricelevel"
ORG_RECORDS = {
    PRICE_LIST_TABLE: TargetTable(PRICE_LIST_TABLE, "pricelevels", "pricelevelid", (), keyed=False),
    RELATIONSHIPS_TABLE.name: RELATIONSHIPS_TABLE,
}
# Org records the migration only updates (targets/dynamics/practitioners.py): a rollback restores their pre-image.
ORG_UPDATES = {USERS.name: USERS}
# The order a rollback works in: every table before the tables its lookups point at, so a relationship whose
# delete is Restrict (invoice → price list, invoice → contact, emulators/dataverse/README.md "Relationships and
# delete") never meets a child the rollback has yet to remove. The junction rows point at contacts, the invoices at
# the price list; the load order is parents first, so its reverse is children first.
ROLLBACK_ORDER = (RELATIONSHIPS_TABLE.name, *reversed(LOAD_ORDER), PRICE_LIST_TABLE, *ORG_UPDATES)


@dataclass(frozen=True)
class RollbackFailure:
    """A record the org refused to delete or restore, with Dataverse's own code and message (the message may
    name record values: it goes to the customer's report, never to logs or metadata)."""

    table: str
    canonical_id: str
    target_id: str
    http_status: int | None
    code: str | None
    message: str | None


@dataclass
class RollbackResult:
    deleted: int = 0
    restored: int = 0
    failed: int = 0
    by_table: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    failures: list[RollbackFailure] = field(default_factory=list)


def restorable(table: TargetTable, image: dict) -> dict:
    """The writable part of a read-back image: plain attributes, and lookups re-bound by GUID."""
    body: dict[str, object] = {}
    for column in table.columns:
        if column.kind in {"lookup", "owner"}:
            guid = image.get(f"_{column.name}_value")
            if guid is None:
                continue
            if column.kind == "owner":
                body["ownerid@odata.bind"] = f"/systemusers({guid})"
            elif column.target in TABLES:
                body[f"{column.nav}@odata.bind"] = f"/{TABLES[column.target].entity_set}({guid})"
        elif column.sent and column.name in image:
            body[column.name] = image[column.name]
    return body


@dataclass(frozen=True)
class Reversal:
    """The change set that reverses (or retires) one ledger row and what its success is ledgered as.

    Attributes:
        operations: Applied atomically (a business unit: disable, then delete).
        done_as: The ledger operation of a success (`rolled_back`, `restored`, `removed` …).
        gone_is_done: A 404 means done: the record the change set deletes is already absent (research §2.4).
    """

    operations: tuple[BatchOperation, ...]
    done_as: str
    gone_is_done: bool


def reversal(table: TargetTable, row: dict) -> Reversal:
    """Delete (row["action"] == "delete") or patch the image back (update only: If-Match *)."""
    url = f"{table.entity_set}({row['target_id']})"
    if row["action"] == "delete":
        # A real org deletes only a disabled business unit (0x80041d60 "Not disabled business unit cannot be
        # deleted.", emulators/dataverse/README.md); one already gone fails the disable with the delete's 404.
        disable = (BatchOperation("PATCH", url, {"isdisabled": True}, {"If-Match": "*"}),)
        before = disable if table.name == "businessunit" else ()
        return Reversal((*before, BatchOperation("DELETE", url)), "rolled_back", gone_is_done=True)
    image = json.loads(row["image"] or "{}")
    return Reversal(
        (BatchOperation("PATCH", url, restorable(table, image), {"If-Match": "*"}),), row["action"], gone_is_done=False
    )


def _outcome(table_name: str, row: dict, change: Reversal, result: ChangesetResult) -> ledger.Operation:
    error = result.error
    if result.ok or (error is not None and error.status == 404 and change.gone_is_done):
        return ledger.Operation(table_name, row["canonical_id"], row["target_id"], change.done_as, row["entity"])
    return _failed(table_name, row, error or DataverseError(0, None, "change set failed"))


def _failed(table_name: str, row: dict, error: DataverseError) -> ledger.Operation:
    return ledger.Operation(
        table_name,
        row["canonical_id"],
        row["target_id"],
        "failed",
        row["entity"],
        http_status=error.status,
        error_code=error.code,
        error_message=error.message,
    )


async def reverse_in_batches(
    client: DataverseClient, table_name: str, rows: list[dict], reversal_of: Callable[[dict], Reversal]
) -> list[ledger.Operation]:
    """Send each row's change set (`reversal_of(row)`), packed into `$batch` requests with continue-on-error, and
    return one ledger operation per row, in order: its `done_as`, or `failed` with the org's status, code and
    message. A request's size starts at the capabilities' `initial_batch_operations` and adapts to the org's answers
    up to `batch_operations` (batch.AdaptiveBatchSize, as the loader's); 429s and transient errors are the client's
    (retried inside the request). Every change set is idempotent (a delete's 404 counts as done, a restore is an
    If-Match * update), so a request whose answer was lost is resent as it is. A request the org refuses as a whole
    fails each of its rows with that error; the rows stay to do."""
    changes = [reversal_of(row) for row in rows]
    per_row = max((len(c.operations) for c in changes), default=1)
    capabilities = client.capabilities
    sizer = AdaptiveBatchSize(
        max(1, capabilities.initial_batch_operations // per_row),
        max(1, capabilities.batch_operations // per_row),
        client.connection.timeout_seconds,
    )
    outcomes: list[ledger.Operation | None] = [None] * len(rows)
    cut = 0

    async def send_batches() -> None:
        # Each request is cut when it is sent, at the size the org's last answers allow (as the loader does).
        nonlocal cut
        while cut < len(rows):
            start, stop = cut, min(len(rows), cut + sizer.size)
            cut = stop
            try:
                results = await client.execute_batch([list(c.operations) for c in changes[start:stop]], sizer=sizer)
            except DataverseError as exc:
                for i in range(start, stop):
                    outcomes[i] = _failed(table_name, rows[i], exc)
                continue
            for i, result in zip(range(start, stop), results, strict=True):
                outcomes[i] = _outcome(table_name, rows[i], changes[i], result)

    senders = min(CONCURRENT_REVERSALS, max(1, len(rows)))
    await asyncio.gather(*(send_batches() for _ in range(senders)))
    return [op for op in outcomes if op is not None]


def _work(warehouse: Warehouse, run_kind: str, load_run_id: str | None) -> pl.DataFrame:
    """target_table, canonical_id, target_id, entity, action (delete|restored|reverted), image."""
    with warehouse.connect() as con:
        if load_run_id is None:
            rows = ledger.records_to_roll_back(con, run_kind, TARGET)
            return rows.select(
                "target_table",
                "canonical_id",
                "target_id",
                "entity",
                pl.when(pl.col("created_by_migration"))
                .then(pl.lit("delete"))
                .otherwise(pl.lit("restored"))
                .alias("action"),
                pl.col("original_image").alias("image"),
            )
        rows = ledger.run_changes(con, run_kind, TARGET, load_run_id)
        return rows.select(
            "target_table",
            "canonical_id",
            "target_id",
            "entity",
            pl.when(pl.col("operation") == "create")
            .then(pl.lit("delete"))
            .otherwise(pl.lit("reverted"))
            .alias("action"),
            pl.col("pre_image").alias("image"),
        )


async def apply_children_first(
    warehouse: Warehouse,
    run_kind: str,
    run_id: str,
    operator: str,
    work: pl.DataFrame,
    act: Callable[[str, list[dict]], Awaitable[list[ledger.Operation]]],
    on_table: Callable[[str, list[ledger.Operation], list[ledger.Operation]], None],
    intended: Callable[[str, dict], str],
) -> None:
    """Run `act(table, rows)` (one outcome per row, e.g. `reverse_in_batches`) on the rows of `work` (a
    `target_table` column), table by table children first (ROLLBACK_ORDER): a table starts once the one before it
    is done, so no batch ever holds a parent before its children. Each table's intents (`intended(table, row)`: the
    operation the row is about to get) are ledgered before its requests and its outcomes at once after them (a
    failed attempt only in the audit log: the record stays to do); then `on_table(table, done, failed)` is told."""
    for table_name in ROLLBACK_ORDER:
        rows = work.filter(pl.col("target_table") == table_name)
        if rows.is_empty():
            continue
        intents = [
            ledger.Operation(
                table_name, row["canonical_id"], row["target_id"], intended(table_name, row), row["entity"]
            )
            for row in rows.iter_rows(named=True)
        ]
        with warehouse.connect() as con:
            ledger.intend(con, run_kind, TARGET, run_id, operator, intents)
        operations = await act(table_name, list(rows.iter_rows(named=True)))
        done = [op for op in operations if op.operation != "failed"]
        attempts = [op for op in operations if op.operation == "failed"]
        with warehouse.connect() as con:
            ledger.record(con, run_kind, TARGET, run_id, operator, done)
            ledger.append_only(con, run_kind, TARGET, run_id, operator, attempts)
        on_table(table_name, done, attempts)


def error_counts(errors: dict[str, int], attempts: list[ledger.Operation]) -> None:
    """Count failed attempts by HTTP status and Dataverse error code (no values)."""
    for op in attempts:
        key = f"{op.http_status} {op.error_code or ''}".strip()
        errors[key] = errors.get(key, 0) + 1


async def rollback_partition(
    client: DataverseClient,
    warehouse: Warehouse,
    run_kind: str,
    run_id: str,
    operator: str,
    load_run_id: str | None = None,
    extra_columns: dict[str, tuple[Column, ...]] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> RollbackResult:
    """Reverse every load of the partition recorded in the ledger, or only the load run `load_run_id`."""
    result = RollbackResult()

    async def undo(table_name: str, rows: list[dict]) -> list[ledger.Operation]:
        if table_name in ORG_RECORDS:  # created by the migration, so always a delete
            table = ORG_RECORDS[table_name]
        elif table_name in ORG_UPDATES:  # never created by the migration: the pre-image goes back
            table = ORG_UPDATES[table_name]
        else:
            table = TABLES[table_name].with_columns((extra_columns or {}).get(table_name, ()))
        return await reverse_in_batches(client, table_name, rows, lambda row: reversal(table, row))

    def count(table_name: str, done: list[ledger.Operation], attempts: list[ledger.Operation]) -> None:
        result.deleted += sum(op.operation == "rolled_back" for op in done)
        result.restored += sum(op.operation != "rolled_back" for op in done)
        result.failed += len(attempts)
        result.by_table[table_name] = len(done)
        error_counts(result.errors, attempts)
        result.failures += [
            RollbackFailure(
                op.target_table, op.canonical_id, op.target_id, op.http_status, op.error_code, op.error_message
            )
            for op in attempts
        ]
        if progress:
            progress(table_name, len(done))

    def intended(table_name: str, row: dict) -> str:
        return "rolled_back" if row["action"] == "delete" else row["action"]

    work = _work(warehouse, run_kind, load_run_id)
    await apply_children_first(warehouse, run_kind, run_id, operator, work, undo, count, intended)
    return result
