"""Core Plus test helpers several test modules share (tests/helpers is on the path; a `conftest` import
would resolve to whichever conftest module pytest loaded first)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from customers.endpoints import secret_env_name
from emulators.coreplus.constants import TIME_ZONES
from emulators.launcher import RunningEmulators
from mappings.spec import load_spec
from mappings.staging import StageSummary, stage_partition
from mappings.transforms import MappingContext
from sources.coreplus.api import ENV_NAMES, CoreplusApiSettings, dump_key
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import Warehouse


def dump_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _local(practice: dict[str, Any], appointment: dict[str, Any]) -> str:
    """The appointment's time as the API writes it in its own location's zone ("… +10:00")."""
    zone_of = {loc["locationId"]: TIME_ZONES[loc["timezoneId"]] for loc in practice["locations"]}
    start = dt.datetime.fromisoformat(appointment["start"]).replace(tzinfo=ZoneInfo(zone_of[appointment["locationId"]]))
    offset = start.strftime("%z")
    return f"{appointment['start']} {offset[:3]}:{offset[3:]}"


def _as_dumped(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """API records with their top-level keys as the dump writes them (values untouched)."""
    return [{dump_key(k): v for k, v in r.items()} for r in records]


def assert_dump_equals_practice(out: Path, practice: dict[str, Any]) -> None:
    assert dump_lines(out / "locations.ndjson") == _as_dumped(practice["locations"])
    assert dump_lines(out / "practitioners.ndjson") == _as_dumped(practice["practitioners"])
    assert dump_lines(out / "clients.ndjson") == _as_dumped(practice["clients"])
    assert dump_lines(out / "invoices.ndjson") == _as_dumped(practice["invoices"])
    family = dump_lines(out / "client_family.ndjson")
    assert sorted(family, key=lambda r: r["family_id"]) == sorted(
        _as_dumped(practice["clientFamilies"]), key=lambda r: r["family_id"]
    )
    appointments = {a["appointment_id"]: a for a in dump_lines(out / "appointments.ndjson")}
    assert len(appointments) == len(dump_lines(out / "appointments.ndjson")) == len(practice["appointments"])
    for source in practice["appointments"]:
        got = appointments[source["appointmentId"]]
        assert got["start_date_time"] == _local(practice, source)
        assert got["clients"] == [{"clientId": source["clientId"]}]
        assert got["practitioner"] == {"practitionerId": source["practitionerId"]}
    manifest = json.loads((out / "manifest.json").read_text())
    counts = {f["path"]: f["records"] for f in manifest["files"]}
    assert counts["clients.ndjson"] == len(practice["clients"])
    assert counts["appointments.ndjson"] == len(practice["appointments"])
    assert not (out / ".extract").exists()


# The generated practice (synthetic/coreplus.py on the neutral small practice): client n's visits are on
# 2 March 2026 + n % 60 days and a week later (2 March to 7 May), plus the DST-day visits of 5 April and 4 October.
WINDOW = (dt.date(2026, 3, 1), dt.date(2026, 10, 31))
# The arguments of the practice the shared emulator serves (tests/coreplus/conftest.py) and of its CSV export.
PRACTICE_ARGS: dict[str, Any] = {"clients": 12, "seed": 7}


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


def api_source_block(running: RunningEmulators, customer_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A customer's `source.<run kind>` block naming the emulator's API and the customer's environment
    variables, and those variables' values (the add-on's credentials)."""
    e = running.endpoints
    names = {suffix: secret_env_name(customer_id, f"COREPLUS_{suffix}") for suffix in ENV_NAMES}
    env = {
        names["CONSUMER_ID"]: e.coreplus_consumer_id or "",
        names["CONSUMER_SECRET"]: e.coreplus_consumer_secret or "",
        names["ACCESS_TOKEN"]: e.coreplus_access_token or "",
    }
    block = {
        "base_url": f"{e.coreplus_url}/API/Core/v2",
        "consumer_id_env": names["CONSUMER_ID"],
        "consumer_secret_env": names["CONSUMER_SECRET"],
        "access_token_env": names["ACCESS_TOKEN"],
        "appointments_from": WINDOW[0].isoformat(),
        "appointments_to": WINDOW[1].isoformat(),
        "window_days": 60,
        "ca_file": e.ca_file,
    }
    return block, env


