"""Load one partition's mapped rows into Dataverse: only what changed, in dependency order, ledgered.

For each table (LOAD_ORDER: business units → accounts → contacts → activities and notes →
invoices → lines) the loader builds payloads from `dynamics.<table>`, skips records whose content
hash equals the last successful load (a second pass over unchanged data sends no write at all),
ledgers the intent to write the rest, and sends them: `UpsertMultiple` where the table supports it, with a
batch that fails as a whole split until the bad record is alone; `$batch` change sets otherwise, one
per record, with an activity's final state set in the same change set. Every outcome is ledgered.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

import polars as pl

from store import TableRef, Warehouse, partition_count
from store.files import UnsafePathError
from store.warehouse import utc_instants
from targets import ledger
from targets.dynamics import (
    AnswerLostError,
    BatchOperation,
    ChangesetResult,
    DataverseClient,
    DataverseError,
    FileTooLargeError,
    TerminalError,
    isolate_failures,
)
from targets.dynamics.batch import AdaptiveBatchSize
from targets.dynamics.capabilities import DataverseCapabilities
from targets.dynamics.metadata import base64_length, check_upload_size
from targets.dynamics.payloads import Payload, Resolved, build_payload, document_bytes, document_size
from targets.dynamics.readback import compare
from targets.dynamics.tables import ORIGIN, SOURCE_KEY, TABLES, Column, TargetTable

TARGET = "dynamics365"
SCHEMA = "dynamics"
LOAD_ORDER = (
    "businessunit",
    "account",
    "contact",
    "appointment",
    "task",
    "email",
    "annotation",
    "invoice",
    "invoicedetail",
)
# Rows turned into payloads at a time (a few MB of JSON each).
PAYLOAD_CHUNK = 5_000
# Chunks worked on at once: while one chunk's last requests are still in flight the next chunk's are
# already going out, so the user's execution-time budget is not left idle at every chunk boundary.
CHUNKS_IN_FLIGHT = 2
# $batch requests carrying documents that may be built (files read) at once: bounds memory to about
# this many × DataverseCapabilities.batch_bytes, whatever the practice's documents weigh.
DOCUMENT_BATCHES_IN_FLIGHT = 4
# "This <entity> is closed or canceled and cannot be edited" (research/dataverse.md §7.1).
READ_ONLY_RECORD = "0x80040203"


@dataclass
class TableLoad:
    """Counts of one table's load (no values)."""

    table: str
    considered: int = 0
    unchanged: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)  # "<status> <code>" → records
    batch_size: int = 0  # records per request the adaptive size had reached at the end
    batch_size_shrunk: int = 0  # times it halved (slow answers, lost answers, execution-time 429s)
    # The client's 429s and the back-off they cost so far in this load (all tables), for progress lines.
    throttled: int = 0
    backoff_seconds: float = 0.0

    @property
    def written(self) -> int:
        return self.created + self.updated

    @property
    def records_per_second(self) -> float:
        return self.written / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class LoadContext:
    customer_id: str
    run_kind: str
    run_id: str
    operator: str
    warehouse: Warehouse
    resolved: Resolved
    custom_values: dict[str, dict[str, object]] = field(default_factory=dict)  # contact key → custom columns
    extra_columns: dict[str, tuple[Column, ...]] = field(default_factory=dict)  # table → custom columns

    def table(self, name: str) -> TargetTable:
        """The table as this practice has it: the mapping's columns plus its custom ones."""
        return TABLES[name].with_columns(self.extra_columns.get(name, ()))


def read_columns(table: TargetTable) -> list[str]:
    """What a pre-image reads back: every written attribute, lookups as `_x_value`, keys and state."""
    columns = [table.primary_key]
    for column in table.columns:
        if column.kind in {"lookup", "owner"}:
            columns.append(f"_{column.name}_value")
        elif column.kind in {"state", "status"} or column.sent or column.computed:
            columns.append(column.read_name)
    if table.keyed:
        columns += [SOURCE_KEY, ORIGIN]
    if any(column.kind == "file" for column in table.columns):
        columns.append("filesize")  # set by Dataverse from the stored document (see build_payload)
    return list(dict.fromkeys(columns))


