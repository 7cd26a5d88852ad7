"""Service protection per user: requests, execution time and concurrency facets (research §4.1).

The emulator runs on a manual clock: a window ends only when a test advances it, and a request charged service
time stays in flight until then, so which requests share a window or are in flight together never depends on
how fast the machine is.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from emulator_helpers import acquire_token, api_client, error_of, wait_until_held

from emulators.launcher import RunningEmulators, start_emulators

# At time scale 0.005 the 300 s window lasts 1.5 s of (manual) clock time.
SCALE = 0.005
LIMITS = {"requests": 20, "concurrency": 3, "execution_seconds": 1200}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulators]:
    running = start_emulators(
        state_dir=tmp_path_factory.mktemp("limited"),
        time_scale=SCALE,
        manual_clock=True,
        dataverse_options={"cost_model": False, "limits": LIMITS},
    )
    try:
        yield running
    finally:
        running.stop()


def _client(running: RunningEmulators) -> httpx.Client:
    user = running.add_app_user()
    return api_client(running, acquire_token(running, user.client_id, user.client_secret))


def test_a_client_that_ignores_retry_after_gets_429s(limited: RunningEmulators) -> None:
    before = limited.dataverse_control.stats()
    with _client(limited) as client:
        responses = [client.get("WhoAmI") for _ in range(25)]
    statuses = [r.status_code for r in responses]
    assert statuses == [200] * 20 + [429] * 5
    status, code, message = error_of(responses[-1])
    assert (status, code) == (429, "0x80072322")
    assert message == "Number of requests exceeded the limit of 20 over time window of 300 seconds."
    waits = [float(r.headers["Retry-After"]) for r in responses[20:]]
    assert all(0 < w <= 300 * SCALE for w in waits)
    remaining = [int(r.headers["x-ms-ratelimit-burst-remaining-xrm-requests"]) for r in responses[:20]]
    assert remaining == list(range(19, -1, -1))
    after = limited.dataverse_control.stats()
    assert after["requests"] - before["requests"] == 25
    assert after["throttled"]["requests"] - before["throttled"]["requests"] == 5
    assert after["statuses"]["429"] - before["statuses"].get("429", 0) == 5


def test_a_client_that_honours_retry_after_completes(limited: RunningEmulators) -> None:
    done, throttled, waited = 0, 0, 0.0
    with _client(limited) as client:
        while done < 45:
            response = client.post("contacts", json={"lastname": f"patient-{done}"})
            if response.status_code == 429:
                throttled += 1
                # The client waits Retry-After (and, like any sleep, a little more): the clock moves that far.
                wait = float(response.headers["Retry-After"]) + 0.001
                waited += wait
                limited.clock.advance(limited.clock.nominal(wait))
                continue
            assert response.status_code == 204
            done += 1
    assert throttled == 2  # 45 requests at 20 per window: 20, 429, 20, 429, 5
    assert waited == pytest.approx(2 * (300 * SCALE + 0.001))  # each wait was the whole window


def test_users_are_limited_separately(limited: RunningEmulators) -> None:
    with _client(limited) as first, _client(limited) as second:
        for _ in range(20):
            first.get("WhoAmI")
        assert first.get("WhoAmI").status_code == 429
        assert second.get("WhoAmI").status_code == 200


def test_concurrency_facet(limited: RunningEmulators) -> None:
    # 20 s of nominal service time per request: each stays in flight until the test moves the clock past it.
    limited.dataverse_control.config(cost_model={"enabled": True, "base_latency_ms": 20000, "per_record_ms": 0})
    try:
        with _client(limited) as client, ThreadPoolExecutor(max_workers=3) as pool:
            held = [pool.submit(client.get, "WhoAmI") for _ in range(3)]
            wait_until_held(limited, 3)
            refused = client.get("WhoAmI")  # a fourth while three are in flight
            limited.clock.advance(25)
            answered = [f.result() for f in held]
    finally:
        limited.dataverse_control.config(cost_model={"enabled": False})
    assert [r.status_code for r in answered] == [200] * 3
    assert error_of(refused) == (429, "0x80072326", "Number of concurrent requests exceeded the limit of 3.")
    assert float(refused.headers["Retry-After"]) == pytest.approx(1 * SCALE)  # 1 s for concurrency (§4.1)
    assert limited.dataverse_control.stats()["max_concurrency"] == 3
