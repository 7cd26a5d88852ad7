"""Progress of a long step (a load, a read-back, staging, an extraction) as log lines at a steady rhythm:
records done of the total, records per second, 429s and the back-off they cost, and an estimate of the time
left. A step whose total nobody can tell (an API list without a count) shows records and pages done as
`<done>/?`, with no estimate.

Plain Python: the caller says how many records are done (and how many 429s so far); the reporter decides
when a line is due — every `every` records (a twentieth of the total by default) or, on a slow step, once
`interval_seconds` have passed since the last line — and hands it to `emit` (a logger, Dagster's log).
`ExtractionProgress` drives one reporter per resource of an extraction. Lines hold counts only, never values.
Sources (extractions), targets (loads, read-backs) and the Dagster layer (staging) all report through it, so it
belongs to none of them (DESIGN.md §3: sources never import targets).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

# A line at least this often on a slow step (a live load's table can take an hour; issue 25 item 2).
INTERVAL_SECONDS = 30.0
# Otherwise one line per twentieth of the total.
STEPS = 20
# With no total to take a twentieth of: one line per this many records (or per interval).
UNKNOWN_TOTAL_EVERY = 1000
# What a line starts with: "<what>: <done>/<total> records", `?` for a total not known (parse_line reads it
# back for a progress bar).
_LINE = re.compile(r"^(?P<what>[^:]+): (?P<done>\d+)/(?P<total>\d+|\?) (?P<unit>[a-z]+)\b")


def parse_line(text: str) -> tuple[str, int, int | None] | None:
    """(what, done, total or None when not known) of a progress line, or None for any other log message."""
    match = _LINE.match(text)
    if not match:
        return None
    return match["what"], int(match["done"]), None if match["total"] == "?" else int(match["total"])


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
    another `unit`: staging counts entities); `total` None: not known (records, and `pages` when set)."""

    def __init__(
        self,
        what: str,
        total: int | None,
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
        self.pages: int | None = None  # pages read, for a step that reads pages (an extraction)
        # Of `done`, records looked at and skipped: the ledger says they are in the target as they are. A re-run
        # with nothing to send still moves ("4001/4001 records, 4001 unchanged"), never a silent 0/0.
        self.skipped = 0
        self._finishing = False

    @property
    def every(self) -> int:
        """Records between two lines: as given, else a twentieth of the (current) total."""
        if self._every:
            return self._every
        if self.total is None:
            return UNKNOWN_TOTAL_EVERY
        return max(1, -(-self.total // STEPS))  # ceiling: at most STEPS lines by count

    def update(
        self,
        done: int,
        *,
        skipped: int | None = None,
        throttled: int | None = None,
        backoff_seconds: float | None = None,
    ) -> None:
        """`done` records of the total so far (of them `skipped` unchanged; and 429s / back-off seconds so far);
        emits a line when one is due."""
        self.done = min(done, self.total) if self.total else done
        if skipped is not None:
            self.skipped = skipped
        if throttled is not None:
            self.throttled = throttled
        if backoff_seconds is not None:
            self.backoff_seconds = backoff_seconds
        now = self.clock()
        due = self.done - self.last_line_done >= self.every or now - self.last_line_at >= self.interval_seconds
        running = self.total is None or self.done < self.total
        if due and self.done > self.last_line_done and running:
            self._line(now)

    def finish(self) -> None:
        """The closing line (done of total, the step's rate), emitted once whatever the rhythm."""
        self._finishing = True
        self._line(self.clock())

    def line(self, now: float | None = None) -> str:
        now = self.clock() if now is None else now
        elapsed = max(now - self.started, 0.0)
        rate = self.done / elapsed if elapsed > 0 else 0.0
        # Whole percent, rounded down: 99.8% is not yet 100%.
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        total = "?" if self.total is None else self.total
        text = f"{self.what}: {self.done}/{total} {self.unit}{share}"
        if self.skipped:
            text += f", {self.skipped} unchanged (skipped)"
        if self.pages:
            text += f", {self.pages} page{'s' if self.pages != 1 else ''}"
        text += f", {rate:.1f} {self.unit}/s"
        if self.throttled or self.backoff_seconds:
            text += f", {self.throttled} 429s ({self.backoff_seconds:.1f} s back-off)"
        if self.finished:
            text += f", done in {_duration(elapsed)}"
        elif self.total is not None and self.done < self.total:
            text += f", ETA {_duration((self.total - self.done) / rate)}" if rate > 0 else ", ETA unknown"
        return text

    @property
    def finished(self) -> bool:
        return self._finishing or (self.total is not None and self.done >= self.total)

    def _line(self, now: float) -> None:
        self.emit(self.line(now))
        self.lines += 1
        self.last_line_at = now
        self.last_line_done = self.done


def _no_counters() -> tuple[int, float]:
    return 0, 0.0


class ExtractionProgress:
    """Progress lines of an extraction (`extract <system>/<resource>: ...`), one resource at a time: records
    (or another unit) and pages read, the total when the source tells one, and the 429s and back-off seconds
    the client met since the resource began (`watch`: the client's running counts). The extractor calls
    `start` per resource, `listing` when a list's first page tells its total, `page` per page read, `end`
    when the extraction is over. `every`, `interval_seconds` and `clock` set the rhythm as ProgressReporter's."""

    def __init__(
        self,
        system: str,
        emit: Callable[[str], None],
        *,
        every: int | None = None,
        interval_seconds: float = INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.system = system
        self.emit = emit
        self.every = every
        self.interval_seconds = interval_seconds
        self.clock = clock
        self.counters: Callable[[], tuple[int, float]] = _no_counters
        self.reporter: ProgressReporter | None = None
        self._baseline = (0, 0.0)
        self._listings: dict[str, int] | None = None

    def watch(self, counters: Callable[[], tuple[int, float]]) -> None:
        """The client's (429s, back-off seconds) so far; each resource's line shows what it added."""
        self.counters = counters

    def start(self, resource: str, total: int | None = None, *, unit: str = "records", listing_totals: bool = True):
        """A resource begins (the one before it ends). `total` when known up front; else, with `listing_totals`,
        the totals its lists tell add up (a resource read from a main and an archived list), and without (a
        list per parent record), records and pages only."""
        self.end()
        self.reporter = ProgressReporter(
            f"extract {self.system}/{resource}",
            total,
            self.emit,
            every=self.every,
            interval_seconds=self.interval_seconds,
            clock=self.clock,
            unit=unit,
        )
        self.reporter.pages = 0
        self._baseline = self.counters()
        self._listings = {} if listing_totals and total is None else None

    def listing(self, key: str, total: int | None) -> None:
        """A list of the current resource (`key`: its path; read again, it replaces its total) holds `total`."""
        if self.reporter is None or self._listings is None or total is None:
            return
        self._listings[key] = total
        self.reporter.total = sum(self._listings.values())

    def page(self, records: int, *, pages: int = 1) -> None:
        """`records` more read (`pages` pages: 0 for records not read from a list page)."""
        if self.reporter is None:
            return
        self.reporter.pages = (self.reporter.pages or 0) + pages
        throttled, backoff = self._since_start()
        self.reporter.update(self.reporter.done + records, throttled=throttled, backoff_seconds=backoff)

    def end(self) -> None:
        """The current resource's closing line."""
        if self.reporter is None:
            return
        self.reporter.throttled, self.reporter.backoff_seconds = self._since_start()
        self.reporter.finish()
        self.reporter = None

    def _since_start(self) -> tuple[int, float]:
        throttled, backoff = self.counters()
        return throttled - self._baseline[0], backoff - self._baseline[1]


def ignore_lines(_line: str) -> None:
    """An emit for an extraction whose caller wants no progress lines."""
