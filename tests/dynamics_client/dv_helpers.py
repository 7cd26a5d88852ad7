"""Helpers for the Dataverse client tests: connections to the emulators, deterministic GUIDs, payloads."""

from __future__ import annotations

import uuid
from typing import Any

from emulators.launcher import AppUser, RunningEmulators
from targets.dynamics import AppCredential, DataverseCapabilities, DataverseClient, DataverseConnection

# A shrunk clock (300 s windows last 3 s) and no simulated service time keep the suite fast; key indexes
# advance by control call so Pending → Active is observable (research/dataverse.md §6.2).
TIME_SCALE = 0.01
OPTIONS: dict[str, Any] = {"cost_model": False, "key_activation": {"mode": "manual"}}
DEFAULT_LIMITS = {"requests": 6000, "execution_seconds": 1200, "concurrency": 52, "window_seconds": 300}
GUIDS = uuid.UUID("0d7f4a52-6c1e-4b8e-9a43-3f2f1e0c9b11")


def connection(running: RunningEmulators, *extra: AppUser, secret: str | None = None) -> DataverseConnection:
    """A connection to the emulators as the default application user (plus ``extra`` users)."""
    ep = running.endpoints
    credentials = [AppCredential(ep.client_id, secret or ep.client_secret)]
    credentials += [AppCredential(user.client_id, user.client_secret) for user in extra]
    return DataverseConnection(
        url=str(ep.dataverse_url),
        tenant_id=ep.tenant_id,
        credentials=tuple(credentials),
        authority_host=str(ep.entra_url),
        ca_file=ep.ca_file,
        timeout_seconds=30,
    )


def make_client(
    running: RunningEmulators,
    *extra: AppUser,
    capabilities: DataverseCapabilities | None = None,
    **options: Any,
) -> DataverseClient:
    """A client for the emulators with backoff sleeps on the emulators' clock."""
    options.setdefault("clock_scale", TIME_SCALE)
    return DataverseClient(connection(running, *extra), capabilities, **options)


def guid(kind: str, number: int | str) -> str:
    """A deterministic GUID, as the loader derives them from canonical ids."""
    return str(uuid.uuid5(GUIDS, f"{kind}:{number}"))


def contacts(count: int, *, job: str = "first", start: int = 0) -> list[dict[str, Any]]:
    """``count`` contact payloads keyed by deterministic GUIDs."""
    return [
        {"contactid": guid("contact", i), "firstname": f"F{i}", "lastname": f"L{i:04d}", "jobtitle": job}
        for i in range(start, start + count)
    ]


def stored(running: RunningEmulators, table: str = "contact") -> list[dict[str, Any]]:
    """The rows the emulator holds for ``table``."""
    return running.dataverse_control.dump_table(table)
