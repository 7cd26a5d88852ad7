"""Benchmark: Cliniko API extraction (full and delta) against the Cliniko emulator over real HTTPS.

Cliniko allows 200 requests a minute (research/sources.md §2.2), so a real extraction is bound by that
limit, not by this machine. The benchmark runs with the limit lifted to measure the local machinery
(extractor + emulator + TLS), checks that it is at least ten times faster than the limit allows (so it is
never the bottleneck), and projects how long the limit makes a full extraction of a large practice take.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import shutil
import tempfile
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from emulators.launcher import ssl_context, start_emulators
from sources.cliniko.api import extract_changes, extract_full
from sources.cliniko.api_settings import REQUESTS_PER_MINUTE, ClinikoApiSettings
from synthetic import generate_practice

CLIENTS = 2000
LIMITED_TIME_SCALE = 0.05  # the paced pass: Cliniko's 200/min on a clock 20× faster (a 3 s window)
CEILING_RECORDS_PER_MINUTE = REQUESTS_PER_MINUTE * 100  # 100 records per page
CHANGES = 200  # patient updates between the full extract and the delta
PROJECTED_CLIENTS = 100_000
TARGET_REQUESTS_PER_SECOND = round(10 * REQUESTS_PER_MINUTE / 60, 1)
UNLIMITED = 1_000_000
USER_AGENT = "practice-migration bench (migrations@example.org)"


def _wait_for_server_clock(url: str | None, ca_file: str, stamp: str) -> None:
    """Until the server's Date is past ``stamp``'s second: the delta's window ends at the server's clock, which
    uvicorn refreshes about once a second, so a change in the last second could otherwise wait for the next pass."""
    moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    with httpx.Client(verify=ssl_context(ca_file), timeout=30) as client:
        while parsedate_to_datetime(client.get(f"{url}/_emulator/stats").headers["date"]) <= moment:
            time.sleep(0.05)


def _settings(ep: Any, **limits: Any) -> ClinikoApiSettings:
    """Client settings for the emulator's account (key, CA) with the given limits."""
    return ClinikoApiSettings(
        api_key=str(ep.cliniko_api_key),
        user_agent=USER_AGENT,
        base_url=f"{ep.cliniko_url}/v1",
        ca_file=ep.ca_file,
        **limits,
    )


def _paced(work: pathlib.Path, dump: pathlib.Path, clients: int) -> dict[str, Any]:
    """A full extraction against the emulator enforcing 200 requests a minute (clock × LIMITED_TIME_SCALE):
    requests and records per (Cliniko-clock) minute against the limit and the 20,000 records/min ceiling
    (which needs every request to be a full page; attachment downloads are requests of one file each)."""
    with start_emulators(
        dataverse=False, entra=False, cliniko=True, cliniko_dump=dump, time_scale=LIMITED_TIME_SCALE
    ) as running:
        settings = _settings(running.endpoints, time_scale=LIMITED_TIME_SCALE)
        started = time.perf_counter()
        full = extract_full(settings, work / "paced")
        seconds = time.perf_counter() - started
        served = running.cliniko_control.stats() if running.cliniko_control else {}
    minutes = seconds / LIMITED_TIME_SCALE / 60  # what the pass takes at Cliniko's real clock
    records = sum(full.records.values())
    per_minute = records / minutes
    attachment_requests = full.attachments + len(full.missing_attachments)
    list_minutes = minutes * (full.stats.requests - attachment_requests) / full.stats.requests
    list_per_minute = records / list_minutes
    return {
        "clients": clients,
        "records": records,
        "requests": full.stats.requests,
        "attachment_downloads": attachment_requests,
        "records_per_list_request": round(records / max(full.stats.requests - attachment_requests, 1), 1),
        "real_clock_minutes": round(minutes, 2),
        "records_per_minute": round(per_minute),
        "requests_per_minute": round(full.stats.requests / minutes, 1),
        "ceiling_records_per_minute": CEILING_RECORDS_PER_MINUTE,
        "share_of_request_limit": round(full.stats.requests / minutes / REQUESTS_PER_MINUTE, 2),
        "share_of_ceiling": round(per_minute / CEILING_RECORDS_PER_MINUTE, 2),
        # The ceiling is for list pages (100 records a request); attachments have no list form — each file is
        # one request — so the target is judged on the minutes spent on list requests.
        "list_records_per_minute": round(list_per_minute),
        "list_share_of_ceiling": round(list_per_minute / CEILING_RECORDS_PER_MINUTE, 2),
        "throttled_429": int(served.get("throttled", 0) or 0),
        "passed": list_per_minute >= 0.9 * CEILING_RECORDS_PER_MINUTE,
    }


