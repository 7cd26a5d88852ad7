"""Helpers for the Cliniko API tests: start the emulator on a dump, clients, dump files, the server's clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx

from emulators.launcher import RunningEmulators, ssl_context, start_emulators
from sources.cliniko.api import ApiClock
from sources.cliniko.api_settings import SOURCE_LIST_FIELD, ClinikoApiSettings

USER_AGENT = "practice-migration tests (migrations@example.org)"
TIME_SCALE = 0.01  # a 60 s rate-limit window lasts 0.6 s; client back-off shrinks the same way


@contextmanager
def cliniko_emulator(
    dump: Path, *, time_scale: float = TIME_SCALE, manual_clock: bool = False, **options: Any
) -> Iterator[RunningEmulators]:
    """The Cliniko emulator alone, serving ``dump`` over HTTPS on a loopback port (options: see its README).

    ``manual_clock``: its rate-limit windows move only when the test advances ``running.clock``.
    """
    running = start_emulators(
        dataverse=False,
        entra=False,
        cliniko=True,
        cliniko_dump=dump,
        cliniko_options=options,
        time_scale=time_scale,
        manual_clock=manual_clock,
    )
    try:
        yield running
    finally:
        running.stop()


def api_settings(running: RunningEmulators, **overrides: Any) -> ClinikoApiSettings:
    """Extractor settings for the emulator: its key, its URL standing in for api.<shard>.cliniko.com, its CA."""
    endpoints = running.endpoints
    values: dict[str, Any] = {
        "api_key": endpoints.cliniko_api_key,
        "user_agent": USER_AGENT,
        "base_url": f"{endpoints.cliniko_url}/v1",
        "ca_file": endpoints.ca_file,
        "time_scale": TIME_SCALE,
    }
    values.update(overrides)
    return ClinikoApiSettings(**values)


def emulator_api_clock(running: RunningEmulators, waits: list[float] | None = None) -> ApiClock:
    """The extractor's clock on the emulator's manual one: waiting advances the emulator's clock by exactly the
    wait (recorded in ``waits``), so which request falls into which window never depends on the machine."""
    clock = running.clock

    def wait(seconds: float) -> None:
        if waits is not None:
            waits.append(seconds)
        clock.advance(clock.nominal(seconds))

    return ApiClock(monotonic=clock.now, epoch=clock.wall, sleep=wait)


def raw_client(
    running: RunningEmulators, *, key: str | None = None, user_agent: str | None = USER_AGENT
) -> httpx.Client:
    """A plain httpx client on the emulator's /v1 (Basic auth with ``key``; ``user_agent`` None sends none)."""
    endpoints = running.endpoints
    client = httpx.Client(
        base_url=f"{endpoints.cliniko_url}/v1/",
        auth=httpx.BasicAuth(key if key is not None else str(endpoints.cliniko_api_key), ""),
        headers={"Accept": "application/json"},
        verify=ssl_context(endpoints.ca_file),
        timeout=30,
    )
    if user_agent is None:
        del client.headers["User-Agent"]
    else:
        client.headers["User-Agent"] = user_agent
    return client


def control(running: RunningEmulators, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """A call to the emulator's /_emulator control paths (e.g. /faults, which ClinikoControl does not wrap)."""
    endpoints = running.endpoints
    with httpx.Client(verify=ssl_context(endpoints.ca_file), timeout=30) as client:
        response = client.request(method, f"{endpoints.cliniko_url}/_emulator{path}", json=body)
    response.raise_for_status()
    return response.json()


def stats(running: RunningEmulators) -> dict[str, Any]:
    assert running.cliniko_control is not None
    return running.cliniko_control.stats()


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    """Every record of an NDJSON file (a cp1252 line decodes as the emulator and the reader decode it)."""
    records = []
    for raw in path.read_bytes().splitlines():
        if raw.strip():
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
            records.append(json.loads(text))
    return records


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    keyed = {str(r["id"]): r for r in records}
    assert len(keyed) == len(records), "duplicate ids"
    return keyed


def as_served(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """by_id of extracted records without the list each was read from (the one field the extraction adds)."""
    return by_id([{k: v for k, v in r.items() if k != SOURCE_LIST_FIELD} for r in records])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def server_clock(running: RunningEmulators) -> dt.datetime:
    """The emulator's clock as its Date header shows it (whole seconds; uvicorn refreshes it about once a
    second, so it can trail the real time by up to a second)."""
    endpoints = running.endpoints
    with httpx.Client(verify=ssl_context(endpoints.ca_file), timeout=30) as client:
        response = client.get(f"{endpoints.cliniko_url}/_emulator/stats")
    return parsedate_to_datetime(response.headers["date"]).astimezone(dt.UTC)


def wait_until_server_clock_passes(running: RunningEmulators, moment: dt.datetime, timeout: float = 120.0) -> None:
    """Wait until the server's Date is past ``moment``'s second, so a pass starting now puts every change made
    at or before ``moment`` before its cut-off (the extractor's window ends at the server's clock)."""
    deadline = time.monotonic() + timeout
    while server_clock(running) <= moment.replace(microsecond=0):
        assert time.monotonic() < deadline, "the server's clock did not advance"
        time.sleep(0.05)


def parse_instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
