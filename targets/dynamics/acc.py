"""ACC billing reconciled per client between the source (Gensolve) and Dynamics (issue #22 item 5).

An invoice bills ACC when the condition it belongs to — its own `condition_id`, else the condition of the
appointment invoiced (how Gensolve records it) — is an ACC claim (canonical `condition.claim_type` "acc");
the mapping writes payer `ACC`, the claim number and the condition onto the Dynamics invoice
(`mappings/dynamics365.yaml`). After the load, the post-migration checklist compares, per client, the total of
the ACC-billed invoices in the staged source with the total of the invoices Dynamics holds for them: those the
migration wrote (payer `ACC`, `totalamount` as Dataverse calculated it from the lines) plus those the org already
held through its accounting integration (matched by Xero reference, targets/dynamics/accounting.py: their own
`totalamount`). A client whose totals differ is a mismatch, named by canonical id (no amounts in the checklist).
"""

from __future__ import annotations

from decimal import Decimal

import duckdb

from store import table_exists
from targets.base import ChecklistItem
from targets.dynamics.accounting import MATCHES
from targets.dynamics.payloads import record_guid
from targets.dynamics.tables import SOURCE_KEY

ITEM = "acc_billed_totals"
DESCRIPTION = "ACC-billed invoice totals per client are equal in the source and in Dynamics"
ACC_PAYER = "ACC"
# The condition an invoice bills: its own, else the appointment invoiced's (as mappings/dynamics365.yaml says).
_BILLED = (
    "left join staged.appointment a on a.canonical_id = i.appointment_id and a.run_kind = i.run_kind "
    "join staged.condition c on c.canonical_id = coalesce(i.condition_id, a.condition_id) and c.run_kind = i.run_kind"
)


def source_totals(con: duckdb.DuckDBPyConnection, run_kind: str) -> dict[str, Decimal]:
    """Client canonical id → total of the client's invoices whose condition is an ACC claim (staged)."""
    rows = con.execute(
        f"select i.client_id, sum(i.total_amount) from staged.invoice i {_BILLED} "
        "where i.run_kind = ? and c.claim_type = 'acc' group by i.client_id",
        [run_kind],
    ).fetchall()
    return {str(client): Decimal(total or 0) for client, total in rows}


def matched_invoices(con: duckdb.DuckDBPyConnection, run_kind: str) -> dict[str, str]:
    """Org invoice id → client canonical id of the ACC-billed invoices set aside as matched (held by the org)."""
    if not table_exists(con, MATCHES):
        return {}
    rows = con.execute(
        f"select m.org_invoice_ids, i.client_id from {MATCHES.sql} m join staged.invoice i "
        f"on i.canonical_id = m.invoice_id and i.run_kind = m.run_kind {_BILLED} "
        "where m.run_kind = ? and m.outcome = 'matched' and c.claim_type = 'acc'",
        [run_kind],
    ).fetchall()
    return {str(ids).lower(): str(client) for ids, client in rows}


async def target_totals(
    client: object, customer_id: str, clients: list[str], matched: dict[str, str]
) -> dict[str, Decimal]:
    """Client canonical id → total of the ACC invoices Dynamics holds for `clients`: the migration's (payer ACC)
    and the matched ones the org held already."""
    contacts = {record_guid(customer_id, "contact", c): c for c in clients}
    totals: dict[str, Decimal] = {}
    rows = await client.get_all(  # type: ignore[attr-defined]
        "invoices",
        select=["invoiceid", "_customerid_value", "totalamount"],
        filter=f"new_payer eq '{ACC_PAYER}' and {SOURCE_KEY} ne null",
    )
    for row in rows:
        owner = contacts.get(str(row.get("_customerid_value") or "").lower())
        if owner is not None:
            totals[owner] = totals.get(owner, Decimal(0)) + Decimal(str(row.get("totalamount") or 0))
    if matched:
        held = await client.get_by_ids("invoices", "invoiceid", list(matched), ["invoiceid", "totalamount"])  # type: ignore[attr-defined]
        for row in held:
            owner = matched[str(row["invoiceid"]).lower()]
            totals[owner] = totals.get(owner, Decimal(0)) + Decimal(str(row.get("totalamount") or 0))
    return totals


def reconcile(source: dict[str, Decimal], target: dict[str, Decimal]) -> ChecklistItem:
    """One checklist item: every client with ACC billing on either side, compared to the cent."""
    clients = sorted(set(source) | set(target))
    cent = Decimal("0.01")
    mismatches = tuple(
        c for c in clients if source.get(c, Decimal(0)).quantize(cent) != target.get(c, Decimal(0)).quantize(cent)
    )
    return ChecklistItem(ITEM, DESCRIPTION, len(clients), mismatches)