def _payloads(ctx: LoadContext, table: TargetTable, rows: pl.DataFrame) -> list[Payload]:
    customs = ctx.custom_values if table.name == "contact" else {}
    return [
        build_payload(table, row, ctx.resolved, customs.get(str(row["canonical_id"])))
        for row in rows.iter_rows(named=True)
    ]


def _rows(con: object, table: str, run_kind: str, offset: int) -> pl.DataFrame:
    """One chunk of a mapped table, in canonical-id order (stable across chunks)."""
    frame = con.sql(  # type: ignore[attr-defined]
        f"select * from {TableRef(SCHEMA, table).sql} where run_kind = $k order by canonical_id limit $n offset $o",
        params={"k": run_kind, "n": PAYLOAD_CHUNK, "o": offset},
    ).pl()
    return utc_instants(frame)


def _error_key(error: DataverseError) -> str:
    return f"{error.status} {error.code or ''}".strip()


def _needs_state(table: TargetTable, payload: Payload, image: dict | None) -> bool:
    """Whether the record's state must be set: a new non-activity row starts Active (statecode 0), an
    existing one keeps what it has; a new activity always gets its state (created rows start open)."""
    if not payload.state:
        return False
    if image is None:
        return table.activity or payload.state.get("statecode", 0) != 0
    return any(image.get(name) != value for name, value in payload.state.items())


async def _landed_as_sent(client: DataverseClient, table: TargetTable, payloads: list[Payload]) -> set[str]:
    """GUIDs of the records the org holds exactly as sent: read by primary key and compared with each payload —
    the content the ledger records under the payload's hash."""
    if not payloads:
        return set()
    rows = await client.get_by_ids(table.entity_set, table.primary_key, [p.guid for p in payloads], read_columns(table))
    found = {str(r[table.primary_key]).lower(): r for r in rows}
    return {p.guid for p in payloads if p.guid in found and compare(table, [p], [found[p.guid]]).clean}


async def _send_bulk(
    client: DataverseClient,
    table: TargetTable,
    batch: list[Payload],
    images: dict[str, dict],
    sizer: AdaptiveBatchSize | None = None,
) -> tuple[list[Payload], list[tuple[Payload, DataverseError]]]:
    async def send(items: list[Payload]) -> None:
        # A lost answer (the org may have applied the request, or may still be applying it) is not resent
        # blind: what the org already holds as sent is read back and only the rest goes again. UpsertMultiple on
        # a standard table is one transaction (research §3.2), so a record is either there as sent or not.
        pending = items
        for attempt in range(1, client.max_attempts + 1):
            try:
                await client.upsert_multiple(
                    table.entity_set, table.name, [p.body for p in pending], sizer, resend_lost=False
                )
                return
            except AnswerLostError:
                if attempt == client.max_attempts:
                    raise
                landed = await _landed_as_sent(client, table, pending)
                pending = [p for p in pending if p.guid not in landed]
                if not pending:
                    return

    ok, failed = await isolate_failures(send, list(batch))
    with_state = [p for p in ok if _needs_state(table, p, images.get(p.guid))]
    if with_state:
        # Bulk tables are not activities: their state (an archived contact) is an ordinary update.
        results = await client.execute_batch(
            [[BatchOperation("PATCH", f"{table.entity_set}({p.guid})", p.state, {"If-Match": "*"})] for p in with_state]
        )
        for payload, result in zip(with_state, results, strict=True):
            if not result.ok and result.error is not None:
                ok.remove(payload)
                failed.append((payload, result.error))
    return ok, failed


def _changeset(
    table: TargetTable, payload: Payload, image: dict | None, document: str | None = None
) -> list[BatchOperation]:
    url = f"{table.entity_set}({payload.guid})"
    operations = []
    closed = table.activity and image is not None and image.get("statecode") in (1, 2)
    if closed:
        # Completed or cancelled activities are read-only: reopen, update, close again (§7.1).
        operations.append(
            BatchOperation(
                "PATCH", url, {"statecode": 0, "statuscode": 1 if table.name != "task" else 2}, {"If-Match": "*"}
            )
        )
    body = payload.body if document is None else {**payload.body, "documentbody": document}
    operations.append(BatchOperation("PATCH", url, body))  # no If-Match: upsert by primary key
    if payload.state and (closed or _needs_state(table, payload, image)):
        operations.append(BatchOperation("PATCH", url, payload.state, {"If-Match": "*"}))
    return operations


