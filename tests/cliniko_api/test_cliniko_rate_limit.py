"""Extraction under a rate limit far below the client's own (Cliniko has lowered it before, §2.2): 429s are
served, the client waits for X-RateLimit-Reset each time, and the extract is complete."""

from __future__ import annotations

from pathlib import Path

from cliniko_api_helpers import (
    api_settings,
    as_served,
    by_id,
    cliniko_emulator,
    emulator_api_clock,
    read_ndjson,
    stats,
)

from sources.cliniko.api import extract_full
from sources.cliniko.settings import RESOURCES

LIMIT = 20  # requests per 60 s window, 0.6 s at the tests' time scale; an extract needs ≈45 requests


def test_extract_completes_under_a_small_limit_and_waits_for_each_reset(cliniko_dump: Path, tmp_path: Path) -> None:
    # The emulator's clock moves only when the client waits, so each window admits exactly LIMIT requests.
    waits: list[float] = []
    limit = {"requests": LIMIT, "window_seconds": 60}
    with cliniko_emulator(cliniko_dump, manual_clock=True, rate_limit=limit) as running:
        clock = emulator_api_clock(running, waits)
        summary = extract_full(api_settings(running), tmp_path / "extract", clock=clock)  # assumes 200/min
        figures = stats(running)

    limit_figures = figures["rate_limit"]
    admitted = figures["requests"] - figures["throttled"]
    windows = -(-admitted // LIMIT)
    assert admitted == summary.stats.requests - summary.stats.throttled > 2 * LIMIT  # at least three windows
    assert limit_figures["windows"] == windows  # every window was filled before the next opened ...
    assert figures["throttled"] == windows - 1  # ... with one 429 at the end of each full window ...
    assert limit_figures["early"] == 0  # ... after which the client waited for the reset, never retrying before it
    assert summary.stats.throttled == figures["throttled"]  # every 429 was seen and waited out by the client
    # Each wait was the rest of its window (0.6 s at the time scale), to the millisecond the header rounds to.
    assert len(waits) == windows - 1 and all(0.6 < w <= 0.6 + 0.002 for w in waits)
    for resource, spec in RESOURCES.items():
        extracted, delivered = (
            read_ndjson(tmp_path / "extract" / f"{resource}.ndjson"),
            read_ndjson(cliniko_dump / f"{resource}.ndjson"),
        )
        if spec.key is None:  # settings, referral_sources: no id, the same records in order
            assert extracted == delivered, resource
        else:
            assert as_served(extracted) == by_id(delivered), resource
