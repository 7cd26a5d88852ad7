"""Issue 24: the Dynamics flow against an emulator that behaves as a real org does — notes without custom columns,
`overriddencreatedon` as Dataverse implements it, the org's own business logic bypassed, a rollback a real org
accepts."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest
from dynamics_load_helpers import (
    assert_verified,
    emulator_rows,
    ledger_operations,
    ledger_records,
    load,
    migrated_rows,
    ready,
    staged_counts,
    writes_between,
)

from customers import CustomerConfig
from emulators.launcher import RunningEmulators
from targets.dynamics import TransientError, flow
from targets.dynamics.business_logic import BYPASS_PRIVILEGE, BYPASS_PRIVILEGE_ID
from targets.dynamics.loader import TableLoad
from targets.dynamics.owners import OwnerResolutionError
from targets.dynamics.schema_plan import build_plan
from targets.dynamics.tables import TABLES, Column

NOTE_TABLES = ["account", "contact", "annotation"]
# Besides prvReadActivity, what a user needs to own records of every table the load assigns owners on.
OTHER_READ_PRIVILEGES = ("prvReadAccount", "prvReadContact", "prvReadNote", "prvReadInvoice")
EMAIL_THE_CONTACT = "email sent to the contact"


def _with_business_logic(part: flow.Partition, run: list[str]) -> flow.Partition:
    """The same partition with its trial target letting `run` (sync, async, flows) of the org's logic run."""
    data = part.config.model_dump(mode="json")
    data["target"]["trial"]["run_business_logic"] = run
    return flow.Partition(part.home, CustomerConfig.model_validate(data), part.run_kind)


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_schema_plan_proposes_nothing_on_notes_and_notes_stay_idempotent_with_their_source_ids_audited(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    part = ready_part
    plan = flow.run(flow.schema_plan(part))
    assert plan.ready
    assert [i for i in plan.items if i.table == "annotation"] == []
    assert {i.status for i in plan.items} <= {"present"}

    first = load(part, "run-1", tables=NOTE_TABLES)
    notes = next(t for t in first.tables if t.table == "annotation")
    assert notes.created == staged_counts(part, ["annotation"])["annotation"] > 0 and notes.failed == 0
    stored = emulator_rows(org, "annotation")
    assert not any(k.startswith("new_") for row in stored for k in row)  # no custom column exists to hold one

    control = org.dataverse_control
    before = control.stats()
    second = load(part, "run-2", tables=NOTE_TABLES)
    assert writes_between(before, control.stats()) == {"created": 0, "updated": 0, "deleted": 0}
    assert next(t for t in second.tables if t.table == "annotation").unchanged == notes.created

    # The note's source id is in the audit export, next to the primary key the org holds it under.
    flow.export_audit(part)
    audit = pl.read_csv(part.reports / "audit-log.csv", infer_schema=False).filter(
        (pl.col("target_table") == "annotation") & (pl.col("run_id") == "run-1")
    )
    landed = migrated_rows(org, part, "annotation")
    assert set(audit["canonical_id"]) == set(landed) and audit.height == len(landed)
    note = audit.row(0, named=True)
    assert note["canonical_id"].endswith(":" + note["source_id"])
    assert landed[note["canonical_id"]]["annotationid"] == note["target_id"]


def test_schema_plan_refuses_what_the_org_does_not_allow(ready_part: flow.Partition) -> None:
    """A key and columns on Note (CanCreateAttributes false), a standard column not valid for create, one the
    load would update though it is create-only, and one the org does not have: each `refused`, none applied."""
    keyed_notes = replace(TABLES["annotation"], keyed=True)
    contact = TABLES["contact"].with_columns(
        (Column("createdon", "datetime"), Column("overriddencreatedon", "datetime"), Column("nosuchcolumn", "string"))
    )

    async def plan() -> object:
        async with flow.dataverse_client(ready_part) as client:
            return await build_plan(client, [keyed_notes, contact], {})

    result = flow.run(plan())
    refused = {(i.table, i.kind, i.name): i.detail for i in result.items if i.status == "refused"}
    assert set(refused) == {
        ("annotation", "column", "new_sourcesystemid"),
        ("annotation", "column", "new_originid"),
        ("annotation", "key", "new_annotation_sourcesystemid_key"),
        ("contact", "column", "createdon"),
        ("contact", "column", "overriddencreatedon"),
        ("contact", "column", "nosuchcolumn"),
    }
    assert "CanCreateAttributes false" in refused[("annotation", "key", "new_annotation_sourcesystemid_key")]
    assert "IsValidForCreate is false" in refused[("contact", "column", "createdon")]
    assert "IsValidForUpdate is false" in refused[("contact", "column", "overriddencreatedon")]
    assert "no such column" in refused[("contact", "column", "nosuchcolumn")]
    assert not result.ready


def test_historical_creation_dates_become_createdon_and_the_read_back_is_clean(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    part = ready_part
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    load(part, "run-1", tables=["account", "contact", "appointment"])
    finished = dt.datetime.now(dt.UTC)
    assert_verified(part, ["account", "contact", "appointment"])

    with part.warehouse.connect(read_only=True) as con:
        source = dict(
            con.execute(
                "select canonical_id, overriddencreatedon from dynamics.appointment "
                "where overriddencreatedon is not null"
            ).fetchall()
        )
    assert source
    landed = migrated_rows(org, part, "appointment")
    for key, created in source.items():
        row = landed[key]
        assert _utc(row["createdon"]) == created.astimezone(dt.UTC).replace(microsecond=0), key
        assert started <= _utc(row["overriddencreatedon"]) <= finished + dt.timedelta(seconds=1), key


def test_a_flow_on_appointment_create_emails_no_patient_unless_the_customer_lets_flows_run(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """Healthcare rule (DESIGN.md §6): a migration sends nothing to patients."""
    control = org.dataverse_control
    flow_id = control.register_logic("appointment", "Create", "flow", milliseconds=50, effect=EMAIL_THE_CONTACT)["id"]
    plugin_id = control.register_logic("contact", "Create", "sync", milliseconds=200, effect="welcome SMS")["id"]

    plan = flow.run(flow.schema_plan(ready_part))
    assert plan.ready and not [i for i in plan.items if i.status == "warning"]
    load(ready_part, "run-1", tables=["account", "contact", "appointment"])
    assert control.business_logic()["effects"] == []  # bypassed: no e-mail, no SMS
    assert control.stats()["per_user"] and all(u.get("logic_ms", 0) == 0 for u in control.stats()["per_user"].values())

    # The practice wants its flows to run in this environment: the pre-flight warns, and each appointment emails.
    flow.run(flow.rollback(ready_part, "rollback-1", "pytest"))
    letting_flows_run = _with_business_logic(ready_part, ["flows"])
    plan = flow.run(flow.schema_plan(letting_flows_run))
    warnings = [i for i in plan.items if i.status == "warning"]
    assert plan.ready and len(warnings) == 1 and "flows" in warnings[0].detail
    assert "warning" in (letting_flows_run.reports / "schema-plan.md").read_text(encoding="utf-8")
    outcome = load(letting_flows_run, "run-2", tables=["account", "contact", "appointment"])
    appointments = next(t for t in outcome.tables if t.table == "appointment").created
    effects = control.business_logic()["effects"]
    emailed = [e for e in effects if e["registration"] == flow_id]
    assert len(emailed) == appointments > 0 and {e["effect"] for e in emailed} == {EMAIL_THE_CONTACT}
    assert {e["regarding"] for e in emailed} <= {r["contactid"] for r in emulator_rows(org, "contact")}
    assert not [e for e in effects if e["registration"] == plugin_id]  # plug-ins still bypassed


def test_a_missing_bypass_privilege_blocks_the_load_and_says_what_to_grant(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    control = org.dataverse_control
    client_id = org.endpoints.client_id
    control.set_privilege(BYPASS_PRIVILEGE, held=False, client_id=client_id)
    plan = flow.run(flow.schema_plan(ready_part))
    (item,) = [i for i in plan.items if i.kind == "business logic"]
    assert item.status == "missing" and not plan.ready
    assert client_id in item.detail and BYPASS_PRIVILEGE_ID in item.detail and "AddPrivilegesRole" in item.detail
    before = control.stats()
    with pytest.raises(flow.SchemaNotReadyError):
        load(ready_part, "run-blocked")
    assert writes_between(before, control.stats()) == {"created": 0, "updated": 0, "deleted": 0}

    # Letting the custom logic run needs no privilege (flows are suppressed without one).
    plan = flow.run(flow.schema_plan(_with_business_logic(ready_part, ["sync", "async"])))
    assert plan.ready and [i.status for i in plan.items if i.kind == "business logic"] == ["warning"]


def _second_site(part: flow.Partition) -> None:
    """Make the practice multi-site: its one site twice, under another canonical id (business units are loaded
    only for practices with more than one site)."""
    with part.warehouse.connect() as con:
        con.execute(
            "insert into dynamics.businessunit select * replace (canonical_id || '-second' as canonical_id, "
            "name || ' (second site)' as name) from dynamics.businessunit where run_kind = ?",
            [part.run_kind],
        )


def test_rollback_disables_business_units_and_lists_what_the_org_refuses_with_its_error(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    part = ready_part
    _second_site(part)
    ready(part)  # business units now need their source-key column and key
    tables = ["businessunit", "account"]
    assert staged_counts(part, tables)["businessunit"] == 2
    outcome = load(part, "run-1", tables=tables)
    assert all(t.failed == 0 for t in outcome.tables)
    units = migrated_rows(org, part, "businessunit")
    assert len(units) == 2
    kept_key, kept = sorted(units.items())[0]

    async def add_a_sub_unit() -> None:  # the practice added a unit under a migrated site meanwhile
        async with flow.dataverse_client(part) as client:
            parent = f"/businessunits({kept['businessunitid']})"
            body = {"name": "Added later", "parentbusinessunitid@odata.bind": parent}
            await client.request("POST", "businessunits", json=body)

    flow.run(add_a_sub_unit())
    result = flow.run(flow.rollback(part, "rollback-1", "pytest"))
    assert result.failed == 1 and result.errors == {"400 0x80041d61": 1}
    (failure,) = result.failures
    assert (failure.table, failure.canonical_id, failure.code) == ("businessunit", kept_key, "0x80041d61")
    assert failure.message == "Business unit has a child business unit and cannot be deleted."
    report = pl.read_csv(part.reports / "rollback-failures.csv", infer_schema=False)
    assert report.select("table", "canonical_id", "code", "message").rows() == [
        ("businessunit", kept_key, "0x80041d61", failure.message)
    ]
    # The other site was disabled, then deleted; the accounts are gone. The refused unit's disable and delete are
    # one change set, so the org undid the disable with the refused delete: the unit the practice still uses
    # (a unit under it) stays enabled, as it was before the rollback.
    assert set(migrated_rows(org, part, "businessunit")) == {kept_key}
    assert not migrated_rows(org, part, "businessunit")[kept_key].get("isdisabled")
    assert not migrated_rows(org, part, "account")
    failed = ledger_operations(part, "rollback-1").filter(pl.col("operation") == "failed")
    assert failed.select("canonical_id", "error_code").rows() == [(kept_key, "0x80041d61")]


def test_a_matched_user_whose_roles_cannot_own_activities_keeps_their_notes_and_activities_fall_back(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """Owner resolution checks each table a user will be assigned: without `prvReadActivity` the practitioner's
    appointments go to the fallback owner (reason in the owner report), their notes stay theirs."""
    part = ready_part
    first = flow.run(flow.resolve_owners(part))
    with part.warehouse.connect(read_only=True) as con:

        def owned(table: str, practitioner: str) -> set[str]:
            sql = f"select canonical_id from dynamics.{table} where run_kind = ? and ownerid = ?"
            return {k for (k,) in con.execute(sql, [part.run_kind, practitioner]).fetchall()}

        practitioner, user = next((p, u) for p, u in sorted(first.owners.items()) if owned("annotation", p))
        appointments, notes = owned("appointment", practitioner), owned("annotation", practitioner)
    assert appointments, "the practitioner owns appointments and notes"
    org.dataverse_control.set_privilege("prvReadActivity", held=False, user_id=user)

    resolution = flow.run(flow.resolve_owners(part))
    row = resolution.practitioners.filter(pl.col("practitioner_id") == practitioner).row(0, named=True)
    assert row["outcome"] == "some_tables" and resolution.owners[practitioner] == user
    activities = [t for t in flow.tables_to_load(part) if TABLES[t].activity]
    assert "appointment" in activities and resolution.fallback_tables[practitioner] == frozenset(activities)
    assert row["reason"] == (
        f"the user's roles lack prvReadActivity ({', '.join(activities)}): those records are owned by the fallback "
        "owner"
    )
    assert first.owners == resolution.owners
    report = pl.read_csv(part.reports / "owner-resolution.csv", infer_schema=False)
    assert report.filter(pl.col("practitioner_id") == practitioner)["reason"].to_list() == [row["reason"]]
    assert "prvReadActivity" in (part.reports / "owner-resolution.html").read_text(encoding="utf-8")
    fell_back = pl.read_csv(part.reports / "owner-fallback.csv", infer_schema=False)
    assert "appointment" in fell_back.filter(pl.col("ownerid") == practitioner)["table"].to_list()

    # Without any table privilege the practitioner falls back entirely.
    for privilege in OTHER_READ_PRIVILEGES:
        org.dataverse_control.set_privilege(privilege, held=False, user_id=user)
    nothing = flow.run(flow.resolve_owners(part))
    assert nothing.practitioners.filter(pl.col("practitioner_id") == practitioner)["outcome"].to_list() == ["no_role"]
    assert practitioner not in nothing.owners
    for privilege in OTHER_READ_PRIVILEGES:
        org.dataverse_control.set_privilege(privilege, held=True, user_id=user)
    flow.run(flow.resolve_owners(part))

    tables = ["account", "contact", "appointment", "annotation"]
    outcome = load(part, "run-1", tables=tables)
    assert all(t.failed == 0 for t in outcome.tables)  # nothing assigned to a user who cannot own it
    landed = migrated_rows(org, part, "appointment")
    assert {landed[k]["ownerid"]["id"] for k in appointments} == {resolution.fallback_owner}
    kept = migrated_rows(org, part, "annotation")
    assert {kept[k]["ownerid"]["id"] for k in notes} == {user}
    assert_verified(part, tables)


def test_a_batch_whose_answer_was_lost_after_it_was_applied_converges_on_the_rerun(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """The emulator applies the $batch (appointments created and closed in one change set each), then drops the
    answer; the client gives up at once. The rerun finds what landed: one record each, the right state, and a
    ledger with every record loaded."""
    part = ready_part
    tables = ["account", "contact", "appointment"]
    counts = staged_counts(part, tables)
    load(part, "run-1", tables=["account", "contact"])
    control = org.dataverse_control

    def drop_the_next_answer(done: TableLoad) -> None:  # contacts are unchanged: the next request is a $batch
        if done.table == "contact":
            control.set_faults(drop_next=1)

    with pytest.raises(TransientError):
        load(part, "run-lost", tables=["contact", "appointment"], max_attempts=1, progress=drop_the_next_answer)
    assert control.stats()["faults"].get("drop") == 1
    control.clear_faults()
    landed = len(emulator_rows(org, "appointment"))
    assert 0 < landed <= counts["appointment"]  # the dropped request was applied

    outcome = load(part, "run-again", tables=["appointment"])
    (appointments,) = outcome.tables
    assert appointments.failed == 0
    assert appointments.created + appointments.updated + appointments.unchanged == counts["appointment"]
    assert len(emulator_rows(org, "appointment")) == counts["appointment"]
    assert len({r["activityid"] for r in emulator_rows(org, "appointment")}) == counts["appointment"]
    assert_verified(part, tables)
    records = ledger_records(part).filter(pl.col("target_table") == "appointment")
    assert records["status"].unique().to_list() == ["loaded"] and records.height == counts["appointment"]


def test_an_assignment_refused_mid_load_lands_with_the_fallback_owner_and_is_ledgered(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """Owners were resolved while the user could own appointments; the role changed before the load. The org
    refuses those records (403 0x80040231); the load sends them again to the fallback owner, ledgered."""
    part = ready_part
    tables = ["account", "contact", "appointment"]
    owners, fallback = flow._stored_resolution(part)
    with part.warehouse.connect(read_only=True) as con:
        owned = dict(con.execute("select ownerid, count(*) from dynamics.appointment group by ownerid").fetchall())
    practitioner = max((p for p in owners if p in owned), key=lambda p: owned[p])
    user = owners[practitioner]
    org.dataverse_control.set_privilege("prvReadActivity", held=False, user_id=user)

    outcome = load(part, "run-1", tables=tables)
    assert outcome.refused_owners == [user]
    assert all(t.failed == 0 for t in outcome.tables)
    with part.warehouse.connect(read_only=True) as con:
        theirs = {
            k
            for (k,) in con.execute(
                "select canonical_id from dynamics.appointment where ownerid = ?", [practitioner]
            ).fetchall()
        }
    landed = migrated_rows(org, part, "appointment")
    assert {landed[k]["ownerid"]["id"] for k in theirs} == {fallback}
    operations = ledger_operations(part, "run-1").filter(pl.col("canonical_id").is_in(list(theirs)))
    refused = operations.filter(pl.col("operation") == "failed")
    assert set(refused["canonical_id"]) == theirs and set(refused["error_code"]) == {"0x80040231"}
    assert set(operations.filter(pl.col("operation") == "create")["canonical_id"]) == theirs
    refusals = pl.read_csv(part.reports / "owner-refusals.csv", infer_schema=False)
    assert refusals.select("practitioner_id", "systemuser_id").rows() == [(practitioner, user)]
    assert practitioner not in flow._stored_resolution(part)[0]
    assert_verified(part, tables)

    control = org.dataverse_control
    before = control.stats()
    again = load(part, "run-2", tables=tables)
    assert writes_between(before, control.stats()) == {"created": 0, "updated": 0, "deleted": 0}
    assert again.refused_owners == []


def test_owner_resolution_checks_licences_and_how_deep_the_application_users_roles_reach(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """Security roles switched on (the real-org profile): a practitioner without a licence falls back entirely; one in
    another business unit keeps the tables the application user's roles reach (Global on everything but activities,
    which it creates and assigns at Local depth only) and their activities fall back, the reason naming the
    privilege and its depth. Nothing the load sends is refused."""
    part = ready_part
    control = org.dataverse_control
    first = flow.run(flow.resolve_owners(part))
    with part.warehouse.connect(read_only=True) as con:
        sql = "select ownerid, count(*) from dynamics.appointment where run_kind = ? group by ownerid"
        owned = dict(con.execute(sql, [part.run_kind]).fetchall())
    remote, unlicensed = sorted((p for p in first.owners if p in owned), key=lambda p: (-owned[p], p))[:2]
    emails = dict(first.practitioners.select("practitioner_id", "email").iter_rows())

    async def site_and_caller() -> tuple[str, str]:
        async with flow.dataverse_client(part) as client:
            me = await client.whoami()
            body = {"name": "Second site", "parentbusinessunitid@odata.bind": f"/businessunits({me['BusinessUnitId']})"}
            created = await client.request(
                "POST", "businessunits", json=body, headers={"Prefer": "return=representation"}
            )
            return str(created.json()["businessunitid"]), str(me["UserId"])

    site, caller = flow.run(site_and_caller())
    control.add_user(
        firstname="Remote", lastname="Practitioner", internalemailaddress=emails[remote].upper(), businessunitid=site
    )
    control.add_user(
        firstname="No", lastname="Licence", internalemailaddress=emails[unlicensed].upper(), islicensed=False
    )
    administrator = next(r for r in control.security()["roles"] if r["name"] == "System Administrator")
    local_activities = {**administrator["privileges"], "prvCreateActivity": "Local", "prvAssignActivity": "Local"}
    control.security(
        security_roles=True,
        roles=[{"name": "Migration (local activities)", "privileges": local_activities}],
        users={caller: ["Migration (local activities)"]},
    )
    try:
        resolution = flow.run(flow.resolve_owners(part))
        rows = {r["practitioner_id"]: r for r in resolution.practitioners.iter_rows(named=True)}
        assert rows[unlicensed]["outcome"] == "unlicensed" and unlicensed not in resolution.owners
        assert rows[unlicensed]["reason"] == "the user has no licence (islicensed is false)"
        activities = [t for t in flow.tables_to_load(part) if TABLES[t].activity]
        assert rows[remote]["outcome"] == "some_tables" and resolution.fallback_tables[remote] == frozenset(activities)
        listed = ", ".join(activities)
        assert rows[remote]["reason"] == (
            f"the application user's prvCreateActivity is at Local depth, which does not reach the user's business "
            f"unit ({listed}); the application user's prvAssignActivity is at Local depth, which does not reach the "
            f"user's business unit ({listed}): those records are owned by the fallback owner"
        )
        others = set(first.owners) - {remote, unlicensed}
        assert all(rows[p]["outcome"] == "matched" for p in others)
        report = pl.read_csv(part.reports / "owner-resolution.csv", infer_schema=False)
        reported = dict(report.select("practitioner_id", "reason").iter_rows())
        assert (reported[unlicensed], reported[remote]) == (rows[unlicensed]["reason"], rows[remote]["reason"])

        tables = ["account", "contact", "appointment", "annotation"]
        outcome = load(part, "run-1", tables=tables)
        assert all(t.failed == 0 for t in outcome.tables) and outcome.refused_owners == []
        with part.warehouse.connect(read_only=True) as con:
            theirs = {
                k
                for (k,) in con.execute(
                    "select canonical_id from dynamics.appointment where run_kind = ? and ownerid in (?, ?)",
                    [part.run_kind, remote, unlicensed],
                ).fetchall()
            }
        landed = migrated_rows(org, part, "appointment")
        assert theirs and {landed[k]["ownerid"]["id"] for k in theirs} == {resolution.fallback_owner}
        assert_verified(part, tables)
    finally:
        control.security(security_roles=False)


def test_a_fallback_owner_the_application_user_cannot_reach_stops_owner_resolution_and_says_what_to_grant(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    part = ready_part
    control = org.dataverse_control
    caller = flow.run(_caller_id(part))
    administrator = next(r for r in control.security()["roles"] if r["name"] == "System Administrator")
    own_notes_only = {**administrator["privileges"], "prvAssignNote": "Basic"}
    control.security(
        security_roles=True,
        roles=[{"name": "Migration (own notes)", "privileges": own_notes_only}],
        users={caller: ["Migration (own notes)"]},
    )
    try:
        with pytest.raises(OwnerResolutionError) as raised:
            flow.run(flow.resolve_owners(part))
        assert str(raised.value) == (
            "the fallback owner cannot own records of annotation: the application user's prvAssignNote is at Basic "
            "depth, which does not reach the user's business unit (annotation) — grant those privileges through a "
            "security role, or change fallback_owner_email"
        )
    finally:
        control.security(security_roles=False)


async def _caller_id(part: flow.Partition) -> str:
    async with flow.dataverse_client(part) as client:
        return str((await client.whoami())["UserId"])


def test_a_licence_removed_after_owner_resolution_is_refused_mid_load_and_recovered_with_the_fallback_owner(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """The org refuses an unlicensed owner (403 0x8004D24B): the load sends that practitioner's records again to
    the fallback owner, and `owner-refusals.csv` names the code."""
    part = ready_part
    control = org.dataverse_control
    owners, fallback = flow._stored_resolution(part)
    with part.warehouse.connect(read_only=True) as con:
        owned = dict(con.execute("select ownerid, count(*) from dynamics.appointment group by ownerid").fetchall())
    practitioner = max((p for p in owners if p in owned), key=lambda p: (owned[p], p))
    user = owners[practitioner]
    email = next(u["internalemailaddress"] for u in emulator_rows(org, "systemuser") if u["systemuserid"] == user)
    control.add_user(firstname="Licence", lastname="Removed", internalemailaddress=email, islicensed=False)
    control.security(security_roles=True)
    try:
        outcome = load(part, "run-1", tables=["account", "contact", "appointment"])
    finally:
        control.security(security_roles=False)
    assert outcome.refused_owners == [user] and all(t.failed == 0 for t in outcome.tables)
    landed = migrated_rows(org, part, "appointment")
    with part.warehouse.connect(read_only=True) as con:
        sql = "select canonical_id from dynamics.appointment where ownerid = ?"
        theirs = {k for (k,) in con.execute(sql, [practitioner]).fetchall()}
    assert {landed[k]["ownerid"]["id"] for k in theirs} == {fallback}
    refused = ledger_operations(part, "run-1").filter(pl.col("operation") == "failed")
    assert set(refused["error_code"]) == {"0x8004D24B"}
    refusals = pl.read_csv(part.reports / "owner-refusals.csv", infer_schema=False)
    assert refusals.rows() == [
        (
            practitioner,
            user,
            "the org refused to assign records to this user (0x8004D24B) during load run-1: their records are owned "
            "by the fallback owner",
        )
    ]
