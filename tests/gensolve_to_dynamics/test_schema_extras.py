"""The schema plan for moving out of Gensolve (issue #22 item 5): the client ↔ practitioner junction table and the
System User columns are planned and applied like any column, and a licence tier whose custom-table limit the plan
would exceed is refused with the counts before anything is created."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from gd_helpers import create_org_tables, make_client

from emulators.launcher import RunningEmulators
from targets.dynamics.custom_tables import CLIENT_PRACTITIONER, USER_COLUMNS
from targets.dynamics.schema_plan import LicenceLimitError, PlanExtras, apply_plan, build_plan

EXTRA_COLUMNS = {"systemuser": list(USER_COLUMNS)}


def _items(plan: object, kind: str) -> list:
    return [i for i in plan.items if i.kind == kind]  # type: ignore[attr-defined]


def test_junction_table_and_user_columns_are_planned_applied_and_take_records(org: RunningEmulators) -> None:
    async def scenario() -> None:
        async with make_client(org) as client:
            await create_org_tables(client, 3)
            extras = PlanExtras((CLIENT_PRACTITIONER,), "sales_professional")
            plan = await build_plan(client, [], EXTRA_COLUMNS, extras)
            assert not plan.ready
            missing = {(i.table, i.kind, i.name) for i in plan.missing}
            assert {
                ("new_clientpractitioner", "table", "new_clientpractitioner"),
                ("new_clientpractitioner", "lookup", "new_clientid"),
                ("new_clientpractitioner", "lookup", "new_practitionerid"),
                ("new_clientpractitioner", "column", "new_sourcesystemid"),
                ("new_clientpractitioner", "column", "new_appointments"),
                ("new_clientpractitioner", "key", "new_new_clientpractitioner_sourcesystemid_key"),
                ("systemuser", "column", "new_specialty"),
                ("systemuser", "column", "new_practitionertype"),
            } <= missing
            (licence,) = _items(plan, "licence")
            assert licence.status == "present"
            assert "3 custom tables in the org + 1 to create = 4, within the 15" in licence.detail

            created = await apply_plan(client, plan, key_wait_seconds=30)
            assert {i.name for i in created} >= {"new_clientpractitioner", "new_clientid", "new_specialty"}
            again = await build_plan(client, [], EXTRA_COLUMNS, extras)
            assert again.ready, [(i.table, i.name, i.status) for i in again.missing]
            (licence,) = _items(again, "licence")
            assert "4 custom tables in the org + 0 to create = 4" in licence.detail
            assert "new_clientpractitioner" in await client.custom_entities()

            # The applied schema takes what the load writes: a junction row bound to a contact and a user, and the
            # practitioner's specialty and type on the user.
            contact = str(uuid.uuid4())
            await client.patch("contacts", contact, {"lastname": "Client"})
            whoami = (await client.request("GET", "WhoAmI")).json()
            user = whoami["UserId"]
            row = str(uuid.uuid4())
            await client.patch(
                "new_clientpractitioners",
                row,
                {
                    "new_name": "client ↔ practitioner",
                    "new_sourcesystemid": "gensolve:client:1|gensolve:practitioner:2",
                    "new_appointments": 3,
                    "new_clientid@odata.bind": f"/contacts({contact})",
                    "new_practitionerid@odata.bind": f"/systemusers({user})",
                },
            )
            await client.patch("systemusers", user, {"new_specialty": "Sports", "new_practitionertype": "Physio"})
            stored = (await client.request("GET", f"new_clientpractitioners({row})")).json()
            assert stored["_new_clientid_value"] == contact
            assert stored["_new_practitionerid_value"] == user
            assert stored["new_appointments"] == 3
            person = (await client.request("GET", f"systemusers({user})")).json()
            assert (person["new_specialty"], person["new_practitionertype"]) == ("Sports", "Physio")

    asyncio.run(scenario())


def test_a_licence_tier_the_plan_would_exceed_is_refused_with_the_counts_and_nothing_is_created(
    org: RunningEmulators,
) -> None:
    async def scenario() -> None:
        async with make_client(org) as client:
            existing = await create_org_tables(client, 15)
            extras = PlanExtras((CLIENT_PRACTITIONER,), "sales_professional")
            plan = await build_plan(client, [], EXTRA_COLUMNS, extras)
            refusal = plan.licence_refusal
            assert refusal is not None and refusal.status == "refused"
            assert "15 custom tables in the org + 1 to create = 16, over the 15 custom tables sales_professional" in (
                refusal.detail
            )
            assert existing[0] in refusal.detail  # the person approving sees which tables count
            assert "refused" in plan.markdown()
            with pytest.raises(LicenceLimitError, match=r"= 16, over the 15 .*nothing was created"):
                await apply_plan(client, plan, key_wait_seconds=30)
            assert await client.custom_entities() == existing
            columns = {a["LogicalName"] for a in await client.attributes("systemuser")}
            assert not columns & {c.name for c in USER_COLUMNS}

            # An enterprise tier has no limit: the same org may take the table.
            enterprise = PlanExtras((CLIENT_PRACTITIONER,), "sales_enterprise")
            unlimited = await build_plan(client, [], EXTRA_COLUMNS, enterprise)
            assert unlimited.licence_refusal is None
            (licence,) = _items(unlimited, "licence")
            assert "sales_enterprise sets no custom-table limit" in licence.detail

    asyncio.run(scenario())
