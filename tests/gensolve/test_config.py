"""A customer names `target.system: gensolve` (embedded or Oracle per run kind); the block is validated
by the model the registered target declares, with errors that name the key."""

from __future__ import annotations

from typing import Any

import pytest

from customers import CustomerConfigError
from customers.config import TargetEnvironment, parse_customer_config
from targets.gensolve.config import GensolveEnvironment

BASE: dict[str, Any] = {
    "customer_id": "kowhai-physio",
    "name": "Kōwhai Physio",
    "country": "NZ",
    "time_zone": "Pacific/Auckland",
    "source": {"system": "cliniko", "trial": {"dump": "dumps/trial"}},
    "fallback_owner_email": "owner@kowhai.example",
}
GENSOLVE = {
    "system": "gensolve",
    "trial": {"environment": "sandbox"},
    "live": {
        "environment": "production",
        "database": "oracle",
        "dsn": "gpm-db.example.org:1521/GPMPDB",
        "user_env": "PM_KOWHAI_PHYSIO__GPM_USER",
        "password_env": "PM_KOWHAI_PHYSIO__GPM_PASSWORD",
    },
}


def _parse(target: dict) -> Any:
    return parse_customer_config({**BASE, "target": target}, "kowhai.yaml")


def test_gensolve_embedded_for_trial_and_oracle_for_live() -> None:
    config = _parse(GENSOLVE)
    assert config.target.system == "gensolve"
    trial, live = config.target_for("trial"), config.target_for("live")
    assert isinstance(trial, GensolveEnvironment) and trial.database == "embedded"
    assert isinstance(live, GensolveEnvironment) and live.database == "oracle" and live.dsn.endswith("/GPMPDB")


def test_dynamics_blocks_keep_their_model() -> None:
    dynamics = {
        "system": "dynamics365",
        "trial": {"environment": "sandbox", "url": "https://a.crm6.dynamics.com"},
        "live": {"environment": "production", "url": "https://b.crm6.dynamics.com"},
    }
    assert isinstance(_parse(dynamics).target_for("live"), TargetEnvironment)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"system": "salesforce"}, "target.system: unknown target 'salesforce'; valid: dynamics365, gensolve"),
        ({"live": {"environment": "production", "database": "oracle"}}, "target.live: database oracle: expected dsn"),
        ({"trial": {"environment": "sandbox", "url": "https://x"}}, "target.trial.url: unknown key"),
        (
            {
                "live": {
                    "environment": "production",
                    "database": "oracle",
                    "dsn": "h/s",
                    "user_env": "lower case",
                    "password_env": "P",
                }
            },
            "target.live.user_env: String should match pattern",
        ),
        ({"live": {"environment": "sandbox"}}, "live.environment: expected 'production'"),
    ],
)
def test_invalid_gensolve_blocks_name_the_key(change: dict, expected: str) -> None:
    with pytest.raises(CustomerConfigError) as caught:
        _parse({**GENSOLVE, **change})
    assert any(expected in p for p in caught.value.problems), caught.value.problems
