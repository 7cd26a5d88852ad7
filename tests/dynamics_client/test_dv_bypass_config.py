"""Which bypass headers a load sends, from the customer's `target.<run>.run_business_logic` (DESIGN.md §6)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from customers import CustomerConfigError, load_customer_config
from targets.dynamics import AppCredential, DataverseConnection
from targets.dynamics.business_logic import bypass_headers, needs_privilege
from targets.dynamics.connection import connection_for

SYNC_ASYNC = {"MSCRM.BypassBusinessLogicExecution": "CustomSync,CustomAsync"}
NO_FLOWS = {"MSCRM.SuppressCallbackRegistrationExpanderJob": "true"}
CONFIG = {
    "customer_id": "harbour-physio",
    "name": "Harbour Physio",
    "country": "NZ",
    "time_zone": "Pacific/Auckland",
    "source": {"system": "cliniko", "trial": {"dump": "dumps/trial"}, "live": {"dump": "dumps/live"}},
    "target": {
        "system": "dynamics365",
        "trial": {
            "environment": "sandbox",
            "url": "https://harbour-sandbox.crm6.dynamics.com",
            "tenant_id": "t",
            "client_id": "c",
            "client_secret_env": "HARBOUR_BYPASS_TEST_SECRET",
            "run_business_logic": ["flows"],
        },
        "live": {"environment": "production", "url": "https://harbour.crm6.dynamics.com", "tenant_id": "t"},
    },
    "fallback_owner_email": "owner@harbour.example",
}


@pytest.mark.parametrize(
    ("run", "headers"),
    [
        ((), {**SYNC_ASYNC, **NO_FLOWS}),
        (("flows",), SYNC_ASYNC),
        (("sync",), {"MSCRM.BypassBusinessLogicExecution": "CustomAsync", **NO_FLOWS}),
        (("sync", "async"), NO_FLOWS),
        (("sync", "async", "flows"), {}),
    ],
)
def test_everything_not_let_run_is_bypassed(run: tuple[str, ...], headers: dict[str, str]) -> None:
    assert bypass_headers(run) == headers
    # Only the custom-logic header needs prvBypassCustomBusinessLogic; suppressing flows needs none.
    assert needs_privilege(run) == ("MSCRM.BypassBusinessLogicExecution" in headers)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="run_business_logic: expected any of"):
        DataverseConnection("https://org.example", "t", (AppCredential("c", "s"),), run_business_logic=("plugins",))


def test_the_customer_yaml_sets_it_per_target_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARBOUR_BYPASS_TEST_SECRET", "not-a-real-secret")
    data = yaml.safe_load(yaml.safe_dump(CONFIG))  # a copy the test may change
    path = tmp_path / "harbour-physio.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    config = load_customer_config(path)
    assert config.target is not None and config.target.live.run_business_logic == []
    assert connection_for(config, "trial").bypass_headers == SYNC_ASYNC

    data["target"]["trial"]["run_business_logic"] = ["emails"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CustomerConfigError) as error:
        load_customer_config(path)
    assert "target.trial.run_business_logic" in str(error.value)
