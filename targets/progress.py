"""Progress of a long step (a load, a read-back, staging) as log lines at a steady rhythm: records done of
the total, records per second, 429s and the back-off they cost, and an estimate of the time left.

Plain Python: the caller says how many records are done (and how many 429s so far); the reporter decides
when a line is due — every `every` records (a twentieth of the total by default) or, on a slow step, once
`interval_seconds` have passed since the last line — and hands it to `emit` (a logger, Dagster's log).
Lines hold counts only, never values.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

# A line at least this often on a slow step (a live load's table can take an hour; issue 25 item 2).
INTERVAL_SECONDS = 30.0
# Otherwise one line per twentieth of the total.
STEPS = 20
# What a line starts with: "<what>: <done>/<total> records" (parse_line reads it back for a progress bar).
_LINE = re.compile(r"^(?P<what>[^:]+): (?P<done>\d+)/(?P<total>\d+) (?P<unit>[a-z]+)\b")


def parse_line(text: str) -> tuple[str, int, int] | None:
    """(what, done, total) of a progress line, or None for any other log message."""
    match = _LINE.match(text)
    return (match["what"], int(match["done"]), int(match["total"])) if match else None


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class ProgressReporter:
    """Progress lines for one unit of work (`what`, e.g. "load dynamics/contact") of `total` records (or
    another `unit`: staging counts entities)."""

    def __init__(
        self,
        what: str,
        total: int,
        emit: Callable[[str], None],
        *,
        every: int | None = None,
        interval_seconds: float = INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        unit: str = "records",
    ) -> None:
        self.what = what
        self.unit = unit
        self.total = total
        self.emit = emit
        self._every = every
        self.interval_seconds = interval_seconds
        self.clock = clock
        self.started = clock()
        self.last_line_at = self.started
        self.last_line_done = 0
        self.done = 0
        self.throttled = 0
        self.backoff_seconds = 0.0
        self.lines = 0

    @property
    def every(self) -> int:
        """Records between two lines: as given, else a twentieth of the (current) total."""
        return self._every or max(1, -(-self.total // STEPS))  # ceiling: at most STEPS lines by count

    def update(self, done: int, *, throttled: int | None = None, backoff_seconds: float | None = None) -> None:
        """`done` records of the total so far (and 429s / back-off seconds so far); emits a line when one is due."""
        self.done = min(done, self.total) if self.total else done
        if throttled is not None:
            self.throttled = throttled
        if backoff_seconds is not None:
            self.backoff_seconds = backoff_seconds
        now = self.clock()
        due = self.done - self.last_line_done >= self.every or now - self.last_line_at >= self.interval_seconds
        if due and self.done > self.last_line_done and self.done < self.total:
            self._line(now)

    def finish(self) -> None:
        """The closing line (done of total, the step's rate), emitted once whatever the rhythm."""
        self._line(self.clock())

    def line(self, now: float | None = None) -> str:
        now = self.clock() if now is None else now
        elapsed = max(now - self.started, 0.0)
        rate = self.done / elapsed if elapsed > 0 else 0.0
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        text = f"{self.what}: {self.done}/{self.total} {self.unit}{share}, {rate:.1f} {self.unit}/s"
        if self.throttled or self.backoff_seconds:
            text += f", {self.throttled} 429s ({self.backoff_seconds:.1f} s back-off)"
        if self.done < self.total:
            text += f", ETA {_duration((self.total - self.done) / rate)}" if rate > 0 else ", ETA unknown"
        else:
            text += f", done in {_duration(elapsed)}"
        return text

    def _line(self, now: float) -> None:
        self.emit(self.line(now))
        self.lines += 1
        self.last_line_at = now
        self.last_line_done = self.done
