"""Core Plus test helpers several test modules share (tests/helpers is on the path; a `conftest` import
would resolve to whichever conftest module pytest loaded first)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from emulators.launcher import RunningEmulators
from mappings.spec import load_spec
from mappings.staging import StageSummary, stage_partition
from mappings.transforms import MappingContext
from sources.coreplus.api import CoreplusApiSettings
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import Warehouse

# The generated appointments fall between late March and mid October 2026 (synthetic/coreplus.py).
WINDOW = (dt.date(2026, 3, 1), dt.date(2026, 10, 31))


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