def _body_bytes(payload: Payload) -> int:
    """A cheap upper-bound guess of a body's JSON size (for the $batch size cap, not exact)."""
    return 64 + sum(len(str(k)) + len(str(v)) + 8 for k, v in payload.body.items())


def _batch_groups(
    capabilities: DataverseCapabilities, changesets: list[tuple[Payload, list[BatchOperation], int]]
) -> list[list[tuple[Payload, list[BatchOperation]]]]:
    """Consecutive change sets (record, operations, inline document's base64 length) packed into $batch
    requests of at most ``batch_operations`` operations and about ``batch_bytes`` of body; a record's change
    set is never split."""
    groups: list[list[tuple[Payload, list[BatchOperation]]]] = []
    current: list[tuple[Payload, list[BatchOperation]]] = []
    operations = size = 0
    for payload, changeset, document_length in changesets:
        weight = _body_bytes(payload) + document_length
        if current and (
            operations + len(changeset) > capabilities.batch_operations or size + weight > capabilities.batch_bytes
        ):
            groups.append(current)
            current, operations, size = [], 0, 0
        current.append((payload, changeset))
        operations += len(changeset)
        size += weight
    if current:
        groups.append(current)
    return groups


def _read_documents(batch: list[Payload]) -> dict[str, str | None]:
    """Each document's base64 text by record GUID; None for a file that cannot be read."""
    documents: dict[str, str | None] = {}
    for payload in batch:
        if payload.file:
            try:
                documents[payload.guid] = base64.b64encode(document_bytes(payload)).decode("ascii")
            except OSError:
                documents[payload.guid] = None
    return documents


async def _execute_verified(
    client: DataverseClient,
    table: TargetTable,
    group: list[tuple[Payload, list[BatchOperation]]],
    sizer: AdaptiveBatchSize | None,
) -> list[tuple[Payload, ChangesetResult]]:
    """One $batch of the records' change sets; when its answer is lost, the records the org already holds as sent
    count as landed and only the others are sent again (a change set is atomic, research §3.1, so a record's
    reopen → update → close is there whole or not at all; one the org was still applying and that lands after
    the read meets the resend as a read-only record, which ``_confirm_read_only`` reads back)."""
    done: list[tuple[Payload, ChangesetResult]] = []
    pending = group
    for attempt in range(1, client.max_attempts + 1):
        try:
            results = await client.execute_batch([c for _, c in pending], sizer=sizer, resend_lost=False)
        except AnswerLostError:
            if attempt == client.max_attempts:
                raise
            landed = await _landed_as_sent(client, table, [p for p, _ in pending])
            done += [(p, ChangesetResult(True, [])) for p, _ in pending if p.guid in landed]
            pending = [(p, c) for p, c in pending if p.guid not in landed]
            if not pending:
                break
            continue
        return done + [(p, r) for (p, _), r in zip(pending, results, strict=True)]
    return done


async def _send_changesets(
    client: DataverseClient,
    table: TargetTable,
    batch: list[Payload],
    images: dict[str, dict],
    documents: asyncio.Semaphore,
    document_lengths: dict[str, int],
    sizer: AdaptiveBatchSize | None = None,
) -> tuple[list[Payload], list[tuple[Payload, DataverseError]]]:
    """One change set per record, packed into as few $batch requests as the limits allow; notes' documents
    (their base64 lengths by GUID in ``document_lengths``) travel inline, read only when their request is
    built."""
    ok: list[Payload] = []
    failed: list[tuple[Payload, DataverseError]] = []

    async def send(group: list[tuple[Payload, list[BatchOperation]]]) -> None:
        if not any(p.file for p, _ in group):
            outcomes = await _execute_verified(client, table, group, sizer)
        else:
            async with documents:
                texts = await asyncio.to_thread(_read_documents, [p for p, _ in group])
                unreadable = {p.guid for p, _ in group if p.file and texts.get(p.guid) is None}
                failed.extend((p, _unreadable_file()) for p, _ in group if p.guid in unreadable)
                group = [
                    (p, _changeset(table, p, images.get(p.guid), texts[p.guid]) if p.file else changeset)
                    for p, changeset in group
                    if p.guid not in unreadable
                ]
                del texts
                outcomes = await _execute_verified(client, table, group, sizer)
        for payload, result in outcomes:
            if result.ok:
                ok.append(payload)
            else:
                failed.append((payload, result.error or TerminalError(0, None, "change set failed")))

    changesets = [(p, _changeset(table, p, images.get(p.guid)), document_lengths.get(p.guid, 0)) for p in batch]
    await asyncio.gather(*(send(group) for group in _batch_groups(client.capabilities, changesets)))
    return ok, failed


