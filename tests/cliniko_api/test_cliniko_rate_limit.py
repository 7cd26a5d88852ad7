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
from progress_lines import by_what, counts, pages, recording, throttled

from sources.cliniko.api import extract_full
from sources.cliniko.api_settings import NESTED_LISTS, SINGLE_OBJECTS
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


def test_progress_lines_count_each_resource_and_the_429s_it_waited_out(cliniko_dump: Path, tmp_path: Path) -> None:
    """Issue 25 item 2: an extraction's log moves per resource — records read of the total the API tells (records
    and pages where it tells none), and the 429s and back-off — on the emulator's clock, never the wall's."""
    waits: list[float] = []
    limit = {"requests": LIMIT, "window_seconds": 60}
    with cliniko_emulator(cliniko_dump, manual_clock=True, rate_limit=limit) as running:
        clock = emulator_api_clock(running, waits)
        lines, recorded = recording("cliniko", clock.monotonic, every=25)
        summary = extract_full(api_settings(running), tmp_path / "extract", clock=clock, lines=lines)
        figures = stats(running)

    grouped = by_what(recorded)
    listed = [r for r in RESOURCES if r not in SINGLE_OBJECTS]
    assert sorted(grouped) == sorted([f"extract cliniko/{r}" for r in listed] + ["extract cliniko/attachments"])
    for resource in listed:
        closing = grouped[f"extract cliniko/{resource}"][-1]
        done, total = counts(closing)
        assert done == summary.records[resource], closing  # every record read once, none dropped
        # Cliniko tells total_entries for each list; a list per parent record has no total to add up.
        assert total == (None if resource in NESTED_LISTS else done), closing
        assert "done in" in closing and (pages(closing) > 0 or done == 0), closing
        running_lines = grouped[f"extract cliniko/{resource}"][:-1]
        assert [counts(line)[0] for line in running_lines] == sorted({counts(line)[0] for line in running_lines})
    assert any(len(g) > 1 for g in grouped.values())  # lines while a resource runs, not only closing ones
    assert (
        counts(grouped["extract cliniko/attachments"][-1])
        == (len(summary.missing_attachments) + summary.attachments,) * 2
    )
    # Every 429 the emulator served and every second waited for its reset is in the resource's line that met it.
    closing_lines = [g[-1] for g in grouped.values()]
    assert sum(throttled(line)[0] for line in closing_lines) == figures["throttled"] == summary.stats.throttled > 0
    assert abs(sum(throttled(line)[1] for line in closing_lines) - sum(waits)) <= 0.05 * len(closing_lines)
    assert "@" not in "".join(recorded)  # counts only: no email, no value of a record
