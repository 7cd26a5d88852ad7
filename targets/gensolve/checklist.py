"""The post-migration checklist a practice moving into Gensolve asks for (issue 17 §6), comparing the
import schema with the staged source data — not with our own mapped rows, so a mapping mistake shows:

- per client: invoice totals, and the outstanding balance (invoiced − paid; a negative one is a credit),
  equal the source's (what Principle-style migration checklists ask: invoices, credit balances match,
  research/sources.md §1.5);
- per practitioner per local day from `as_of`: the future diary (bookings not cancelled) equals the
  source's — the practice's first day on Gensolve depends on it;
- per table: rows in the target equal the mapped rows;
- ACC conditions: the ACC45 number equals the source's claim number.

Mismatches are listed by key (canonical ids, practitioner|day, table), never by value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

import polars as pl

from store import TableRef, Warehouse, read_partition, table_exists
from targets.base import ChecklistItem
from targets.gensolve.backend import Backend
from targets.gensolve.catalogue import Catalogue
from targets.gensolve.loader import mapped_rows

NOT_IN_DIARY = ("cancelled", "did_not_attend")


def _staged(warehouse: Warehouse, entity: str, run_kind: str, columns: str) -> pl.DataFrame:
    with warehouse.connect(read_only=True) as con:
        ref = TableRef("staged", entity)
        return read_partition(con, ref, run_kind, columns) if table_exists(con, ref) else pl.DataFrame()


def _sums(pairs: Iterable[tuple[str | None, object]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for key, amount in pairs:
        if key is not None and amount is not None:
            totals[key] += Decimal(str(amount))
    return dict(totals)


def _differing(source: dict, target: dict) -> tuple[str, ...]:
    return tuple(sorted(k for k in source.keys() | target.keys() if source.get(k, 0) != target.get(k, 0)))


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def post_migration_checklist(
    backend: Backend, warehouse: Warehouse, catalogue: Catalogue, run_kind: str, as_of: datetime
) -> list[ChecklistItem]:
    key = catalogue.key
    target = {name: backend.fetch(table, key) for name, table in catalogue.tables.items()}

    invoices = _staged(warehouse, "invoice", run_kind, "client_id, total_amount")
    payments = _staged(warehouse, "payment", run_kind, "client_id, amount")
    source_invoiced = _sums(invoices.iter_rows()) if not invoices.is_empty() else {}
    source_paid = _sums(payments.iter_rows()) if not payments.is_empty() else {}
    target_invoiced = _sums((r["client_key"], r["total_amount"]) for r in target["gpm_invoice"])
    target_paid = _sums((r["client_key"], r["amount"]) for r in target["gpm_payment"])

    def balances(invoiced: dict[str, Decimal], paid: dict[str, Decimal]) -> dict[str, Decimal]:
        return {c: invoiced.get(c, Decimal(0)) - paid.get(c, Decimal(0)) for c in invoiced.keys() | paid.keys()}

    source_balance, target_balance = balances(source_invoiced, source_paid), balances(target_invoiced, target_paid)

    appointments = _staged(
        warehouse, "appointment", run_kind, "canonical_id, practitioner_id, starts_at, starts_local, status"
    )
    source_diary: dict[str, set[str]] = defaultdict(set)
    for row in appointments.iter_rows(named=True):
        if row["status"] not in NOT_IN_DIARY and _utc(row["starts_at"]) >= as_of:
            source_diary[f"{row['practitioner_id']}|{row['starts_local'].date()}"].add(row["canonical_id"])
    target_diary: dict[str, set[str]] = defaultdict(set)
    for row in target["gpm_appointment"]:
        if row["status"] not in NOT_IN_DIARY and _utc(row["starts_at"]) >= as_of:
            target_diary[f"{row['practitioner_key']}|{row['starts_local'].date()}"].add(row[key])

    mapped = {name: len(mapped_rows(warehouse, table, run_kind)) for name, table in catalogue.tables.items()}
    landed = {name: len(rows) for name, rows in target.items()}

    conditions = _staged(warehouse, "condition", run_kind, "canonical_id, claim_type, claim_number")
    source_acc = {
        r["canonical_id"]: r["claim_number"]
        for r in conditions.iter_rows(named=True)
        if str(r["claim_type"] or "").lower() == "acc"
    }
    target_acc = {r[key]: r["acc45_number"] for r in target["gpm_condition"] if r["claim_type"] == "ACC"}

    return [
        ChecklistItem(
            "client_invoice_totals",
            "Per client, the invoice totals in Gensolve equal the source's.",
            len(source_invoiced.keys() | target_invoiced.keys()),
            _differing(source_invoiced, target_invoiced),
        ),
        ChecklistItem(
            "client_outstanding_balance",
            "Per client, invoiced minus paid (a negative balance is a credit) equals the source's.",
            len(source_balance.keys() | target_balance.keys()),
            _differing(source_balance, target_balance),
        ),
        ChecklistItem(
            "future_diary",
            "Per practitioner per local day from the as-of instant, the bookings not cancelled equal the source's.",
            len(source_diary.keys() | target_diary.keys()),
            _differing(source_diary, target_diary),
        ),
        ChecklistItem(
            "table_counts",
            "Per table, the rows in Gensolve equal the mapped rows.",
            len(mapped),
            _differing(mapped, landed),
        ),
        ChecklistItem(
            "acc_claims",
            "Every ACC condition carries the source's claim number as its ACC45 number.",
            len(source_acc.keys() | target_acc.keys()),
            _differing(source_acc, target_acc),
        ),
    ]
