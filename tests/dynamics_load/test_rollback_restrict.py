"""Rollback against an org that applies each relationship's delete behaviour (emulators/dataverse/README.md
"Relationships and delete"): the order removes children before the records their lookups point at, as the org's own
relationship metadata requires, and a record something outside the migration still refers to (a Restrict
relationship: 0x80040227) is reported with Dataverse's code and message and left to do — the rest is rolled back,
and a later rollback finishes it once the org lets go."""

from __future__ import annotations

from typing import Any

import polars as pl
from dynamics_load_helpers import CUSTOMER, OPERATOR, emulator_rows, load, staged_counts

from emulators.launcher import RunningEmulators
from targets.dynamics import TerminalError, flow
from targets.dynamics.custom_tables import CLIENT_PRACTITIONER
from targets.dynamics.payloads import record_guid
from targets.dynamics.rollback import ORG_UPDATES, PRICE_LIST_TABLE, ROLLBACK_ORDER, reversal, reverse_in_batches
from targets.dynamics.tables import TABLES

RESTRICTED = "400 0x80040227"
TABLES_WITH_INVOICES = ["account", "contact", "invoice", "invoicedetail"]


def _call(part: flow.Partition, method: str, *args: Any, **kwargs: Any) -> Any:
    async def call() -> Any:
        async with flow.dataverse_client(part) as dv:
            return await getattr(dv, method)(*args, **kwargs)

    return flow.run(call())


def _lookups_the_migration_sets(table: str) -> set[tuple[str, str]]:
    """(lookup, table it points at) of every lookup a load writes on `table`."""
    if table == CLIENT_PRACTITIONER.name:
        return {(lookup.name, lookup.target) for lookup in CLIENT_PRACTITIONER.lookups}
    if table == PRICE_LIST_TABLE:
        return {("transactioncurrencyid", "transactioncurrency")}
    return {
        (c.name, "systemuser" if c.kind == "owner" else str(c.target))
        for c in TABLES[table].columns
        if c.kind in {"lookup", "owner"}
    }


