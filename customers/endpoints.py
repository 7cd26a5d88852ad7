"""Where a customer configuration may send its secrets: the environment variables it may name and the
hosts its URLs may point at (the real services', or hosts the operator allows explicitly)."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

# The operator's own exceptions to the host rules, comma-separated: exact host names, or `*.domain`
# for every host under a domain. The demo, `make dev` and the tests allow the emulators' loopback
# hosts this way; a configuration file can never widen the list itself.
ALLOWED_HOSTS_ENV = "MIGRATION_ALLOWED_HOSTS"
# What the demo, the tests and the benchmarks allow (the Makefile says the same): the emulators on
# loopback, and placeholder orgs under .invalid, a name that never resolves (RFC 6761).
EMULATOR_HOSTS = "127.0.0.1,localhost,*.invalid"

# Dataverse environments live under *.dynamics.com (crm.dynamics.com, crm4…, crm6…; research/dataverse.md
# §1), Entra's token endpoint is login.microsoftonline.com (§1.1), Cliniko's API is api.<shard>.cliniko.com
# or api.cliniko.com (research/sources.md §2.1). Core Plus shows only sandbox.coreplus.com.au and
# staging.coreplus.com.au, the production host is "found when setting up your add-on" (research/sources-round2.md
# §2.3): assumed to be under coreplus.com.au.
SERVICE_HOSTS: dict[str, re.Pattern[str]] = {
    "dataverse": re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+dynamics\.com$"),
    "entra": re.compile(r"^login\.microsoftonline\.com$"),
    "cliniko": re.compile(r"^api(?:\.[a-z0-9]+)?\.cliniko\.com$"),
    "coreplus": re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+coreplus\.com\.au$"),
    "pracsuite": re.compile(r"^api\.pracsuite\.com$"),
}
SERVICE_HOST_TEXT = {
    "dataverse": "*.dynamics.com",
    "entra": "login.microsoftonline.com",
    "cliniko": "api.<shard>.cliniko.com or api.cliniko.com",
    "coreplus": "*.coreplus.com.au",
    "pracsuite": "api.pracsuite.com",
}

SECRET_PREFIX = "PM_"  # noqa: S105 (a variable-name prefix, not a secret)
# The part after the customer's prefix: words of capitals and digits joined by single underscores, so
# `__` appears exactly once and the customer a variable belongs to is unambiguous.
_SECRET_SUFFIX = r"[A-Z0-9]+(?:_[A-Z0-9]+)*"  # noqa: S105 (a pattern)


def secret_env_prefix(customer_id: str) -> str:
    """`PM_<CUSTOMER_ID>__`: the customer id upper-cased, hyphens as underscores."""
    return f"{SECRET_PREFIX}{customer_id.upper().replace('-', '_')}__"


def secret_env_name(customer_id: str, suffix: str) -> str:
    """The variable a customer's secret must live in, e.g. ('harbour-physio', 'DATAVERSE_SECRET') →
    PM_HARBOUR_PHYSIO__DATAVERSE_SECRET."""
    return secret_env_prefix(customer_id) + suffix


def secret_env_problem(customer_id: str, name: str) -> str | None:
    """Why `name` may not hold this customer's secret, or None when it may."""
    prefix = secret_env_prefix(customer_id)
    if name.startswith(prefix) and re.fullmatch(_SECRET_SUFFIX, name[len(prefix) :]):
        return None
    return f"expected an environment variable named {prefix}<NAME> (<NAME>: capitals, digits, single underscores)"


def operator_allowed_hosts() -> tuple[str, ...]:
    """The hosts in $MIGRATION_ALLOWED_HOSTS (read when called: the operator's environment decides)."""
    return tuple(h.strip().lower() for h in os.environ.get(ALLOWED_HOSTS_ENV, "").split(",") if h.strip())


def _operator_allows(host: str) -> bool:
    for allowed in operator_allowed_hosts():
        if allowed.startswith("*.") and host.endswith(allowed[1:]) and host != allowed[2:]:
            return True
        if host == allowed:
            return True
    return False


def url_problem(url: str, service: str) -> str | None:
    """Why `url` may not be used for `service` (dataverse | entra | cliniko | coreplus), or None when it may."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (a non-numeric port raises here)
    except ValueError:
        return "expected an https URL"
    if parts.scheme != "https" or not host:
        return "expected an https URL"
    if parts.username is not None or parts.password is not None:
        return "expected a URL without user or password (secrets come from the environment)"
    if SERVICE_HOSTS[service].match(host) or _operator_allows(host):
        return None
    return (
        f"host {host} is not {SERVICE_HOST_TEXT[service]}; an operator can allow another host in ${ALLOWED_HOSTS_ENV}"
    )
