"""Security roles with depths, owner teams, licences and access modes (issue 24 item 4; emulators/dataverse/README.md
"Security roles, teams and owners"): who can own a record, and what its caller needs to assign it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from emulator_helpers import error_of

from emulators.launcher import RunningEmulators

FUNCTION = "Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName"


@pytest.fixture
def roles_on(emulators: RunningEmulators) -> Iterator[Any]:
    """The shared org with security roles switched on for this test only."""
    control = emulators.dataverse_control
    control.security(security_roles=True)
    try:
        yield control
    finally:
        control.security(security_roles=False)


def _user(control: Any, unique: str, name: str, **extra: Any) -> str:
    address = f"{name}.{unique}@roles.example"
    return str(control.add_user(firstname=name, lastname=unique, internalemailaddress=address, **extra)["systemuserid"])


def _contact(api: httpx.Client, owner: str, *, kind: str = "systemusers", caller: str | None = None) -> httpx.Response:
    headers = {"MSCRMCallerID": caller} if caller else {}
    body = {"lastname": "Owned", "ownerid@odata.bind": f"/{kind}({owner})"}
    return api.post("contacts", json=body, headers=headers)


def _depths(api: httpx.Client, user: str, privilege: str) -> list[str]:
    answer = api.get(f"systemusers({user})/{FUNCTION}(PrivilegeName='{privilege}')").json()
    return [p["Depth"] for p in answer["RolePrivileges"]]


def test_a_user_without_a_role_a_licence_or_write_access_cannot_own_a_record(
    api: httpx.Client, roles_on: Any, unique: str
) -> None:
    control = roles_on
    unroled = _user(control, unique, "carol", roles=[])
    unlicensed = _user(control, unique, "dave", islicensed=False)
    read_only = _user(control, unique, "erin", accessmode=2)
    salesperson = _user(control, unique, "alice")

    assert error_of(_contact(api, unroled)) == (
        403,
        "0x80042f09",
        f"The user (Id = {unroled}) has not been assigned any roles.",
    )
    assert error_of(_contact(api, unlicensed)) == (403, "0x8004D24B", "The user has not been assigned any License")
    assert error_of(_contact(api, read_only)) == (403, "0x80041d40", "The read-only access mode is not supported")
    assert _contact(api, salesperson).status_code == 204  # the application user's System Administrator role: Global
    assert _depths(api, unroled, "prvReadContact") == []
    assert _depths(api, salesperson, "prvReadContact") == ["Local"]
    assert _depths(api, salesperson, "prvCreateContact") == ["Basic"]


def test_a_team_owns_records_through_its_roles_and_passes_them_on_only_when_the_role_says_so(
    api: httpx.Client, roles_on: Any, unique: str
) -> None:
    control = roles_on
    member = _user(control, unique, "frank", roles=[])
    control.security(
        roles=[
            {"name": f"Team only {unique}", "privileges": {"prvReadContact": "Basic"}},
            {"name": f"Inherited {unique}", "privileges": {"prvReadContact": "Basic"}, "inherited": True},
        ]
    )
    bare = control.security(teams=[{"name": f"Bare {unique}", "roles": [], "members": [member]}])
    assert error_of(_contact(api, bare["created_teams"][f"Bare {unique}"], kind="teams"))[:2] == (403, "0x80040231")

    owners = control.security(
        teams=[{"name": f"Owners {unique}", "roles": [f"Team only {unique}"], "members": [member]}]
    )
    team = owners["created_teams"][f"Owners {unique}"]
    assert _contact(api, team, kind="teams").status_code == 204
    # "Team privileges only": the member still holds no role of their own.
    assert error_of(_contact(api, member))[:2] == (403, "0x80042f09")

    control.security(teams=[{"name": f"Heirs {unique}", "roles": [f"Inherited {unique}"], "members": [member]}])
    assert _depths(api, member, "prvReadContact") == ["Basic"]
    assert _contact(api, member).status_code == 204


def test_the_caller_needs_create_and_assign_at_a_depth_that_reaches_the_owners_business_unit(
    api: httpx.Client, roles_on: Any, unique: str
) -> None:
    control = roles_on
    root = api.get("businessunits?$select=businessunitid&$filter=_parentbusinessunitid_value eq null").json()
    root_id = root["value"][0]["businessunitid"]
    created = api.post(
        "businessunits",
        json={"name": f"Site {unique}", "parentbusinessunitid@odata.bind": f"/businessunits({root_id})"},
        headers={"Prefer": "return=representation"},
    )
    site = created.json()["businessunitid"]
    caller = _user(control, unique, "grace")  # Salesperson: Create and Assign at Basic depth
    colleague = _user(control, unique, "heidi")
    remote = _user(control, unique, "ivan", businessunitid=site)

    assert _contact(api, caller, caller=caller).status_code == 204  # Basic reaches the caller's own records
    assert error_of(_contact(api, colleague, caller=caller)) == (
        403,
        "0x80040220",
        "The user does not hold the necessary privileges.",
    )
    for depth, reaches_colleague, reaches_remote in (("Local", True, False), ("Deep", True, True)):
        name = f"{depth} contacts {unique}"
        privileges = {f"prv{verb}Contact": depth for verb in ("Create", "Read", "Assign")}
        control.security(roles=[{"name": name, "privileges": privileges}], users={caller: [name]})
        assert (_contact(api, colleague, caller=caller).status_code == 204) is reaches_colleague
        assert (_contact(api, remote, caller=caller).status_code == 204) is reaches_remote

    # Create at Global depth is not enough without Assign reaching the owner.
    name = f"Create only {unique}"
    privileges = {"prvCreateContact": "Global", "prvReadContact": "Global", "prvAssignContact": "Basic"}
    control.security(roles=[{"name": name, "privileges": privileges}], users={caller: [name]})
    assert error_of(_contact(api, remote, caller=caller))[:2] == (403, "0x80040220")
