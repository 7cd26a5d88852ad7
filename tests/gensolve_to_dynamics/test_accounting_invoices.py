"""Invoices the org already holds through its accounting integration (Xero) are matched before any create
(issue #22 item 5): one org invoice under the Xero invoice number recorded in Gensolve → matched, not created;
several → ambiguous, not created, listed; a second run creates nothing."""

from __future__ import annotations

import asyncio
import uuid

import polars as pl
from dynamics_load_helpers import assert_verified, load, migrated_rows, ready, staged_counts, writes_between
from gd_helpers import make_client

from emulators.launcher import RunningEmulators
from store import TableRef, read_partition
from targets.dynamics import flow
from targets.dynamics.acc import ITEM
from targets.dynamics.accounting import MATCHES, REFERENCE
from targets.dynamics.target import TARGET

XERO = {"matched": "INV-0042", "ambiguous": "INV-0043", "unmatched": "INV-0044"}


def _give_xero_numbers(part: flow.Partition) -> dict[str, str]:
    """Three staged invoices carry a Xero invoice number, as Gensolve records it (canonical `external_ref`), mapped
    afresh; outcome → invoice key."""
    with part.warehouse.connect() as con:
        keys = read_partition(con, TableRef("dynamics", "invoice"), part.run_kind)["canonical_id"].sort()[:3]
        chosen = dict(zip(XERO, keys, strict=True))
        for outcome, key in chosen.items():
            con.execute(
                "update staged.invoice set external_ref = ? where run_kind = ? and canonical_id = ?",
                [XERO[outcome], part.run_kind, key],
            )
    flow.prepare(part)
    return chosen


async def _accounting_invoices(org: RunningEmulators) -> list[str]:
    """What the accounting integration synced into the org: one invoice under the first number, two under the
    second (in lower case: the match ignores case), none under the third."""
    async with make_client(org) as client:
        currency = (await client.get_all("transactioncurrencies", select=["transactioncurrencyid"]))[0]
        price_list, contact = str(uuid.uuid4()), str(uuid.uuid4())
        bind = f"/transactioncurrencies({currency['transactioncurrencyid']})"
        await client.patch("pricelevels", price_list, {"name": "Xero", "transactioncurrencyid@odata.bind": bind})
        await client.patch("contacts", contact, {"lastname": "Synced from Xero"})
        ids = []
        for number in (XERO["matched"], XERO["ambiguous"], XERO["ambiguous"].lower()):
            invoice = str(uuid.uuid4())
            body = {
                "name": f"Xero {number}",
                "invoicenumber": number,
                "customerid_contact@odata.bind": f"/contacts({contact})",
                "pricelevelid@odata.bind": f"/pricelevels({price_list})",
            }
            await client.patch("invoices", invoice, body)
            ids.append(invoice)
        return ids


def test_an_invoice_the_org_holds_under_its_xero_number_is_matched_not_created_and_a_second_run_creates_nothing(
    part: flow.Partition, org: RunningEmulators
) -> None:
    chosen = _give_xero_numbers(part)
    before_lines = staged_counts(part, ["invoice", "invoicedetail"])
    org_ids = asyncio.run(_accounting_invoices(org))
    ready(part)

    outcome = load(part, "first")
    assert [(m.canonical_id, m.outcome) for m in outcome.invoice_matches] == sorted(
        [(chosen["matched"], "matched"), (chosen["ambiguous"], "ambiguous")]
    )
    matched = next(m for m in outcome.invoice_matches if m.outcome == "matched")
    assert matched.org_invoice_ids == (org_ids[0],)
    ambiguous = next(m for m in outcome.invoice_matches if m.outcome == "ambiguous")
    assert set(ambiguous.org_invoice_ids) == set(org_ids[1:])

    # Neither is created; the unmatched one is, with its Xero number kept.
    created = migrated_rows(org, part, "invoice")
    assert chosen["matched"] not in created and chosen["ambiguous"] not in created
    assert created[chosen["unmatched"]][REFERENCE] == XERO["unmatched"]
    numbers = [r["invoicenumber"] for r in org.dataverse_control.dump_table("invoice")]
    assert numbers.count(XERO["matched"]) == 1
    # Nothing lost: set aside with their lines, the reason and the org's ids; the report lists both.
    after_lines = staged_counts(part, ["invoice", "invoicedetail"])
    with part.warehouse.connect(read_only=True) as con:
        aside = read_partition(con, MATCHES, part.run_kind)
    assert after_lines["invoice"] == before_lines["invoice"] - 2
    assert after_lines["invoicedetail"] < before_lines["invoicedetail"]
    assert set(aside["invoice_id"]) == {chosen["matched"], chosen["ambiguous"]}
    report = pl.read_csv(part.reports / "invoice-matches.csv")
    assert set(report["outcome"]) == {"matched", "ambiguous"}
    assert report.filter(pl.col("outcome") == "ambiguous")["reason"][0].startswith("2 org invoices carry")
    assert_verified(part)

    # Again, with the partition mapped afresh: the same matches, nothing written.
    flow.prepare(part)
    before = org.dataverse_control.stats()
    again = load(part, "second")
    assert [m.canonical_id for m in again.invoice_matches] == [m.canonical_id for m in outcome.invoice_matches]
    changed = writes_between(before, org.dataverse_control.stats())
    assert {k: changed[k] for k in ("created", "updated", "deleted")} == {"created": 0, "updated": 0, "deleted": 0}

    # The matched invoice billed ACC: the checklist counts the org's own invoice for it — which the integration
    # synced without lines (total 0), so the client's ACC total differs and the client is named.
    with part.warehouse.connect() as con:
        # A condition only the matched invoice bills (no appointment names it any more).
        condition = con.execute("select min(canonical_id) from staged.condition where run_kind = ?", [part.run_kind])
        condition_id = condition.fetchone()[0]
        con.execute("update staged.appointment set condition_id = null where condition_id = ?", [condition_id])
        con.execute("update staged.condition set claim_type = 'acc' where canonical_id = ?", [condition_id])
        con.execute(
            "update staged.invoice set condition_id = ? where canonical_id = ?", [condition_id, chosen["matched"]]
        )
        client = con.execute("select client_id from staged.invoice where canonical_id = ?", [chosen["matched"]])
        client_id = client.fetchone()[0]
    (item,) = TARGET.checklist(part, as_of=None)  # type: ignore[arg-type]
    assert item.name == ITEM and item.mismatches == (client_id,)
