"""The real-org profile (issue 24 item 8; emulators/dataverse/README.md "The real-org profile"): a Sales org's
limits, costs, business logic and security roles in one option, overridable, kept across a reset."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_helpers import api_client, error_of

from emulators.dataverse import constants as c
from emulators.dataverse.models.config import DataverseOptions
from emulators.dataverse.models.profiles import REAL_ORG_LOGIC
from emulators.launcher import RunningEmulators, start_emulators

BYPASS = {
    "MSCRM.BypassBusinessLogicExecution": "CustomSync,CustomAsync",
    "MSCRM.SuppressCallbackRegistrationExpanderJob": "true",
}


@pytest.fixture(scope="module")
def real_org() -> Iterator[RunningEmulators]:
    with start_emulators(time_scale=0.01, dataverse_options={"profile": "real_org", "dop_hint": 5}) as running:
        yield running


def test_the_profile_sets_documented_limits_sales_org_costs_and_overrides_win() -> None:
    options = DataverseOptions.from_mapping({"profile": "real_org", "cost_model": {"per_record_ms": 12.0}})
    assert (options.limits.requests, options.limits.execution_seconds, options.limits.concurrency) == (6000, 1200.0, 52)
    assert options.limits.window_seconds == 300.0
    assert (options.cost_model.per_record_ms, options.cost_model.base_latency_ms) == (12.0, c.BASE_LATENCY_MS)
    assert options.security_roles and options.business_logic == REAL_ORG_LOGIC
    assert not DataverseOptions.from_mapping({}).security_roles
    with pytest.raises(ValueError, match="profile must be one of real_org"):
        DataverseOptions.from_mapping({"profile": "sandbox"})


def test_logic_fires_unless_bypassed_and_survives_a_reset(real_org: RunningEmulators) -> None:
    control = real_org.dataverse_control
    with api_client(real_org) as api:
        assert api.get("WhoAmI").headers["x-ms-dop-hint"] == "5"
        assert api.post("contacts", json={"lastname": "Bypassed"}, headers=BYPASS).status_code == 204
        assert control.business_logic()["effects"] == []
        assert api.post("contacts", json={"lastname": "Not bypassed"}).status_code == 204
        effects = sorted(e["effect"] for e in control.business_logic()["effects"])
        assert effects == ["contact enriched", "welcome email sent to the contact"]
        user = next(iter(control.stats()["per_user"].values()))
        assert user["logic_ms"] == 20  # the synchronous step's time is the request's

        control.reset()
        assert len(control.business_logic()["registrations"]) == len(REAL_ORG_LOGIC)
        assert control.security()["security_roles"] is True
        # Security roles are on: a user without a role cannot be given records.
        unroled = control.add_user(lastname="Unroled", internalemailaddress="unroled@org.example", roles=[])
        owned = {"lastname": "Owned", "ownerid@odata.bind": f"/systemusers({unroled['systemuserid']})"}
        assert error_of(api.post("contacts", json=owned, headers=BYPASS))[:2] == (403, "0x80042f09")