def _unreadable_file(exc: OSError | None = None) -> TerminalError:
    if isinstance(exc, UnsafePathError):
        return TerminalError(0, "unsafe_path", "attached file is outside the run's folders or a symlink (not read)")
    return TerminalError(0, "missing_file", "attached file is not readable")


async def _confirm_read_only(
    client: DataverseClient, table: TargetTable, failed: list[tuple[Payload, DataverseError]]
) -> tuple[list[Payload], list[tuple[Payload, DataverseError]]]:
    """A request whose answer was lost is resent; if it had closed the record (an activity's or invoice's
    final state), the resent one finds it read-only. Read such records back: one that holds exactly what
    was sent did land, and is not a reject."""
    suspects = [p for p, e in failed if e.code == READ_ONLY_RECORD]
    if not suspects:
        return [], failed
    landed = await _landed_as_sent(client, table, suspects)
    return [p for p in suspects if p.guid in landed], [(p, e) for p, e in failed if p.guid not in landed]


async def _send_files(
    client: DataverseClient, batch: list[Payload], documents: asyncio.Semaphore
) -> tuple[list[Payload], list[tuple[Payload, DataverseError]]]:
    """Notes whose document is too large to go inline: block uploads, a few files in memory at a time."""

    async def one(payload: Payload) -> tuple[Payload, DataverseError | None]:
        async with documents:
            try:
                data = await asyncio.to_thread(document_bytes, payload)
                await client.upload_annotation(dict(payload.body), data)
            except DataverseError as exc:
                return payload, exc
            except OSError as exc:
                return payload, _unreadable_file(exc)
        return payload, None

    outcomes = await asyncio.gather(*(one(p) for p in batch))
    return [p for p, e in outcomes if e is None], [(p, e) for p, e in outcomes if e is not None]


def _split_documents(
    capabilities: DataverseCapabilities, batch: list[Payload]
) -> tuple[dict[str, int], list[Payload], list[tuple[Payload, DataverseError]]]:
    """Notes with a document: those that go inline in a change set (base64 length by GUID), those that need
    a block upload, and those refused before anything is sent (over ``maxuploadfilesize``, or the file
    cannot be read)."""
    inline: dict[str, int] = {}
    blocks: list[Payload] = []
    refused: list[tuple[Payload, DataverseError]] = []
    for payload in batch:
        try:
            length = base64_length(document_size(payload))
            check_upload_size(capabilities, length)
        except OSError as exc:
            refused.append((payload, _unreadable_file(exc)))
            continue
        except FileTooLargeError as exc:
            refused.append((payload, exc))
            continue
        if length <= capabilities.upload_block_bytes:
            inline[payload.guid] = length
        else:
            blocks.append(payload)
    return inline, blocks, refused


def _uses_bulk(capabilities: DataverseCapabilities, table: TargetTable) -> bool:
    """UpsertMultiple for tables that have it; activities always go in change sets (their state is set in
    the same change set as the upsert)."""
    return capabilities.supports_bulk(table.name) and not table.activity


T = TypeVar("T")


