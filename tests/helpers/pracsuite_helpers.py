"""PracSuite test helpers several test modules share (tests/helpers is on the path)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golden_staging import stage_delivery

from emulators.launcher import RunningEmulators
from sources.pracsuite.api import PracsuiteApiSettings
from sources.pracsuite.settings import ENDPOINTS, RESOURCES
from store import Warehouse


def make_settings(running: RunningEmulators, **overrides: Any) -> PracsuiteApiSettings:
    """Client settings for the emulator, the keys read from an environment as a customer's would be."""
    e = running.endpoints
    env = {
        "PM_TEST__PRACSUITE_VENDOR_KEY": e.pracsuite_vendor_key or "",
        "PM_TEST__PRACSUITE_ACCOUNT_KEY": e.pracsuite_account_key or "",
    }
    values: dict[str, Any] = {"base_url": f"{e.pracsuite_url}/v1", "ca_file": e.ca_file, "backoff_seconds": 0.05}
    return PracsuiteApiSettings.from_env("PM_TEST__PRACSUITE_", env, **{**values, **overrides})


def dump_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _without_links(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "links"} for r in records]


def assert_dump_equals_practice(out: Path, practice: dict[str, Any]) -> None:
    """Every list of the practice, record for record, in the dump (a merged snapshot appends new records:
    compared in id order)."""
    manifest = json.loads((out / "manifest.json").read_text())
    counts = {f["path"]: f["records"] for f in manifest["files"]}
    for name, _segment, key in ENDPOINTS:
        id_field = RESOURCES[name].key
        expected = sorted(practice.get(key, []), key=lambda r: int(r[id_field]))
        got = sorted(dump_lines(out / f"{name}.ndjson"), key=lambda r: int(r[id_field]))
        assert _without_links(got) == expected, name
        assert counts[f"{name}.ndjson"] == len(expected)
        assert all(r["links"]["self"].endswith(f"/v1/{_segment}/{r[id_field]}") for r in got)
    assert manifest["system"] == "pracsuite" and manifest["high_water_mark"].endswith("Z")
    assert not (out / ".extract").exists()


def stage_dump(dump: Path, site_time_zones: dict[str, str] | None = None) -> Warehouse:
    """Load every resource of a PracSuite dump into a warehouse beside it and stage the trial partition
    (the tenant's zone Australia/Sydney; `site_time_zones` as a customer's per-site setting)."""
    return stage_delivery(
        "pracsuite", dump, country="AU", time_zone="Australia/Sydney", site_time_zones=site_time_zones
    )
