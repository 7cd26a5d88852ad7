"""Progress lines read back in tests (store/progress.py): a recording ExtractionProgress on an injected clock,
the closing line of each unit of work, and the counts a line carries."""

from __future__ import annotations

import re
from collections.abc import Callable

from store.progress import ExtractionProgress, parse_line

_THROTTLED = re.compile(r", (?P<count>\d+) 429s \((?P<seconds>[\d.]+) s back-off\)")
_PAGES = re.compile(r", (?P<pages>\d+) pages?\b")


class ManualClock:
    """A clock that moves only when a test moves it (no waiting, no wall-clock reading)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def recording(
    system: str, clock: Callable[[], float], every: int | None = None
) -> tuple[ExtractionProgress, list[str]]:
    """An extraction's progress and the list its lines go to."""
    lines: list[str] = []
    return ExtractionProgress(system, lines.append, every=every, clock=clock), lines


def by_what(lines: list[str]) -> dict[str, list[str]]:
    """Each unit of work's lines in order (the last one is its closing line)."""
    grouped: dict[str, list[str]] = {}
    for line in lines:
        parsed = parse_line(line)
        assert parsed is not None, line
        grouped.setdefault(parsed[0], []).append(line)
    return grouped


def counts(line: str) -> tuple[int, int | None]:
    """(done, total or None) of a progress line."""
    parsed = parse_line(line)
    assert parsed is not None, line
    return parsed[1], parsed[2]


def pages(line: str) -> int:
    match = _PAGES.search(line)
    return int(match["pages"]) if match else 0


def throttled(line: str) -> tuple[int, float]:
    """(429s, back-off seconds) a line reports; (0, 0.0) when it reports none."""
    match = _THROTTLED.search(line)
    return (int(match["count"]), float(match["seconds"])) if match else (0, 0.0)
