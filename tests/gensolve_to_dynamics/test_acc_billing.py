"""ACC billing (issue #22 item 5): an invoice billed to ACC keeps its payer, claim number and condition in Dynamics,
and the post-migration checklist reconciles ACC-billed totals per client between the source and Dynamics — and
names the client whose total differs."""

from __future__ import annotations

import asyncio

from dynamics_load_helpers import load, migrated_rows, ready
from gd_helpers import make_client

from emulators.launcher import RunningEmulators
from targets.dynamics import flow
from targets.dynamics.acc import ITEM
from targets.dynamics.target import TARGET

CLAIM = "AB12345"


def _bill_conditions_to_acc(part: flow.Partition, count: int = 2) -> dict[str, str]:
    """`count` clients' conditions become ACC claims that the clients' invoices bill: the first client's invoices
    name the condition themselves, the others' through the appointment invoiced (how Gensolve records it);
    client → condition. Only clients whose every invoice names its appointment are chosen."""
    with part.warehouse.connect() as con:
        rows = con.execute(
            "select c.client_id, min(c.canonical_id) from staged.condition c join staged.invoice i "
            "on i.client_id = c.client_id and i.run_kind = c.run_kind where c.run_kind = ? "
            "group by c.client_id having count(*) filter (where i.appointment_id is null) = 0 "
            "order by c.client_id limit ?",
            [part.run_kind, count],
        ).fetchall()
        for number, (client, condition) in enumerate(rows):
            con.execute(
                "update staged.condition set claim_type = 'acc', claim_number = ? "
                "where run_kind = ? and canonical_id = ?",
                [CLAIM, part.run_kind, condition],
            )
            if number == 0:
                sql = "update staged.invoice set condition_id = ? where run_kind = ? and client_id = ?"
            else:
                sql = (
                    "update staged.appointment set condition_id = ? where run_kind = ? and canonical_id in "
                    "(select appointment_id from staged.invoice where client_id = ?)"
                )
            con.execute(sql, [condition, part.run_kind, client])
    flow.prepare(part)
    return dict(rows)


def test_acc_invoices_keep_payer_claim_and_condition_and_totals_reconcile_per_client(
    part: flow.Partition, org: RunningEmulators
) -> None:
    acc_clients = _bill_conditions_to_acc(part)
    assert len(acc_clients) == 2
    ready(part)
    load(part, "acc")

    invoices = migrated_rows(org, part, "invoice")
    with part.warehouse.connect(read_only=True) as con:
        billed = dict(
            con.execute(
                "select canonical_id, client_id from staged.invoice where run_kind = ?", [part.run_kind]
            ).fetchall()
        )
    for key, row in invoices.items():
        condition = acc_clients.get(billed[key])
        if condition is None:
            # Billed to the client (a private condition, if any, is still named).
            assert (row["new_payer"], row["new_claimnumber"]) == ("client", None)
        else:
            assert (row["new_payer"], row["new_claimnumber"], row["new_conditionid"]) == ("ACC", CLAIM, condition)
    assert {billed[k] for k, r in invoices.items() if r["new_payer"] == "ACC"} == set(acc_clients)

    (item,) = TARGET.checklist(part, as_of=None)  # type: ignore[arg-type]
    assert item.name == ITEM
    assert item.passed and item.compared == 2

    # A line of one ACC invoice changed in Dynamics: its client's ACC total no longer reconciles.
    client = sorted(acc_clients)[0]
    acc_invoices = {str(r["invoiceid"]).lower() for k, r in invoices.items() if billed[k] == client}

    async def change_line() -> None:
        async with make_client(org) as dv:
            select = ["invoicedetailid", "priceperunit", "_invoiceid_value"]
            lines = await dv.get_all("invoicedetails", select=select)
            line = next(r for r in lines if str(r["_invoiceid_value"]).lower() in acc_invoices)
            price = {"priceperunit": float(line["priceperunit"]) + 10}
            await dv.patch("invoicedetails", line["invoicedetailid"], price)

    asyncio.run(change_line())
    (item,) = TARGET.checklist(part, as_of=None)  # type: ignore[arg-type]
    assert not item.passed
    assert item.mismatches == (client,)
