"""One factor that shrinks every emulated duration (windows, latencies, Retry-After, async jobs) together."""

from __future__ import annotations

import asyncio
import math
import threading
import time

# How often a sleep on a manual clock looks whether the clock has been moved past its end (real seconds).
_MANUAL_POLL_SECONDS = 0.002


class TimeScale:
    """Convert nominal service durations into the durations the emulator actually uses.

    ``factor`` 1.0 is real time; 0.01 makes a 300 s throttling window last 3 s and a 100 ms latency 1 ms,
    so tests can exercise time-based behaviour quickly without changing its shape.

    ``manual=True`` stops the clock: ``now()`` and ``wall()`` move only when ``advance()`` is called, and a
    ``sleep`` (cost-model latency, injected slowness) lasts until the clock has been advanced past its end. A
    test then decides exactly which requests fall inside a window or are in flight together, however slow the
    machine is — no count depends on how fast real time passes.
    """

    def __init__(self, factor: float = 1.0, *, manual: bool = False) -> None:
        if not factor > 0:
            raise ValueError(f"time scale must be > 0, got {factor!r}")
        self.factor = float(factor)
        self.manual = manual
        self._lock = threading.Lock()
        self._offset = 0.0  # real seconds added by advance()
        self._frozen_monotonic = time.monotonic()
        self._frozen_wall = time.time()
        self._sleeping = 0

    def scaled(self, nominal_seconds: float) -> float:
        """Seconds the emulator really waits for ``nominal_seconds`` of service time."""
        return nominal_seconds * self.factor

    def nominal(self, real_seconds: float) -> float:
        """Service-time seconds that ``real_seconds`` of wall time represent."""
        return real_seconds / self.factor

    def now(self) -> float:
        """Monotonic seconds (the clock every window is measured on)."""
        with self._lock:
            return (self._frozen_monotonic if self.manual else time.monotonic()) + self._offset

    def wall(self) -> float:
        """UNIX epoch seconds on the same clock (what a reset time sent to a client is expressed in)."""
        with self._lock:
            return (self._frozen_wall if self.manual else time.time()) + self._offset

    def advance(self, nominal_seconds: float) -> None:
        """Move a manual clock forward by ``nominal_seconds`` of service time (its scaled real seconds)."""
        if not self.manual:
            raise RuntimeError("only a manual clock can be advanced")
        if nominal_seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._offset += self.scaled(nominal_seconds)

    @property
    def sleeping(self) -> int:
        """How many sleeps are waiting for a manual clock to pass their end (requests held in flight)."""
        with self._lock:
            return self._sleeping

    async def sleep(self, nominal_seconds: float) -> None:
        """Sleep for the scaled equivalent of ``nominal_seconds`` (no-op for zero or less)."""
        if nominal_seconds <= 0:
            return
        if not self.manual:
            await asyncio.sleep(self.scaled(nominal_seconds))
            return
        until = self.now() + self.scaled(nominal_seconds)
        with self._lock:
            self._sleeping += 1
        try:
            while self.now() < until:
                await asyncio.sleep(_MANUAL_POLL_SECONDS)
        finally:
            with self._lock:
                self._sleeping -= 1

    def retry_after_header(self, real_seconds: float) -> str:
        """Format a wait for the ``Retry-After`` header.

        Dataverse sends integer seconds (research/dataverse.md §4.1); at factor 1 the value is rounded up
        to a whole second. A shrunk clock needs sub-second waits, so scaled values keep three decimals —
        clients that only parse integers must run at factor 1.
        """
        if self.factor == 1.0:
            return str(max(1, math.ceil(real_seconds)))
        return f"{max(real_seconds, 0.001):.3f}"
