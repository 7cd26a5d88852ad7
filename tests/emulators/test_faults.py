"""Fault injection: 5xx, dropped connections, slow responses, 429 storms, token expiry and a pause after writes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from emulator_helpers import acquire_token, answered_after, api_client, error_of

from emulators.launcher import RunningEmulators, start_emulators


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulators]:
    running = start_emulators(
        state_dir=tmp_path_factory.mktemp("faulty"),
        time_scale=0.01,
        manual_clock=True,  # slowness and storms last until the test moves the clock
        dataverse_options={"cost_model": False},
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def client(faulty: RunningEmulators) -> Iterator[httpx.Client]:
    faulty.dataverse_control.clear_faults()
    with api_client(faulty) as api:
        yield api
    faulty.dataverse_control.clear_faults()


def test_fail_next_gives_503_envelopes(faulty: RunningEmulators, client: httpx.Client) -> None:
    faulty.dataverse_control.set_faults(fail_next=2)
    statuses = [client.get("WhoAmI") for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert error_of(statuses[0])[:2] == (503, "0x80040216")


def test_error_rate_is_reproducible_with_a_seed(faulty: RunningEmulators, client: httpx.Client) -> None:
    runs = []
    for _ in range(2):
        faulty.dataverse_control.set_faults(replace=True, error_rate=0.3, error_status=502, seed=7)
        runs.append([client.get("WhoAmI").status_code for _ in range(30)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 502}


def test_dropped_connection_after_the_write(faulty: RunningEmulators, client: httpx.Client, unique: str) -> None:
    faulty.dataverse_control.set_faults(drop_next=1)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("contacts", json={"lastname": unique})
    rows = [r for r in faulty.dataverse_control.dump_table("contact") if r["lastname"] == unique]
    assert len(rows) == 1  # the write happened; only the answer was lost
    assert faulty.dataverse_control.stats()["faults"]["drop"] >= 1
    assert client.get("WhoAmI").status_code == 200


def test_slow_responses(faulty: RunningEmulators, client: httpx.Client) -> None:
    faulty.dataverse_control.set_faults(slow_rate=1.0, slow_seconds=20)
    assert answered_after(faulty, 20, lambda: client.get("WhoAmI")).status_code == 200
    assert faulty.dataverse_control.stats()["faults"]["slow"] >= 1


def test_slow_next_holds_the_next_write_after_applying_it(
    faulty: RunningEmulators, client: httpx.Client, unique: str
) -> None:
    slowed_before = faulty.dataverse_control.stats()["faults"].get("slow", 0)
    faulty.dataverse_control.set_faults(slow_next=1, slow_seconds=20)
    assert client.get("WhoAmI").status_code == 200  # a read is not counted: it answers at once
    created = answered_after(faulty, 20, lambda: client.post("contacts", json={"lastname": unique}))
    assert created.status_code == 204
    assert client.post("contacts", json={"lastname": unique}).status_code == 204  # only the next one was held
    rows = [r for r in faulty.dataverse_control.dump_table("contact") if r["lastname"] == unique]
    assert len(rows) == 2 and faulty.dataverse_control.stats()["faults"]["slow"] == slowed_before + 1


def test_429_storm(faulty: RunningEmulators, client: httpx.Client) -> None:
    faulty.dataverse_control.set_faults(storm_seconds=30, storm_facet="concurrency", storm_retry_after_seconds=10)
    stormed = client.get("WhoAmI")
    assert error_of(stormed)[:2] == (429, "0x80072326")
    assert float(stormed.headers["Retry-After"]) == pytest.approx(0.1)  # 10 s at time scale 0.01
    faulty.clock.advance(29.9)
    assert client.get("WhoAmI").status_code == 429  # the storm lasts 30 s
    faulty.clock.advance(0.2)
    assert client.get("WhoAmI").status_code == 200


def test_token_expiry(faulty: RunningEmulators, client: httpx.Client) -> None:
    faulty.dataverse_control.expire_tokens()
    expired = client.get("WhoAmI")
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    time.sleep(1.05)  # tokens carry whole-second iat claims
    with api_client(faulty, acquire_token(faulty)) as fresh:
        assert fresh.get("WhoAmI").status_code == 200


def test_short_lived_tokens_expire(faulty: RunningEmulators) -> None:
    faulty.entra_control.set_faults(None, token_lifetime_seconds=1)
    try:
        token = acquire_token(faulty)
    finally:
        faulty.entra_control.set_faults(None, token_lifetime_seconds=3599)
    with api_client(faulty, token) as client:
        time.sleep(1.1)
        assert client.get("WhoAmI").status_code == 401


def test_unknown_fault_is_refused(faulty: RunningEmulators) -> None:
    with pytest.raises(httpx.HTTPStatusError):
        faulty.dataverse_control.set_faults(explode=True)


def test_pause_after_writes_holds_the_answer_and_later_requests_until_cleared(
    faulty: RunningEmulators, client: httpx.Client, unique: str
) -> None:
    control = faulty.dataverse_control
    control.set_faults(replace=True, pause_after_writes=2)
    assert client.post("contacts", json={"lastname": f"{unique}-1"}).status_code == 204  # one record: no pause
    with pytest.raises(httpx.ReadTimeout):  # the second write is applied, its answer held
        client.post("contacts", json={"lastname": f"{unique}-2"}, timeout=1.0)
    with pytest.raises(httpx.ReadTimeout):  # a later request is held before it is processed
        client.post("contacts", json={"lastname": f"{unique}-3"}, timeout=1.0)
    assert control.stats()["faults"]["pause"] == 1
    written = sorted(r["lastname"] for r in control.dump_table("contact") if r["lastname"].startswith(unique))
    assert written == [f"{unique}-1", f"{unique}-2"]

    control.clear_faults()  # lifts the pause: the held request is processed, as a server processes what it got
    deadline = time.monotonic() + 60
    while len([r for r in control.dump_table("contact") if r["lastname"].startswith(unique)]) < 3:
        assert time.monotonic() < deadline, "the held request was never processed"
        time.sleep(0.05)
    assert client.get("WhoAmI").status_code == 200
