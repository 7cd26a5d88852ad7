"""Extraction under a rate limit far below the client's own (Cliniko has lowered it before, §2.2): 429s are
served, the client waits for X-RateLimit-Reset each time, and the extract is complete."""

from __future__ import annotations

from pathlib import Path

from cliniko_api_helpers import api_settings, as_served, by_id, cliniko_emulator, read_ndjson, stats

from sources.cliniko.api import extract_full
from sources.cliniko.settings import RESOURCES

LIMIT = 20  # requests per 60 s window, 0.6 s at the tests' time scale; an extract needs ≈70 requests


def test_extract_completes_under_a_small_limit_and_waits_for_each_reset(cliniko_dump: Path, tmp_path: Path) -> None:
    with cliniko_emulator(cliniko_dump, rate_limit={"requests": LIMIT, "window_seconds": 60}) as running:
        summary = extract_full(api_settings(running), tmp_path / "extract")  # the client assumes 200/min
        figures = stats(running)

    limit = figures["rate_limit"]
    assert figures["throttled"] > 0  # the limit was hit ...
    assert limit["early"] == 0  # ... and after each 429 the next request came after the reset, never before
    assert summary.stats.throttled == figures["throttled"]  # every 429 was seen and waited out by the client
    assert summary.stats.waited_seconds > 0
    admitted = figures["requests"] - figures["throttled"]
    assert admitted == summary.stats.requests - summary.stats.throttled
    # A window holds at most LIMIT admitted requests, so the extract spanned at least this many windows.
    assert limit["windows"] >= -(-admitted // LIMIT)
    for resource in RESOURCES:
        if resource != "settings":
            got = as_served(read_ndjson(tmp_path / "extract" / f"{resource}.ndjson"))
            assert got == by_id(read_ndjson(cliniko_dump / f"{resource}.ndjson")), resource