def run(out_dir: pathlib.Path, clients: int = CLIENTS) -> dict[str, Any]:
    """Generate a practice of ``clients`` under ``out_dir``, extract it in full, change it, extract the delta.

    Returns:
        Sizes, seconds, requests and rates of both passes, the projection at Cliniko's limit, target and passed.
    """
    work = pathlib.Path(out_dir) / "cliniko-api-bench"
    shutil.rmtree(work, ignore_errors=True)
    as_of = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    generated = generate_practice(work / "dump", country="NZ", clients=clients, seed=3, as_of=as_of)
    options = {"rate_limit": {"requests": UNLIMITED, "window_seconds": 60}}
    with start_emulators(
        dataverse=False, entra=False, cliniko=True, cliniko_dump=generated.out_dir, cliniko_options=options
    ) as running:
        ep = running.endpoints
        settings = _settings(ep, requests_per_minute=UNLIMITED)
        started = time.perf_counter()
        full = extract_full(settings, work / "full")
        full_seconds = time.perf_counter() - started
        control = running.cliniko_control
        assert control is not None
        patients = [json.loads(line)["id"] for line in (generated.out_dir / "patients.ndjson").open()]
        last = ""
        for patient_id in patients[:CHANGES]:
            last = control.update("patients", patient_id, occupation="Benchmark")["updated_at"]
        _wait_for_server_clock(running.endpoints.cliniko_url, ep.ca_file, last)
        started = time.perf_counter()
        delta = extract_changes(settings, work / "delta", since=full.high_water_mark)
        delta_seconds = time.perf_counter() - started
    records = sum(full.records.values())
    dump_bytes = sum(p.stat().st_size for p in (work / "full").rglob("*") if p.is_file())
    requests_per_client = full.stats.requests / clients
    projected_requests = requests_per_client * PROJECTED_CLIENTS
    requests_per_second = full.stats.requests / full_seconds
    paced = _paced(work, generated.out_dir, clients)
    shutil.rmtree(work, ignore_errors=True)
    return {
        "benchmark": "cliniko_api_extract",
        "paced_at_cliniko_limit": paced,
        "clients": clients,
        "records": records,
        "attachments": full.attachments,
        "dump_bytes": dump_bytes,
        "full": {
            "seconds": round(full_seconds, 3),
            "requests": full.stats.requests,
            "pages": full.stats.pages,
            "records_per_second": round(records / full_seconds, 1),
            "requests_per_second": round(requests_per_second, 1),
        },
        "delta": {
            "changes": min(CHANGES, len(patients)),
            "records": delta.records["patients"],
            "seconds": round(delta_seconds, 3),
            "requests": delta.stats.requests,
        },
        "at_cliniko_limit": {
            "requests_per_minute": REQUESTS_PER_MINUTE,
            "full_minutes": round(full.stats.requests / REQUESTS_PER_MINUTE, 1),
            "delta_minutes": round(delta.stats.requests / REQUESTS_PER_MINUTE, 1),
            "projected_clients": PROJECTED_CLIENTS,
            "projected_full_hours": round(projected_requests / REQUESTS_PER_MINUTE / 60, 1),
        },
        "target_requests_per_second": TARGET_REQUESTS_PER_SECOND,
        "passed": requests_per_second >= TARGET_REQUESTS_PER_SECOND and delta.records["patients"] == CHANGES,
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="cliniko-api-bench-") as scratch:
        print(json.dumps(run(pathlib.Path(scratch)), indent=2))
