"""Which bypass headers a load sends, from the customer's `target.<run>.run_business_logic` (DESIGN.md §6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_helpers import register_customer

from customers import CustomerConfigError
from targets.dynamics import AppCredential, DataverseConnection
from targets.dynamics.business_logic import bypass_headers, needs_privilege
from targets.dynamics.connection import connection_for

SYNC_ASYNC = {"MSCRM.BypassBusinessLogicExecution": "CustomSync,CustomAsync"}
NO_FLOWS = {"MSCRM.SuppressCallbackRegistrationExpanderJob": "true"}
TARGET = {
    "system": "dynamics365",
    "trial": {
        "environment": "sandbox",
        "url": "https://harbour-sandbox.crm6.dynamics.com",
        "tenant_id": "t",
        "client_id": "c",
        "client_secret_env": "PM_HARBOUR_PHYSIO__BYPASS_TEST_SECRET",
        "run_business_logic": ["flows"],
    },
    "live": {"environment": "production", "url": "https://harbour.crm6.dynamics.com", "tenant_id": "t"},
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
    monkeypatch.setenv("PM_HARBOUR_PHYSIO__BYPASS_TEST_SECRET", "not-a-real-secret")
    (tmp_path / "dump").mkdir()  # a customer's dump folder must exist when it is registered
    config = register_customer(tmp_path / "home", "harbour-physio", tmp_path / "dump", target=TARGET)
    assert config.target is not None and config.target.live.run_business_logic == []
    assert connection_for(config, "trial").bypass_headers == SYNC_ASYNC

    unknown = {**TARGET, "trial": {**TARGET["trial"], "run_business_logic": ["emails"]}}
    with pytest.raises(CustomerConfigError) as error:
        register_customer(tmp_path / "home", "harbour-physio", tmp_path / "dump", target=unknown)
    assert "target.trial.run_business_logic" in str(error.value)