@dataclass(frozen=True)
class PracticeChanges:
    """What `work_in_practice` did, by API id."""

    changed_client: str
    created_client: str
    deleted_client: str
    changed_appointment: str
    deleted: dict[str, set[str]]  # dump resource → ids removed with the deleted client


def work_in_practice(practice: dict[str, Any]) -> tuple[dict[str, Any], PracticeChanges]:
    """The practice a delta window later: one client renamed, one created, one deleted (with its family,
    appointments and invoices), one appointment's status changed. Returns (new practice, what changed)."""
    data = copy.deepcopy(practice)
    clients = data["clients"]
    changed, deleted = clients[0], clients[1]
    changed["lastName"] = "Deltawindow"
    created = {**copy.deepcopy(clients[2]), "clientId": str(uuid.UUID(int=20, version=4)), "firstName": "Aroha"}
    created["ExternalId"] = "EXT-NEW-1"
    clients.append(created)
    gone = deleted["clientId"]
    removed = {
        "clients": {gone},
        "client_family": {f["familyId"] for f in data["clientFamilies"] if f["clientId"] == gone},
        "appointments": {a["appointmentId"] for a in data["appointments"] if a["clientId"] == gone},
        "invoices": {i["invoiceId"] for i in data["invoices"] if i["clientId"] == gone},
    }
    data["clients"] = [c for c in clients if c["clientId"] != gone]
    data["clientFamilies"] = [f for f in data["clientFamilies"] if f["clientId"] != gone]
    data["appointments"] = [a for a in data["appointments"] if a["clientId"] != gone]
    data["invoices"] = [i for i in data["invoices"] if i["clientId"] != gone]
    appointment = next(a for a in data["appointments"] if a["clientId"] == clients[3]["clientId"])
    appointment["status"] = "Cancelled" if appointment["status"] != "Cancelled" else "Attended"
    return data, PracticeChanges(changed["clientId"], created["clientId"], gone, appointment["appointmentId"], removed)


def register_api_customer(
    home: Path,
    running: RunningEmulators,
    customer_id: str,
    practice: dict[str, Any],
    patch: Any,
    *,
    live: bool = False,
) -> Any:
    """Register an AU customer whose trial (and with `live`, live) source is the emulator's API, with the
    practice's per-site zones and a one-minute delta poll; `patch` (a MonkeyPatch) sets the credentials'
    variables, MIGRATION_HOME and the loopback host allowance. Returns the registered CustomerConfig."""
    import yaml

    from customers import MigrationHome

    block, env = api_source_block(running, customer_id)
    for name, value in env.items():
        patch.setenv(name, value)
    patch.setenv("MIGRATION_HOME", str(home))
    patch.setenv("MIGRATION_ALLOWED_HOSTS", "127.0.0.1,localhost,*.invalid")
    customer = {
        "customer_id": customer_id,
        "name": f"Practice {customer_id}",
        "country": "AU",
        "time_zone": "Australia/Sydney",
        "source": {"system": "coreplus", "trial": block, **({"live": dict(block)} if live else {})},
        "fallback_owner_email": "owner@example.org",
        "sites": [
            {"source_id": loc["locationId"], "time_zone": TIME_ZONES[loc["timezoneId"]]}
            for loc in practice["locations"]
        ],
        "delta": {"window_hours": 24, "poll_minutes": 1, "deletions": "deactivate"},
    }
    inbox = home.parent / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / f"{customer_id}.yaml"
    path.write_text(yaml.safe_dump(customer, sort_keys=False), encoding="utf-8")
    return MigrationHome(home).register(path)
