"""Service protection per user: requests, execution time and concurrency facets (research §4.1)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from emulator_helpers import acquire_token, api_client, error_of

from emulators.launcher import RunningEmulators, start_emulators

# At time scale 0.005 the 300 s window lasts 1.5 s, so a throttled client recovers quickly.
SCALE = 0.005
LIMITS = {"requests": 20, "concurrency": 3, "execution_seconds": 1200}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulators]:
    running = start_emulators(
        state_dir=tmp_path_factory.mktemp("limited"),
        time_scale=SCALE,
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
    done, throttled = 0, 0
    started = time.monotonic()
    with _client(limited) as client:
        while done < 45:
            response = client.post("contacts", json={"lastname": f"patient-{done}"})
            if response.status_code == 429:
                throttled += 1
                time.sleep(float(response.headers["Retry-After"]))
                continue
            assert response.status_code == 204
            done += 1
    assert throttled >= 2  # 45 requests need at least three 1.5 s windows
    assert time.monotonic() - started >= 2 * 300 * SCALE * 0.9


def test_users_are_limited_separately(limited: RunningEmulators) -> None:
    with _client(limited) as first, _client(limited) as second:
        for _ in range(20):
            first.get("WhoAmI")
        assert first.get("WhoAmI").status_code == 429
        assert second.get("WhoAmI").status_code == 200


def test_concurrency_facet(limited: RunningEmulators) -> None:
    # 20 s of nominal service time per request keeps each request in flight for 100 ms.
    limited.dataverse_control.config(cost_model={"enabled": True, "base_latency_ms": 20000, "per_record_ms": 0})
    try:
        with _client(limited) as client:
            client.get("WhoAmI")  # warm the connection pool before the burst
            time.sleep(300 * SCALE)
            with ThreadPoolExecutor(max_workers=8) as pool:
                responses = list(pool.map(lambda _: client.get("WhoAmI"), range(8)))
    finally:
        limited.dataverse_control.config(cost_model={"enabled": False})
    throttled = [r for r in responses if r.status_code == 429]
    assert 1 <= len(throttled) <= 5
    assert len(responses) - len(throttled) >= 3
    assert {error_of(r)[1:] for r in throttled} == {
        ("0x80072326", "Number of concurrent requests exceeded the limit of 3.")
    }
    assert limited.dataverse_control.stats()["max_concurrency"] <= 3


def test_execution_time_facet(limited: RunningEmulators) -> None:
    limited.dataverse_control.config(
        limits={"execution_seconds": 30},
        cost_model={"enabled": True, "base_latency_ms": 20000, "per_record_ms": 0},
    )
    try:
        with _client(limited) as client:
            statuses = [client.get("WhoAmI") for _ in range(3)]
    finally:
        limited.dataverse_control.config(limits=LIMITS, cost_model={"enabled": False})
    assert [r.status_code for r in statuses] == [200, 200, 429]
    expected = (
        "Combined execution time of incoming requests exceeded limit of 30,000  milliseconds over time "
        "window of 300 seconds. Decrease number of concurrent requests or reduce the duration of requests "
        "and try again later."
    )
    assert error_of(statuses[2]) == (429, "0x80072321", expected)
    assert 0 < float(statuses[2].headers["Retry-After"]) <= 300 * SCALE
