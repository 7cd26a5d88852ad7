"""Opt-in: the facts the Dataverse emulator models, read from a real org (issue 24; emulators/dataverse/README.md).

Needs a real Dynamics 365 / Dataverse environment and is skipped without one: set DATAVERSE_TEST_URL (e.g.
https://contoso.crm4.dynamics.com), DATAVERSE_TEST_TENANT_ID, DATAVERSE_TEST_CLIENT_ID and
DATAVERSE_TEST_CLIENT_SECRET for an application user of that environment. Everything here only reads: metadata,
the application user's privileges, business units and users — nothing is written to the org.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from targets.dynamics.client import DataverseClient
from targets.dynamics.config import AppCredential, DataverseConnection
from targets.dynamics.metadata import PRIVILEGE_DEPTHS
from targets.dynamics.owners import USER_SCHEMA, _CallerReach, fetch_users
from targets.dynamics.schema_plan import _managed_value

REAL_ORG_VARIABLES = (
    "DATAVERSE_TEST_URL",
    "DATAVERSE_TEST_TENANT_ID",
    "DATAVERSE_TEST_CLIENT_ID",
    "DATAVERSE_TEST_CLIENT_SECRET",
)
pytestmark = pytest.mark.skipif(
    not all(os.environ.get(v) for v in REAL_ORG_VARIABLES),
    reason="needs a real Dataverse org: set " + ", ".join(REAL_ORG_VARIABLES),
)


def _read(check: Any) -> Any:
    async def run() -> Any:
        connection = DataverseConnection(
            url=os.environ["DATAVERSE_TEST_URL"],
            tenant_id=os.environ["DATAVERSE_TEST_TENANT_ID"],
            credentials=(
                AppCredential(os.environ["DATAVERSE_TEST_CLIENT_ID"], os.environ["DATAVERSE_TEST_CLIENT_SECRET"]),
            ),
        )
        async with DataverseClient(connection) as client:
            return await check(client)

    return asyncio.run(run())


def test_notes_refuse_custom_columns_and_platform_columns_are_not_writable_as_the_emulator_says() -> None:
    async def check(client: DataverseClient) -> tuple[Any, ...]:
        note = await client.entity_definition("annotation")
        columns = {a["LogicalName"]: a for a in await client.attributes("appointment")}
        return note, columns["statecode"], columns["overriddencreatedon"]

    note, statecode, overridden = _read(check)
    assert _managed_value(note, "CanCreateAttributes") is False
    assert statecode["IsValidForCreate"] is False
    assert overridden["IsValidForCreate"] is True and overridden["IsValidForUpdate"] is False


def test_privileges_carry_a_depth_and_owners_have_licence_and_access_mode_columns() -> None:
    async def check(client: DataverseClient) -> tuple[Any, ...]:
        me = await client.whoami()
        depth = await client.privilege_depth(str(me["UserId"]), "prvReadContact")
        reach = await _CallerReach.of(client, ["Contact", "Activity", "Note"])
        return me, depth, reach, await fetch_users(client)

    me, depth, reach, users = _read(check)
    assert depth in PRIVILEGE_DEPTHS  # the migration's application user can read contacts
    assert str(me["BusinessUnitId"]).lower() in reach.below
    assert set(reach.depths) == {f"prv{v}{e}" for v in ("Create", "Assign") for e in ("Contact", "Activity", "Note")}
    assert users.schema == USER_SCHEMA and users.height > 0
