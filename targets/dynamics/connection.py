"""The Dataverse connection a customer's run kind may use, with secrets read from the environment."""

from __future__ import annotations

import os

from customers import CustomerConfig
from targets.dynamics.config import AppCredential, DataverseConnection

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"


class TargetConfigurationError(Exception):
    """The customer's target for this run kind cannot be used (names the key, never a secret)."""


def _secret(variable: str | None, where: str) -> str:
    if not variable:
        raise TargetConfigurationError(f"{where}: expected client_secret_env (the environment variable holding it)")
    value = os.environ.get(variable)
    if not value:
        raise TargetConfigurationError(f"{where}: environment variable {variable} is not set")
    return value


def connection_for(config: CustomerConfig, run_kind: str) -> DataverseConnection:
    """Only the target configured for this customer and run kind: a live run of one customer can
    never reach another customer's (or its own trial) environment."""
    target = config.target_for(run_kind)
    if config.target is None or config.target.system != "dynamics365":
        raise TargetConfigurationError(f"target.system: expected dynamics365 for customer {config.customer_id}")
    where = f"target.{run_kind}"
    if not target.tenant_id or not target.client_id:
        raise TargetConfigurationError(f"{where}: expected tenant_id and client_id")
    credentials = [AppCredential(target.client_id, _secret(target.client_secret_env, where))]
    for i, user in enumerate(target.app_users):
        credentials.append(AppCredential(user.client_id, _secret(user.client_secret_env, f"{where}.app_users[{i}]")))
    return DataverseConnection(
        url=target.url.rstrip("/"),
        tenant_id=target.tenant_id,
        credentials=tuple(credentials),
        authority_host=(target.authority or DEFAULT_AUTHORITY).rstrip("/"),
        ca_file=str(target.ca_file) if target.ca_file else None,
        run_business_logic=tuple(target.run_business_logic),
    )
