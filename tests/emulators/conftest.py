"""Session-scoped emulator fixtures: one Entra + Dataverse pair over real TLS on 127.0.0.1."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from emulator_helpers import api_client

from emulators.launcher import RunningEmulators, emulator_fixture

# Cost model off and a shrunk clock keep the suite fast; key indexes advance by control call so the
# Pending → Active transition is observable (research/dataverse.md §6.2).
SHARED_OPTIONS: dict[str, Any] = {
    "cost_model": False,
    "key_activation": {"mode": "manual"},
    "users": [
        {"firstname": "Dana", "lastname": "Enabled", "internalemailaddress": "dana@clinic.example"},
        {
            "firstname": "Olly",
            "lastname": "Gone",
            "internalemailaddress": "olly@clinic.example",
            "isdisabled": True,
        },
    ],
}


# The launcher's own fixture factory (also what other test suites and the demo use).
emulators = emulator_fixture(time_scale=0.01, dataverse_options=SHARED_OPTIONS)


@pytest.fixture(scope="session")
def requests_trust(emulators: RunningEmulators) -> Iterator[str]:
    """requests (used by the Dataverse SDK) takes its CA bundle from REQUESTS_CA_BUNDLE (research §1.3)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", emulators.endpoints.ca_file)
        patch.setenv("CURL_CA_BUNDLE", emulators.endpoints.ca_file)
        yield emulators.endpoints.ca_file


@pytest.fixture(scope="session")
def api(emulators: RunningEmulators) -> Iterator[httpx.Client]:
    client = api_client(emulators)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def unique() -> str:
    """A suffix that keeps rows of different tests apart in the shared org."""
    return uuid.uuid4().hex[:10]
