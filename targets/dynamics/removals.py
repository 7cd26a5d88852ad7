"""Records removed at the source after they were loaded: deactivated or deleted in the target.

During a live run's delta window the practice keeps working: a patient deleted in the source, or an
appointment of a deleted patient, is no longer in the prepared partition while the ledger says it
was loaded. Leaving it in Dynamics would show a record the practice removed; the customer's
configuration (`delta.deletions`) says what happens instead:

- `deactivate`: tables with an inactive state keep the record, deactivated (contacts, accounts) or
  cancelled (appointments, tasks, emails, invoices); tables without one (notes, invoice lines,
  attachments) are deleted — there is no other way to withdraw them.
- `delete`: every such record is deleted.

Children go first (reverse load order), in `$batch` requests of one change set per record
(`rollback.reverse_in_batches`: a record the org refuses fails alone). The ledger moves the record
to `retired` (still rolled back by a rollback) or `removed`; its hash is cleared, so a record that
reappears in the source is sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from store import TableRef, Warehouse, table_exists
from targets import ledger
from targets.dynamics.batch import BatchOperation
from targets.dynamics.client import DataverseClient
from targets.dynamics.loader import LOAD_ORDER, SCHEMA, TARGET
from targets.dynamics.rollback import Reversal, apply_children_first, error_counts, reverse_in_batches
from targets.dynamics.tables import TABLES

DeletionMode = Literal["deactivate", "delete"]
# (statecode, statuscode) of the inactive or cancelled state (research/dataverse.md §7.1, §7.4).
RETIRED_STATE: dict[str, tuple[int, int]] = {
    "contact": (1, 2),
    "account": (1, 2),
    "appointment": (2, 4),
    "task": (2, 6),
    "email": (2, 5),
    "invoice": (3, 100003),
}


@dataclass
class RemovalResult:
    deactivated: int = 0
    deleted: int = 0
    failed: int = 0
    by_table: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def retired(self) -> int:
        return self.deactivated + self.deleted


_NOTHING_REMOVED = {"target_table": pl.String, "canonical_id": pl.String}


def removed_at_source(warehouse: Warehouse, run_kind: str, tables: Sequence[str] = LOAD_ORDER) -> pl.DataFrame:
    """target_table, canonical_id, target_id, entity of loaded records no longer in the prepared partition
    (a loaded record a killed run was updating is `pending` with its last hash: it is in the target too)."""
    frames = []
    with warehouse.connect(read_only=True) as con:
        if not table_exists(con, ledger.RECORDS):
            return pl.DataFrame(schema=_NOTHING_REMOVED)
        for name in tables:
            prepared = TableRef(SCHEMA, name)
            if not table_exists(con, prepared):
                continue
            frames.append(
                con.sql(
                    f"""select r.target_table, r.canonical_id, r.target_id, r.entity from ledger.record r
                        where r.run_kind = $k and r.target = $t and r.target_table = $n
                          and (r.status = 'loaded' or (r.status = 'pending' and r.content_hash is not null))
                          and not exists (select 1 from {prepared.sql} p
                                          where p.run_kind = $k and p.canonical_id = r.canonical_id)""",
                    params={"k": run_kind, "t": TARGET, "n": name},
                ).pl()
            )
    return pl.concat(frames) if frames else pl.DataFrame(schema=_NOTHING_REMOVED)


def _retirement(table_name: str, mode: DeletionMode) -> str:
    """What retiring a record of the table does: `deactivated` where it has an inactive state and the mode
    allows it, `removed` (deleted) otherwise."""
    return "deactivated" if mode == "deactivate" and table_name in RETIRED_STATE else "removed"


def _retiring(table_name: str, row: dict, mode: DeletionMode) -> Reversal:
    """The change set that retires one record: its inactive state (update only: If-Match *), or a delete."""
    table = TABLES[table_name]
    url = f"{table.entity_set}({row['target_id']})"
    if _retirement(table_name, mode) == "deactivated":
        statecode, statuscode = RETIRED_STATE[table_name]
        body = {"statecode": statecode, "statuscode": statuscode}
        return Reversal((BatchOperation("PATCH", url, body, {"If-Match": "*"}),), "deactivated", gone_is_done=False)
    return Reversal((BatchOperation("DELETE", url),), "removed", gone_is_done=True)


async def retire_removed(
    client: DataverseClient,
    warehouse: Warehouse,
    run_kind: str,
    run_id: str,
    operator: str,
    mode: DeletionMode,
    tables: Sequence[str] = LOAD_ORDER,
) -> RemovalResult:
    """Deactivate or delete, children first, every loaded record that left the source."""
    result = RemovalResult()

    async def act(table_name: str, rows: list[dict]) -> list[ledger.Operation]:
        return await reverse_in_batches(client, table_name, rows, lambda row: _retiring(table_name, row, mode))

    def count(table_name: str, done: list[ledger.Operation], attempts: list[ledger.Operation]) -> None:
        result.deactivated += sum(op.operation == "deactivated" for op in done)
        result.deleted += sum(op.operation == "removed" for op in done)
        result.failed += len(attempts)
        result.by_table[table_name] = len(done)
        error_counts(result.errors, attempts)

    work = removed_at_source(warehouse, run_kind, tables)
    await apply_children_first(
        warehouse, run_kind, run_id, operator, work, act, count, lambda table_name, _: _retirement(table_name, mode)
    )
    return result
