"""The Dynamics target's checks seen failing: orphans, disabled_owners, dangling_lookups and the delta's
delta_applied, each with its count, against the Dataverse emulator changed the way a real org can change under a
migration; and a patient deleted at source under `delta.deletions: delete`.

tests/checks/test_check_registry.py points these checks here; `readback`, `loaded`, `owners_resolved` and
`schema_ready` fail in test_load_flow.py, test_load_faults.py and test_owners_and_isolation.py.
"""

from __future__ import annotations

import uuid
from collections import Counter

import polars as pl
from dynamics_load_helpers import CUSTOMER, load

from checks.approval import customer_spec
from checks.delta import DeltaChanges, verify_delta
from emulators.launcher import RunningEmulators
from targets.dynamics import TerminalError, flow
from targets.dynamics.payloads import record_guid
from targets.dynamics.readback import absent_lookup_targets
from targets.dynamics.tables import TABLES
from targets.registry import get_target

TARGET = get_target("dynamics365")


def _readback(part: flow.Partition, tables: list[str]) -> dict[str, object]:
    return {r.table: r for r in flow.run(flow.verify(part, tables))}


def test_activities_regarding_a_contact_gone_from_the_target_are_orphans(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    tables = ["account", "contact", "appointment"]
    load(ready_part, "run-1", tables=tables)
    with ready_part.warehouse.connect(read_only=True) as con:
        by_client = Counter(
            r[0]
            for r in con.execute(
                # Open bookings (Open, Scheduled): a completed or cancelled one is read-only (research §7.1).
                "select regardingobjectid from dynamics.appointment where run_kind = ? and statecode in (0, 3)",
                [ready_part.run_kind],
            ).fetchall()
        )
    client, appointments = sorted(by_client.items(), key=lambda item: (-item[1], item[0]))[0]
    assert appointments >= 2
    clean = _readback(ready_part, ["contact", "appointment"])
    assert not clean["appointment"].orphaned and not clean["contact"].missing

    async def unlink_bookings() -> None:  # someone in the org takes the patient off the bookings (they stay)
        contact = record_guid(CUSTOMER, "contact", client)
        async with flow.dataverse_client(ready_part) as dv:
            rows = await dv.get_all(
                "appointments",
                select=["activityid"],
                filter=f"_regardingobjectid_value eq {contact} and (statecode eq 0 or statecode eq 3)",
            )
            assert len(rows) == appointments
            for row in rows:
                await dv.request(
                    "DELETE", f"appointments({row['activityid']})/regardingobjectid_contact_appointment/$ref"
                )

    flow.run(unlink_bookings())
    after = _readback(ready_part, ["contact", "appointment"])
    assert len(after["appointment"].orphaned) == appointments
    assert after["appointment"].fields["_regardingobjectid_value"].different == appointments  # readback fails too
    assert not after["appointment"].missing and not after["contact"].missing  # the records are all there


def test_deleting_a_patient_in_the_org_takes_its_bookings_along_and_the_read_back_misses_them(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """Contact_Appointments is a Cascade relationship: a real org deletes the bookings with the patient, so they are
    missing, never orphaned."""
    load(ready_part, "run-1", tables=["account", "contact", "appointment"])
    with ready_part.warehouse.connect(read_only=True) as con:
        client, appointments = con.execute(
            "select regardingobjectid, count(*) from dynamics.appointment where run_kind = ? "
            "group by 1 order by 2 desc, 1 limit 1",
            [ready_part.run_kind],
        ).fetchone()

    async def delete_contact() -> None:
        async with flow.dataverse_client(ready_part) as dv:
            await dv.delete("contacts", record_guid(CUSTOMER, "contact", client))

    flow.run(delete_contact())
    after = _readback(ready_part, ["contact", "appointment"])
    assert after["contact"].missing == [client]
    assert len(after["appointment"].missing) == appointments and not after["appointment"].orphaned


def test_invoices_whose_price_list_the_org_no_longer_has_fail_dangling_lookups(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """The read-back finds each invoice's price list again as the loader found it (the customer's own, by name);
    one gone from the org leaves every invoice's lookup unresolved. The org itself refuses to delete a price list
    invoices use (price_level_invoices is Restrict)."""
    tables = ["account", "contact", "invoice", "invoicedetail"]
    load(ready_part, "run-1", tables=tables)
    clean = _readback(ready_part, ["invoice", "invoicedetail"])
    assert clean["invoice"].lookups_not_resolving == 0 and clean["invoicedetail"].lookups_not_resolving == 0
    invoices = clean["invoice"].found
    assert invoices > 0
    price_list = record_guid(CUSTOMER, "pricelevel", "NZD")

    async def delete_then_rename() -> str | None:
        async with flow.dataverse_client(ready_part) as dv:
            try:
                await dv.delete("pricelevels", price_list)
            except TerminalError as exc:
                refused = exc.code
            else:
                refused = None
            await dv.patch("pricelevels", price_list, {"name": "Old price list"})  # someone renames it away
            return refused

    assert flow.run(delete_then_rename()) == "0x80040227"
    after = _readback(ready_part, ["invoice", "invoicedetail"])
    assert sorted(after["invoice"].unresolved) == ["pricelevelid"]
    assert after["invoice"].lookups_not_resolving == invoices
    assert not after["invoice"].dangling  # the records point at rows the org has, just not the customer's list
    assert after["invoicedetail"].lookups_not_resolving == 0
    verification = TARGET.verify(ready_part)
    invoice_check = next(t for t in verification.tables if t.table == "invoice")
    assert invoice_check.findings["dangling_lookups"] == invoices  # what the Dagster check counts
    records = pl.read_csv(ready_part.reports / "readback-records.csv", infer_schema=False)
    assert records.filter(pl.col("finding") == "unresolved_lookup:pricelevelid").height == invoices


def test_a_lookup_pointing_at_a_record_the_org_does_not_have_is_found_by_asking_the_org(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """The `dangling` half, against the org: a value no price list, user or team has is absent; the org's own
    ids are not."""
    table = TABLES["invoice"]
    load(ready_part, "run-1", tables=["account", "contact", "invoice"])

    async def absent() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        async with flow.dataverse_client(ready_part) as dv:
            rows = await dv.get_all(
                "invoices", select=[f"_{c}_value" for c in ("pricelevelid", "ownerid", "customerid")]
            )
            nowhere = str(uuid.uuid4())
            broken = [{**rows[0], "_pricelevelid_value": nowhere, "_ownerid_value": nowhere}]
            return await absent_lookup_targets(dv, table, rows), await absent_lookup_targets(dv, table, broken)

    real, broken = flow.run(absent())
    assert real == {}
    assert sorted(broken) == ["ownerid", "pricelevelid"]


def test_records_owned_by_a_user_disabled_after_the_load_are_reported(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    load(ready_part, "run-1", tables=["account", "contact", "appointment"])

    async def owners_of_appointments() -> Counter[str]:  # read through the Web API, as the check reads them
        async with flow.dataverse_client(ready_part) as dv:
            rows = await dv.get_all("appointments", select=["activityid", "_ownerid_value"])
        return Counter(str(r["_ownerid_value"]).lower() for r in rows)

    owners = flow.run(owners_of_appointments())
    clean = _readback(ready_part, ["appointment"])["appointment"]
    assert not clean.disabled_owner
    user, owned = sorted(owners.items(), key=lambda item: (-item[1], item[0]))[0]

    async def disable_user() -> None:  # the clinician leaves the practice; an admin disables the account
        async with flow.dataverse_client(ready_part) as dv:
            await dv.patch("systemusers", user, {"isdisabled": True})

    flow.run(disable_user())
    after = _readback(ready_part, ["appointment"])["appointment"]
    assert len(after.disabled_owner) == owned
    assert after.clean  # nothing else about these records changed: only the WARN check fails


def test_a_reported_change_that_did_not_reach_the_target_fails_delta_applied(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    part = ready_part
    with part.warehouse.connect(read_only=True) as con:
        clients = con.execute(
            "select source_id, canonical_id from staged.client where run_kind = ? order by canonical_id limit 3",
            [part.run_kind],
        ).fetchall()
    (landed_id, _landed), (refused_id, refused), (deleted_id, deleted) = clients
    # The delta reports two changed patients and one deleted. Dataverse refuses one changed patient's write
    # (a job title over the column's length), and the deleted one is never retired.
    column = TABLES["contact"].column("jobtitle")
    assert column.max_length is not None
    with part.warehouse.connect() as con:
        con.execute(
            "update dynamics.contact set jobtitle = ? where run_kind = ? and canonical_id = ?",
            ["x" * (column.max_length + 1), part.run_kind, refused],
        )
    outcome = load(part, "run-delta", tables=["account", "contact"])
    contact = next(t for t in outcome.tables if t.table == "contact")
    assert contact.failed == 1
    changes = DeltaChanges(
        changed=frozenset({("patients", landed_id), ("patients", refused_id)}),
        deleted=frozenset({("patients", deleted_id)}),
    )
    with part.warehouse.connect() as con:
        result = verify_delta(con, part.run_kind, customer_spec(part.config), changes, TARGET, "deactivate")
    assert not result.passed
    assert (result.changed, result.in_target, result.missing) == (2, 1, [refused])
    assert (result.deleted, result.retired, result.not_retired) == (1, 0, [deleted])
    metadata = result.as_metadata()
    assert (metadata["missing"], metadata["not_retired"]) == (1, 1)
    # Dagster gets the counts; the ids go to the customer's own delta-verification.csv (README, "Privacy").
    assert not {k for k in metadata if "ids" in k}


def test_with_deletions_delete_a_patient_deleted_at_source_is_deleted_with_its_bookings(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """`delta.deletions: delete`: the patient and its appointments leave the org (not deactivated), nothing
    else is touched, and delta_applied counts the deletion only once it is a delete."""
    tables = ["account", "contact", "appointment"]
    load(ready_part, "run-1", tables=tables)
    with ready_part.warehouse.connect() as con:
        source_id, client, bookings = con.execute(
            "select c.source_id, c.canonical_id, count(*) from staged.client c join dynamics.appointment a "
            "on a.regardingobjectid = c.canonical_id and a.run_kind = c.run_kind where c.run_kind = ? "
            "group by all order by 3 desc, 2 limit 1",
            [ready_part.run_kind],
        ).fetchall()[0]
        # The delta's source no longer has the patient: its contact and its bookings are not prepared again.
        con.execute(
            "delete from dynamics.contact where run_kind = ? and canonical_id = ?", [ready_part.run_kind, client]
        )
        con.execute(
            "delete from dynamics.appointment where run_kind = ? and regardingobjectid = ?",
            [ready_part.run_kind, client],
        )
    changes = DeltaChanges(changed=frozenset(), deleted=frozenset({("patients", str(source_id))}))
    with ready_part.warehouse.connect() as con:
        pending = verify_delta(con, ready_part.run_kind, customer_spec(ready_part.config), changes, TARGET, "delete")
    assert (pending.passed, pending.not_retired) == (False, [client])

    config = ready_part.config.model_copy(
        update={"delta": ready_part.config.delta.model_copy(update={"deletions": "delete"})}
    )
    part = flow.Partition(ready_part.home, config, ready_part.run_kind)
    before = {t: len(org.dataverse_control.dump_table(t)) for t in ("contact", "appointment")}
    updated = org.dataverse_control.stats()["records"]["updated"]
    removal = flow.run(flow.retire(part, "run-delta", "pytest"))
    after = {t: len(org.dataverse_control.dump_table(t)) for t in ("contact", "appointment")}

    assert (removal.deleted, removal.deactivated, removal.failed) == (1 + bookings, 0, 0)
    assert removal.by_table == {"appointment": bookings, "contact": 1}
    assert after == {"contact": before["contact"] - 1, "appointment": before["appointment"] - bookings}
    assert org.dataverse_control.stats()["records"]["updated"] == updated  # deleted, never deactivated
    readback = _readback(part, ["contact", "appointment"])
    assert readback["contact"].found == readback["contact"].expected and readback["contact"].clean
    assert readback["appointment"].clean  # the rest are there, unchanged
    with part.warehouse.connect() as con:
        done = verify_delta(con, part.run_kind, customer_spec(part.config), changes, TARGET, "delete")
    assert (done.passed, done.deleted, done.retired) == (True, 1, 1)
