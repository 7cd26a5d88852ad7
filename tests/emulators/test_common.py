"""Shared emulator helpers: TLS material, the time scale and managed (asynchronous) states."""

from __future__ import annotations

import asyncio
import pathlib

import pytest

from emulators.common.managed_state import ManagedState
from emulators.common.timescale import TimeScale
from emulators.common.tls import ensure_tls


def test_tls_material_is_reused_and_renewed(tmp_path: pathlib.Path) -> None:
    first = ensure_tls(tmp_path)
    ca, cert = first.ca_file.read_bytes(), first.cert_file.read_bytes()
    again = ensure_tls(tmp_path)
    assert (again.ca_file.read_bytes(), again.cert_file.read_bytes()) == (ca, cert)
    first.cert_file.unlink()
    renewed = ensure_tls(tmp_path)
    assert renewed.ca_file.read_bytes() == ca and renewed.cert_file.read_bytes() != cert
    assert oct(first.key_file.stat().st_mode & 0o777) == "0o600"


def test_time_scale() -> None:
    clock = TimeScale(0.01)
    assert clock.scaled(300) == pytest.approx(3.0)
    assert clock.nominal(3.0) == pytest.approx(300)
    assert clock.retry_after_header(0.1234) == "0.123"
    assert TimeScale(1.0).retry_after_header(2.1) == "3"  # Dataverse sends whole seconds (§4.1)
    with pytest.raises(ValueError):
        TimeScale(0)


def test_a_manual_clock_moves_only_when_advanced_and_holds_sleeps_until_then() -> None:
    clock = TimeScale(0.01, manual=True)
    start, wall = clock.now(), clock.wall()

    async def scenario() -> list[str]:
        events: list[str] = []

        async def sleeper() -> None:
            await clock.sleep(20)  # 20 s nominal = 0.2 s of clock time
            events.append("woke")

        task = asyncio.create_task(sleeper())
        for _ in range(20):  # real time passes, the clock does not
            await asyncio.sleep(0.005)
        events.append(f"held {clock.sleeping}")
        clock.advance(19.9)
        for _ in range(5):
            await asyncio.sleep(0.005)
        events.append(f"held {clock.sleeping}")
        clock.advance(0.2)
        await task
        return events

    assert asyncio.run(scenario()) == ["held 1", "held 1", "woke"]
    assert clock.now() - start == pytest.approx(0.201) and clock.wall() - wall == pytest.approx(0.201)
    assert clock.sleeping == 0
    with pytest.raises(RuntimeError):
        TimeScale(0.01).advance(1)  # a real clock cannot be moved
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_managed_state_modes() -> None:
    clock = TimeScale(0.01)
    states = ("Pending", "InProgress", "Active")
    timed = ManagedState(states, mode="time", step_seconds=5, created_at=100.0)
    assert [timed.status(clock, t) for t in (100.0, 100.049, 100.051, 100.101, 500.0)] == [
        "Pending",
        "Pending",
        "InProgress",
        "Active",
        "Active",
    ]
    manual = ManagedState(states, mode="manual")
    manual.advance()
    assert manual.status(clock, 0) == "InProgress"
    assert ManagedState(states, mode="immediate").status(clock, 0) == "Active"
    with pytest.raises(ValueError, match="unknown state mode"):
        ManagedState(states, mode="later")
