"""Registered business logic fires unless the request bypasses it; the bypass needs its privilege.

Microsoft: "Bypass custom Dataverse logic" and "Bypass Power Automate Flows" (emulators/dataverse/README.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from emulator_helpers import error_of

from emulators.launcher import RunningEmulators

BYPASS_ALL = {"MSCRM.BypassBusinessLogicExecution": "CustomSync,CustomAsync"}
NO_FLOWS = {"MSCRM.SuppressCallbackRegistrationExpanderJob": "true"}
PRIVILEGE = "prvBypassCustomBusinessLogic"


@pytest.fixture
def logic(emulators: RunningEmulators) -> Iterator[Any]:
    """The org's control client, its registrations removed and the app user's privileges restored after."""
    control = emulators.dataverse_control
    yield control
    control._call("DELETE", "/business-logic")
    control.set_privilege(PRIVILEGE, held=True, client_id=emulators.endpoints.client_id)


def _contact(api: httpx.Client, unique: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return api.post("contacts", json={"lastname": f"Logic {unique}"}, headers=headers or {})


def _fired(control: Any, registration: dict[str, Any]) -> int:
    return sum(e["registration"] == registration["id"] for e in control.business_logic()["effects"])


def test_each_kind_of_logic_fires_unless_its_own_bypass_is_sent(api: httpx.Client, logic: Any, unique: str) -> None:
    sync = logic.register_logic("contact", "Create", "sync", milliseconds=5, effect="duplicate check")
    later = logic.register_logic("contact", "Create", "async", milliseconds=5, effect="welcome letter queued")
    flow = logic.register_logic("contact", "Create", "flow", effect="email sent to the contact")

    assert _contact(api, unique).status_code == 204
    assert (_fired(logic, sync), _fired(logic, later), _fired(logic, flow)) == (1, 1, 1)

    # CustomSync,CustomAsync leaves flows alone ("excluding Power Automate Flows"); the flow header stops them.
    assert _contact(api, unique + "b", BYPASS_ALL).status_code == 204
    assert (_fired(logic, sync), _fired(logic, later), _fired(logic, flow)) == (1, 1, 2)
    assert _contact(api, unique + "c", {**BYPASS_ALL, **NO_FLOWS}).status_code == 204
    assert (_fired(logic, sync), _fired(logic, later), _fired(logic, flow)) == (1, 1, 2)

    # The older header skips synchronous plug-ins only.
    assert _contact(api, unique + "d", {"MSCRM.BypassCustomPluginExecution": "true"}).status_code == 204
    assert (_fired(logic, sync), _fired(logic, later), _fired(logic, flow)) == (1, 2, 3)
    effect = next(e for e in logic.business_logic()["effects"] if e["registration"] == flow["id"])
    assert effect["effect"] == "email sent to the contact" and effect["regarding"] == effect["record_id"]


def test_bypass_without_the_privilege_is_refused_before_anything_is_written(
    api: httpx.Client, logic: Any, emulators: RunningEmulators, unique: str
) -> None:
    user_id = api.get("WhoAmI").json()["UserId"]
    function = "Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName"
    privilege = f"systemusers({user_id})/{function}(PrivilegeName='{PRIVILEGE}')"
    held = api.get(privilege).json()["RolePrivileges"]
    assert [(p["PrivilegeName"], p["PrivilegeId"], p["Depth"]) for p in held] == [
        (PRIVILEGE, "0ea552b0-a491-4470-9a1b-82068deccf66", "Global")
    ]

    logic.set_privilege(PRIVILEGE, held=False, client_id=emulators.endpoints.client_id)
    assert api.get(privilege).json()["RolePrivileges"] == []
    refused = _contact(api, unique, BYPASS_ALL)
    status, code, message = error_of(refused)
    assert (status, code, message) == (403, "0x80040220", "The user does not hold the necessary privileges.")
    assert not api.get("contacts", params={"$filter": f"lastname eq 'Logic {unique}'"}).json()["value"]
    # Suppressing flows needs no privilege ("Do users need a special privilege? No.").
    assert _contact(api, unique, NO_FLOWS).status_code == 204


def test_synchronous_logic_time_is_the_requests_execution_time(
    api: httpx.Client, logic: Any, emulators: RunningEmulators, unique: str
) -> None:
    """A plug-in step's time is charged to the request (the user's execution-time budget); bypassed, it is not."""
    user_id = api.get("WhoAmI").json()["UserId"]

    def used() -> tuple[float, int]:
        counts = logic.stats()["per_user"].get(user_id, {})
        return counts.get("execution_ms", 0) / 1000, counts.get("logic_ms", 0)

    logic.register_logic("contact", "Create", "sync", milliseconds=4000)
    seconds, logic_ms = used()
    assert _contact(api, unique).status_code == 204
    after_seconds, after_logic_ms = used()
    assert after_logic_ms - logic_ms == 4000
    assert after_seconds - seconds >= 3.9  # the step's 4 s, less the clock's rounding of a scaled sleep
    assert _contact(api, unique + "b", BYPASS_ALL).status_code == 204
    assert used()[1] == after_logic_ms


def test_flows_of_a_rolled_back_write_never_start(api: httpx.Client, logic: Any, unique: str) -> None:
    """A bulk action is all-or-nothing (bulk-operations.md) and fires Create per record ("message pipelines
    merged"); when it is refused, the flows its records would have started are not there."""
    flow = logic.register_logic("contact", "Create", "flow", effect="email sent to the contact")
    rows = [{"lastname": f"Roll {unique}"}, {"lastname": f"Roll {unique}", "gendercode": 99}]
    body = {"Targets": [{"@odata.type": "Microsoft.Dynamics.CRM.contact", **row} for row in rows]}
    assert api.post("contacts/Microsoft.Dynamics.CRM.CreateMultiple", json=body).status_code == 400
    assert _fired(logic, flow) == 0
    body["Targets"].pop()
    assert api.post("contacts/Microsoft.Dynamics.CRM.CreateMultiple", json=body).status_code == 200
    assert _fired(logic, flow) == 1
