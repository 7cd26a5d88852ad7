"""Batch sizes that adapt to the org's answers, and a write whose answer is lost while the org applied it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from dv_helpers import OPTIONS, TIME_SCALE, connection, contacts, stored

from emulators.launcher import start_emulators
from targets.dynamics import AnswerLostError, DataverseClient
from targets.dynamics.batch import GROW_BELOW_SHARE, SHRINK_ABOVE_SHARE, AdaptiveBatchSize

TIMEOUT = 120.0
FAST = TIMEOUT * GROW_BELOW_SHARE / 2
MIDDLE = TIMEOUT * (GROW_BELOW_SHARE + SHRINK_ABOVE_SHARE) / 2
SLOW = TIMEOUT * (SHRINK_ABOVE_SHARE + 1) / 2


def test_a_size_starts_small_grows_on_fast_answers_and_stops_at_its_maximum() -> None:
    size = AdaptiveBatchSize(initial=10, maximum=100, timeout_seconds=TIMEOUT)
    assert size.size == 10
    seen = []
    for _ in range(6):
        size.answered(FAST)
        seen.append(size.size)
    assert seen == [20, 40, 80, 100, 100, 100]
    assert (size.grown, size.shrunk) == (4, 0)


def test_a_size_holds_in_the_middle_band_and_halves_on_slow_lost_or_throttled_answers() -> None:
    size = AdaptiveBatchSize(initial=64, maximum=500, timeout_seconds=TIMEOUT)
    size.answered(MIDDLE)
    assert size.size == 64
    size.answered(SLOW)
    assert size.size == 32
    size.too_heavy()  # a lost answer or an execution-time 429
    assert size.size == 16
    for _ in range(10):
        size.too_heavy()
    assert size.size == 1  # never below one record
    assert size.shrunk == 6


def test_an_initial_size_above_the_maximum_starts_at_the_maximum_and_nonsense_is_refused() -> None:
    assert AdaptiveBatchSize(initial=100, maximum=40, timeout_seconds=TIMEOUT).size == 40
    with pytest.raises(ValueError):
        AdaptiveBatchSize(initial=0, maximum=40, timeout_seconds=TIMEOUT)


def test_a_bulk_write_whose_answer_never_comes_is_left_to_the_caller_and_landed_once(tmp_path: Path) -> None:
    """The org applies the UpsertMultiple, then stays busy (its clock is stopped) until long after the client's
    timeout: with ``resend_lost=False`` the client does not resend, says the answer was lost and halves the size;
    the org holds every record once."""
    rows = contacts(20)
    with start_emulators(
        state_dir=tmp_path, time_scale=TIME_SCALE, manual_clock=True, dataverse_options=OPTIONS
    ) as org:
        control = org.dataverse_control
        control.set_faults(slow_next=1, slow_seconds=3600)
        sizer = AdaptiveBatchSize(initial=20, maximum=200, timeout_seconds=2.0)

        async def scenario() -> tuple[type[BaseException] | None, int]:
            client = DataverseClient(replace(connection(org), timeout_seconds=2.0), clock_scale=TIME_SCALE)
            async with client as dv:
                try:
                    await dv.upsert_multiple("contacts", "contact", rows, sizer, resend_lost=False)
                except AnswerLostError as exc:
                    return type(exc), dv.stats.requests
            return None, 0

        lost, requests = asyncio.run(scenario())
        org.clock.advance(3600)  # lets the stalled request finish before the org stops
        held = stored(org)
        faults = control.stats()["faults"]
    assert lost is AnswerLostError and requests == 1  # sent once, not resent blind
    assert faults.get("slow") == 1
    assert sorted(r["contactid"] for r in held) == sorted(r["contactid"] for r in rows)
    assert (sizer.size, sizer.shrunk) == (10, 1)