async def load_table(
    client: DataverseClient, ctx: LoadContext, table_name: str, progress: Callable[[TableLoad], None] | None = None
) -> TableLoad:
    """Load one table of the partition; returns its counts (the ledger holds the details).

    Rows are read in chunks; each batch's intents (create, or update with the pre-image read back) are
    ledgered before it is sent (a process killed mid-send leaves them open and the records `pending`;
    the next run's pre-read finds what landed and keeps the intent's operation),
    its batches go out concurrently (the client's limiter bounds what is in flight), and its outcomes
    are recorded in one transaction. ``CHUNKS_IN_FLIGHT`` chunks overlap, so a chunk's slowest request
    does not hold up the next one; database work runs in a thread, one connection at a time.
    """
    table = ctx.table(table_name)
    result = TableLoad(table_name)
    started = time.perf_counter()
    with ctx.warehouse.connect() as con:
        known = ledger.known_state(con, ctx.run_kind, TARGET, table_name)
        total = partition_count(con, TableRef(SCHEMA, table_name), ctx.run_kind)
    last = {k: (h, s) for k, _, h, s, _ in known.iter_rows()}
    result.considered = total
    sizer = batch_size(client, table)
    database = asyncio.Lock()  # read-only and read-write DuckDB connections cannot coexist in one process
    chunks = asyncio.Semaphore(CHUNKS_IN_FLIGHT)
    documents = asyncio.Semaphore(DOCUMENT_BATCHES_IN_FLIGHT)

    async def in_database(work: Callable[[], T]) -> T:
        async with database:
            return await asyncio.to_thread(work)

    async def intend(intents: list[ledger.Operation]) -> None:
        await in_database(lambda: _intend(ctx, intents))

    async def load_chunk(offset: int) -> None:
        async with chunks:
            rows = await in_database(lambda: _read_chunk(ctx, table_name, offset))
            payloads = await asyncio.to_thread(_payloads, ctx, table, rows)
            del rows
            unchanged = [p for p in payloads if last.get(p.key) == (p.content_hash, "loaded")]
            changed = [p for p in payloads if last.get(p.key) != (p.content_hash, "loaded")]
            result.unchanged += len(unchanged)
            operations = [
                ledger.Operation(table_name, p.key, p.guid, "unchanged", p.entity, p.origin, p.content_hash)
                for p in unchanged
            ]
            cut = 0

            async def send_batches() -> None:
                # Each batch is cut when it is sent, at the size the org's last answers allow (sizer).
                nonlocal cut
                while cut < len(changed):
                    batch = changed[cut : cut + sizer.size]
                    cut += len(batch)
                    operations.extend(await _load_batch(client, table, batch, result, documents, intend, sizer))

            # As many senders as requests may be in flight now: more would cut their batches before any answer.
            senders = max(1, sum(limiter.limit for limiter in client.limiters.values()))
            await _all(send_batches() for _ in range(min(senders, len(changed))))
            if progress:
                result.throttled = sum(client.stats.throttled.values())
                result.backoff_seconds = client.stats.backoff_seconds
                progress(result)
            await in_database(lambda: _record(ctx, operations))

    await _all(load_chunk(offset) for offset in range(0, total, PAYLOAD_CHUNK))
    result.seconds = time.perf_counter() - started
    result.batch_size, result.batch_size_shrunk = sizer.size, sizer.shrunk
    return result