def test_the_rollback_order_removes_every_child_before_the_records_its_lookups_point_at(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    deleted = [t for t in ROLLBACK_ORDER if t not in ORG_UPDATES]  # users are restored, never deleted
    position = {table: i for i, table in enumerate(deleted)}
    behaviours: dict[tuple[str, str], str] = {}
    for table in deleted:
        try:
            response = _call(
                ready_part, "request", "GET", f"EntityDefinitions(LogicalName='{table}')/ManyToOneRelationships"
            )
        except TerminalError as exc:  # the junction table exists only where practitioner_relationships is on
            assert exc.status == 404
            continue
        for relationship in response.json()["value"]:
            parent = relationship["ReferencedEntity"]
            written = (relationship["ReferencingAttribute"], parent) in _lookups_the_migration_sets(table)
            if written and parent in position:
                behaviours[(table, parent)] = relationship["CascadeConfiguration"]["Delete"]
    # The org says which of them refuse a delete while the child is there; the order must put those children first.
    assert behaviours[("invoice", PRICE_LIST_TABLE)] == "Restrict"
    assert behaviours[("invoice", "contact")] == "Restrict"
    late = {pair: b for pair, b in behaviours.items() if pair[0] != pair[1] and position[pair[0]] > position[pair[1]]}
    assert not late, f"children rolled back after their parents: {late}"


def test_a_record_the_org_still_needs_is_reported_with_its_code_and_the_rest_is_rolled_back(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    part = ready_part
    counts = staged_counts(part, TABLES_WITH_INVOICES)
    load(part, "run-1", tables=TABLES_WITH_INVOICES)
    with part.warehouse.connect(read_only=True) as con:
        client = con.execute(
            "select customerid from dynamics.invoice where run_kind = ? order by canonical_id limit 1", [part.run_kind]
        ).fetchone()[0]
    contact = record_guid(CUSTOMER, "contact", client)
    price_list = record_guid(CUSTOMER, PRICE_LIST_TABLE, "NZD")
    # The practice raises an invoice of its own in the org (not the migration's) for a migrated patient, on the
    # migration's price list: both relationships are Restrict.
    org_invoice = {
        "name": "Raised in the org",
        "customerid_contact@odata.bind": f"/contacts({contact})",
        "pricelevelid@odata.bind": f"/pricelevels({price_list})",
    }
    created = _call(part, "request", "POST", "invoices", json=org_invoice)
    assert created.status_code == 204
    org_invoice_id = created.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")

    result = flow.run(flow.rollback(part, "rollback-1", OPERATOR))

    assert result.failed == 2 and result.errors == {RESTRICTED: 2}
    assert {(f.table, f.target_id) for f in result.failures} == {("contact", contact), (PRICE_LIST_TABLE, price_list)}
    assert {f.message for f in result.failures} == {
        "The object you tried to delete is associated with another object and cannot be deleted."
    }
    assert result.deleted == sum(counts.values()) + 1 - 2  # everything else, the price list's invoices included
    report = pl.read_csv(part.reports / "rollback-failures.csv", infer_schema=False)
    assert sorted(report["code"].to_list()) == ["0x80040227", "0x80040227"]
    migrated = {str(r["contactid"]).lower() for r in emulator_rows(org, "contact")}
    assert contact in migrated  # the org kept what it still needs, and the org's invoice is untouched
    assert _call(part, "request", "GET", f"invoices({org_invoice_id})").status_code == 200

    # Once the org's invoice is gone, the next rollback finishes exactly what was left.
    assert _call(part, "delete", "invoices", org_invoice_id)
    again = flow.run(flow.rollback(part, "rollback-2", OPERATOR))
    assert (again.deleted, again.failed) == (2, 0)
    assert again.by_table == {"contact": 1, PRICE_LIST_TABLE: 1}


def _created_id(response: Any) -> str:
    assert response.status_code == 204
    return str(response.headers["OData-EntityId"]).rsplit("(", 1)[1].rstrip(")")


def test_a_restrict_refusal_inside_a_batch_fails_that_record_alone(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """Six contacts' deletes in one $batch (one change set each, continue-on-error): the one an org invoice holds is
    refused with its own code, the others are deleted, and one already gone counts as done."""
    control = org.dataverse_control
    contacts = TABLES["contact"]

    async def scenario() -> tuple[list[str], list[Any], dict[str, Any], dict[str, Any]]:
        async with flow.dataverse_client(ready_part) as dv:
            ids = [_created_id(await dv.request("POST", "contacts", json={"lastname": f"Batch {i}"})) for i in range(5)]
            currency = (await dv.get_all("transactioncurrencies", select=["transactioncurrencyid"]))[0]
            bind = f"/transactioncurrencies({currency['transactioncurrencyid']})"
            price_list = _created_id(
                await dv.request("POST", "pricelevels", json={"name": "Held", "transactioncurrencyid@odata.bind": bind})
            )
            held = {
                "name": "Raised in the org",
                "customerid_contact@odata.bind": f"/contacts({ids[2]})",
                "pricelevelid@odata.bind": f"/pricelevels({price_list})",
            }
            await dv.request("POST", "invoices", json=held)
            gone = str(record_guid(CUSTOMER, "contact", "never-loaded"))
            rows = [
                {"canonical_id": f"c{i}", "target_id": target, "entity": "contact", "action": "delete", "image": None}
                for i, target in enumerate([*ids, gone])
            ]
            before = control.stats()
            outcomes = await reverse_in_batches(dv, "contact", rows, lambda row: reversal(contacts, row))
            return ids, outcomes, before, control.stats()

    ids, outcomes, before, after = flow.run(scenario())
    assert after["requests"] - before["requests"] == 1  # the six deletes travelled in one $batch
    assert after["operations"]["batch"] - before["operations"].get("batch", 0) == 1
    assert [op.operation for op in outcomes] == ["rolled_back"] * 2 + ["failed"] + ["rolled_back"] * 3
    refused = outcomes[2]
    assert (refused.target_id, refused.http_status, refused.error_code) == (ids[2], 400, "0x80040227")
    remaining = {str(r["contactid"]).lower() for r in emulator_rows(org, "contact")}
    assert ids[2] in remaining and not remaining & {ids[i] for i in (0, 1, 3, 4)}
