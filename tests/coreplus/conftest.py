"""Fixtures for the Core Plus tests: a small synthetic practice and its emulator (one per module)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulators.launcher import RunningEmulators, start_emulators
from mappings.spec import load_spec
from mappings.staging import StageSummary, stage_partition
from mappings.transforms import MappingContext
from sources.coreplus.api import CoreplusApiSettings
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import Warehouse
from synthetic.coreplus import write_practice

# The generated appointments fall between late March and mid October 2026 (synthetic/coreplus.py).
WINDOW = (dt.date(2026, 3, 1), dt.date(2026, 10, 31))


@pytest.fixture(scope="session")
def practice_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("coreplus") / "practice.json"
    write_practice(path, clients=12, seed=7)
    return path


@pytest.fixture(scope="session")
def practice(practice_file: Path) -> dict[str, Any]:
    import json

    return json.loads(practice_file.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def coreplus(practice_file: Path) -> Iterator[RunningEmulators]:
    """The Core Plus emulator alone, rate limit on (10 requests per second, as documented)."""
    running = start_emulators(dataverse=False, entra=False, coreplus=True, coreplus_practice=practice_file)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(autouse=True)
def fresh_rate_window(request: pytest.FixtureRequest) -> None:
    """Each test that talks to the shared emulator starts with an empty one-second rate-limit window and the
    practice as generated: the earlier tests' requests must not decide whether this one's first request is
    refused (a wall-clock race on a busy machine). The 429s the tests need are injected as faults."""
    if "coreplus" in request.fixturenames:
        running = request.getfixturevalue("coreplus")
        assert running.coreplus_control is not None
        running.coreplus_control.reset()


@pytest.fixture
def settings(coreplus: RunningEmulators) -> Iterator[CoreplusApiSettings]:
    """Extractor settings for the emulator (faults cleared before and after each test)."""
    assert coreplus.coreplus_control is not None
    coreplus.coreplus_control.clear_faults()
    yield make_settings(coreplus)
    coreplus.coreplus_control.clear_faults()


def make_settings(running: RunningEmulators, **overrides: Any) -> CoreplusApiSettings:
    e = running.endpoints
    env = {
        "PM_TEST__COREPLUS_CONSUMER_ID": e.coreplus_consumer_id or "",
        "PM_TEST__COREPLUS_CONSUMER_SECRET": e.coreplus_consumer_secret or "",
        "PM_TEST__COREPLUS_ACCESS_TOKEN": e.coreplus_access_token or "",
    }
    values: dict[str, Any] = {
        "base_url": f"{e.coreplus_url}/API/Core/v2",
        "ca_file": e.ca_file,
        "appointments_from": WINDOW[0],
        "appointments_to": WINDOW[1],
        "window_days": 60,
        "backoff_seconds": 0.05,
        **overrides,
    }
    return CoreplusApiSettings.from_env("PM_TEST__COREPLUS_", env, **values)


def stage_dump(dump: Path, site_time_zones: dict[str, str] | None = None) -> tuple[Warehouse, StageSummary]:
    """Load every resource of a Core Plus dump into a warehouse beside it and stage the trial partition
    (practice zone Australia/Sydney; `site_time_zones` as a customer's per-site setting)."""
    warehouse = Warehouse(dump.parent / "warehouse.duckdb")
    system = get_system("coreplus")
    for resource in system.resources:
        load_raw_resource(warehouse, system, resource, dump, "trial")
    context = MappingContext(
        "coreplus-test", "trial", "coreplus", "AU", "Australia/Sydney", site_time_zones or {}, dump_dir=dump
    )
    return warehouse, stage_partition(warehouse, load_spec("coreplus"), context)
