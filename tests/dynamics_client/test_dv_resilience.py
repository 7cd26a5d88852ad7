"""Retries and throttling against injected faults: 503s, dropped connections, 429 storms, expired tokens."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from dv_helpers import DEFAULT_LIMITS, OPTIONS, TIME_SCALE, contacts, make_client, stored

from emulators.launcher import RunningEmulators, start_emulators
from targets.dynamics import DataverseClient

BATCH = 40


async def _load(dv: DataverseClient, rows: list[dict[str, Any]]) -> None:
    chunks = [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]
    await asyncio.gather(*(dv.upsert_multiple("contacts", "contact", chunk) for chunk in chunks))


def _assert_exactly(running: RunningEmulators, rows: list[dict[str, Any]]) -> None:
    held = stored(running)
    assert len(held) == len(rows)  # nothing lost, nothing duplicated
    assert {r["contactid"]: r["jobtitle"] for r in held} == {r["contactid"]: r["jobtitle"] for r in rows}


def test_503s_and_dropped_connections_are_retried(emulators: RunningEmulators) -> None:
    rows = contacts(1000)
    emulators.dataverse_control.set_faults(error_rate=0.25, drop_rate=0.15, seed=3)

    async def scenario() -> dict[str, Any]:
        async with make_client(emulators, initial_concurrency=4) as dv:
            await _load(dv, rows)
            return dv.stats.as_dict()

    stats = asyncio.run(scenario())
    faults = emulators.dataverse_control.stats()["faults"]
    _assert_exactly(emulators, rows)
    assert faults.get("server_error", 0) > 0 and faults.get("drop", 0) > 0
    # Every drop is seen as a connection error; an injected 503 is seen as a 503 unless the emulator then
    # also dropped that response (both faults can hit one request). Every failure seen is resent once.
    seen_503 = stats["statuses"].get("503", 0)
    assert stats["connection_errors"] == faults["drop"]
    assert faults["server_error"] - faults["drop"] <= seen_503 <= faults["server_error"]
    assert stats["retries"] == seen_503 + stats["connection_errors"]
    assert stats["records_written"] == len(rows)


def test_429_storm_and_token_expiry_mid_run(emulators: RunningEmulators) -> None:
    first, second = contacts(400), contacts(400, job="second")
    control = emulators.dataverse_control

    async def scenario() -> dict[str, Any]:
        async with make_client(emulators, initial_concurrency=4) as dv:
            await _load(dv, first)
            # 30 s nominal storm (0.3 s here) of the requests facet, then every token revoked.
            await asyncio.to_thread(control.set_faults, storm_seconds=30, storm_facet="requests")
            await _load(dv, second[:200])
            await asyncio.to_thread(control.expire_tokens)
            await _load(dv, second[200:])
            return dv.stats.as_dict()

    stats = asyncio.run(scenario())
    _assert_exactly(emulators, second)
    assert stats["throttled"].get("0x80072322", 0) >= 1
    assert stats["statuses"]["429"] == sum(stats["throttled"].values())
    assert stats["statuses"]["401"] >= 1 and stats["token_refreshes"] >= 1
    assert control.stats()["faults"]["storm"] == stats["statuses"]["429"]


def test_tiny_service_protection_limits_are_honoured(tmp_path: Path) -> None:
    # 30 requests per 300 s window (research §4.1, requests facet 0x80072322) on a manual clock: it stands
    # still, so the window holds exactly 30 requests and the 31st is refused however slow the machine is.
    # Each time the org refuses, the clock moves one window on, as the client's Retry-After wait would.
    options = {**OPTIONS, "limits": {**DEFAULT_LIMITS, "requests": 30}}
    rows = contacts(60 * 5)
    with start_emulators(
        state_dir=tmp_path, time_scale=TIME_SCALE, manual_clock=True, dataverse_options=options
    ) as org:
        control, done = org.dataverse_control, threading.Event()

        def turn_the_window() -> None:
            seen = 0
            while not done.is_set():
                refused = control.stats()["throttled"].get("requests", 0)
                if refused > seen:
                    seen = refused
                    org.clock.advance(300)
                done.wait(0.005)

        async def scenario() -> tuple[dict[str, Any], int, int]:
            async with make_client(org, initial_concurrency=16) as dv:
                limiter = next(iter(dv.limiters.values()))
                await asyncio.gather(
                    *(dv.upsert_multiple("contacts", "contact", rows[i : i + 5]) for i in range(0, 300, 5))
                )
                return dv.stats.as_dict(), limiter.limit, limiter.in_flight

        watcher = threading.Thread(target=turn_the_window, daemon=True)
        watcher.start()
        try:
            stats, limit, in_flight = asyncio.run(scenario())
        finally:
            done.set()
            watcher.join()
        _assert_exactly(org, rows)
        refused = control.stats()["throttled"]["requests"]
    assert stats["throttled"].get("0x80072322", 0) == refused >= 1
    assert stats["statuses"]["204"] == 60
    assert limit < 16 and in_flight == 0  # halved on the 429s, every slot given back


def test_two_application_users_share_the_work(emulators: RunningEmulators) -> None:
    second_user = emulators.add_app_user("loader-2")
    rows = contacts(400)

    async def scenario() -> dict[str, Any]:
        async with make_client(emulators, second_user) as dv:
            await _load(dv, rows)
            return dv.stats.as_dict()

    stats = asyncio.run(scenario())
    _assert_exactly(emulators, rows)
    per_credential = stats["per_credential"]
    assert set(per_credential) == {emulators.endpoints.client_id, second_user.client_id}
    assert abs(per_credential[emulators.endpoints.client_id] - per_credential[second_user.client_id]) <= 1
    per_user = emulators.dataverse_control.stats()["per_user"]
    assert per_user[second_user.systemuser_id]["requests"] == per_credential[second_user.client_id]
    writers = {row["createdby"]["id"] for row in stored(emulators)}
    assert second_user.systemuser_id in writers and len(writers) == 2
