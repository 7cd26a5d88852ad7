"""A customer's trial and live never load into one org (targets/dynamics/shared_org.py): both key their records, and
the invoices' price list, by customer and canonical id, so a live load into the org the trial still holds would take
over the trial's records, and a later trial rollback would delete what the live run uses. The live load is refused
before it sends anything — even when the configuration no longer names that org for the trial — and goes ahead once
the trial is rolled back."""

from __future__ import annotations

import pytest
from dynamics_load_helpers import OPERATOR, SECRET_ENV, load

from customers.config import CustomerConfig
from emulators.launcher import RunningEmulators
from targets.dynamics import flow
from targets.dynamics.loader import TARGET
from targets.dynamics.shared_org import SharedOrgError, org_identity, refuse_shared_org


def _live_in_the_trials_org(part: flow.Partition, org: RunningEmulators) -> flow.Partition:
    """The customer's configuration changed after the trial: live now points at the org the trial loaded into, and
    the trial at another sandbox (so the configuration alone shows no overlap)."""
    data = part.config.model_dump(mode="json")
    data["target"]["live"] = org.endpoints.dataverse_environment("production", SECRET_ENV)
    data["target"]["trial"] = {
        "environment": "sandbox",
        "url": "https://sandbox.invalid",
        "tenant_id": org.endpoints.tenant_id,
    }
    return flow.Partition(part.home, CustomerConfig.model_validate(data), "live")


def test_a_live_load_into_the_org_the_trial_still_holds_is_refused_until_the_trial_is_rolled_back(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    load(ready_part, "trial-1", tables=["account", "contact"])
    live = _live_in_the_trials_org(ready_part, org)
    requests = org.dataverse_control.stats()["requests"]

    with pytest.raises(SharedOrgError, match=r"the live load is refused: the customer's trial run still has \d+"):
        flow.run(flow.load(live, "live-1", OPERATOR))
    assert org.dataverse_control.stats()["requests"] == requests  # refused before a single request

    rolled_back = flow.run(flow.rollback(ready_part, "rollback-1", OPERATOR))
    assert rolled_back.failed == 0 and rolled_back.deleted > 0
    with live.warehouse.connect() as con:
        refuse_shared_org(con, live.config, "live", TARGET)  # nothing of the trial is left there: the load may go


def test_the_same_org_spelled_differently_is_the_same_org() -> None:
    assert org_identity("https://Contoso.crm6.dynamics.com/") == org_identity("https://contoso.crm6.dynamics.com:443")
    assert org_identity("https://contoso.crm6.dynamics.com") != org_identity(
        "https://contoso-sandbox.crm6.dynamics.com"
    )
    assert org_identity("https://127.0.0.1:8443") != org_identity("https://127.0.0.1:9443")