def batch_size(client: DataverseClient, table: TargetTable) -> AdaptiveBatchSize:
    """Records per request for one table's load, adapted to the org's answers: UpsertMultiple from
    ``initial_bulk_batch_size`` up to ``bulk_batch_size``; change sets from ``initial_batch_operations`` up to
    ``batch_operations``, counting an upsert plus a state change per record (``_batch_groups`` packs exactly)."""
    capabilities = client.capabilities
    if _uses_bulk(capabilities, table):
        initial, maximum = capabilities.initial_bulk_batch_size, capabilities.bulk_batch_size
    else:
        per_record = 2 if any(c.kind in {"state", "status"} for c in table.columns) else 1
        initial = max(1, capabilities.initial_batch_operations // per_record)
        maximum = max(1, capabilities.batch_operations // per_record)
    return AdaptiveBatchSize(initial, maximum, client.connection.timeout_seconds)


def _read_chunk(ctx: LoadContext, table_name: str, offset: int) -> pl.DataFrame:
    with ctx.warehouse.connect(read_only=True) as con:
        return _rows(con, table_name, ctx.run_kind, offset)


def _intend(ctx: LoadContext, intents: list[ledger.Operation]) -> None:
    with ctx.warehouse.connect() as con:
        ledger.intend(con, ctx.run_kind, TARGET, ctx.run_id, ctx.operator, intents)


def _record(ctx: LoadContext, operations: list[ledger.Operation]) -> None:
    with ctx.warehouse.connect() as con:
        ledger.record(con, ctx.run_kind, TARGET, ctx.run_id, ctx.operator, operations)


async def _all(work: Iterable[Awaitable[None]]) -> None:
    """Run coroutines together; the first failure cancels the rest and is raised as itself."""
    try:
        async with asyncio.TaskGroup() as group:
            for item in work:
                group.create_task(item)  # type: ignore[arg-type]
    except BaseExceptionGroup as failures:
        raise failures.exceptions[0] from None


async def _load_batch(
    client: DataverseClient,
    table: TargetTable,
    batch: list[Payload],
    result: TableLoad,
    documents: asyncio.Semaphore,
    intend: Callable[[list[ledger.Operation]], Awaitable[None]],
    sizer: AdaptiveBatchSize | None = None,
) -> list[ledger.Operation]:
    # Every record of the batch is read back for its pre-image, not only those the ledger knows: the GUID
    # is derived from the canonical id, so a record can exist that this ledger never wrote (the ledger of
    # another run kind pointed at the same org, or a ledger restored from an older copy). Entered as a
    # create, a rollback would delete a record the migration did not create; entered as an update with
    # its pre-image, the rollback restores it. The reads cost about one request per 100 records, beside
    # the 100 writes they precede.
    images: dict[str, dict] = {}
    if batch:
        found = await client.get_by_ids(
            table.entity_set, table.primary_key, [p.guid for p in batch], read_columns(table)
        )
        images = {str(r[table.primary_key]).lower(): r for r in found}
        create_only = {c.name for c in table.columns if c.create_only}
        batch = [
            replace(p, body={k: v for k, v in p.body.items() if k not in create_only}) if p.guid in images else p
            for p in batch
        ]
    # The intent goes to the ledger before any request: a process killed mid-send leaves it open, and the
    # next run keeps its operation and pre-image (targets/ledger.py).
    await intend(
        [
            ledger.Operation(
                table.name,
                p.key,
                p.guid,
                "update" if p.guid in images else "create",
                p.entity,
                p.origin,
                p.content_hash,
                pre_image=images.get(p.guid),
            )
            for p in batch
        ]
    )
    inline, blocks, failed = _split_documents(client.capabilities, [p for p in batch if p.file])
    ok: list[Payload] = []
    bulk = _uses_bulk(client.capabilities, table)
    plain = [p for p in batch if not p.file]
    changesets = [p for p in batch if p.guid in inline or (not bulk and not p.file)]
    sent: list[tuple[list[Payload], list[tuple[Payload, DataverseError]]]] = []
    if bulk and plain:
        sent.append(await _send_bulk(client, table, plain, images, sizer))
    if changesets:
        sent.append(await _send_changesets(client, table, changesets, images, documents, inline, sizer))
    for sent_ok, sent_failed in sent:
        confirmed, still_failed = await _confirm_read_only(client, table, sent_failed)
        ok += sent_ok + confirmed
        failed += still_failed
    if blocks:
        sent_ok, sent_failed = await _send_files(client, blocks, documents)
        ok += sent_ok
        failed += sent_failed
    operations = []
    for payload in ok:
        image = images.get(payload.guid)
        kind = "update" if image is not None else "create"
        setattr(result, f"{kind}d", getattr(result, f"{kind}d") + 1)
        operations.append(
            ledger.Operation(
                table.name,
                payload.key,
                payload.guid,
                kind,
                payload.entity,
                payload.origin,
                payload.content_hash,
                http_status=204,
                pre_image=image,
            )
        )
    for payload, error in failed:
        result.failed += 1
        result.errors[_error_key(error)] = result.errors.get(_error_key(error), 0) + 1
        operations.append(
            ledger.Operation(
                table.name,
                payload.key,
                payload.guid,
                "failed",
                payload.entity,
                payload.origin,
                payload.content_hash,
                http_status=error.status,
                error_code=error.code,
                error_message=error.message,
                pre_image=images.get(payload.guid),
            )
        )
    return operations


async def load_partition(
    client: DataverseClient,
    ctx: LoadContext,
    tables: Sequence[str] = LOAD_ORDER,
    progress: Callable[[TableLoad], None] | None = None,
    on_table: Callable[[TableLoad], None] | None = None,
) -> list[TableLoad]:
    """Every table in dependency order (a table's lookups point at tables loaded before it); `on_table`
    hears of each one as it finishes."""
    results = []
    for name in LOAD_ORDER:
        if name in tables:
            results.append(await load_table(client, ctx, name, progress))
            if on_table is not None:
                on_table(results[-1])
    return results
