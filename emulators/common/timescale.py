"""One factor that shrinks every emulated duration (windows, latencies, Retry-After, async jobs) together."""

from __future__ import annotations

import asyncio
import math
import time


class TimeScale:
    """Convert nominal service durations into the durations the emulator actually uses.

    ``factor`` 1.0 is real time; 0.01 makes a 300 s throttling window last 3 s and a 100 ms latency 1 ms,
    so tests can exercise time-based behaviour quickly without changing its shape.
    """

    def __init__(self, factor: float = 1.0) -> None:
        if not factor > 0:
            raise ValueError(f"time scale must be > 0, got {factor!r}")
        self.factor = float(factor)

    def scaled(self, nominal_seconds: float) -> float:
        """Seconds the emulator really waits for ``nominal_seconds`` of service time."""
        return nominal_seconds * self.factor

    def nominal(self, real_seconds: float) -> float:
        """Service-time seconds that ``real_seconds`` of wall time represent."""
        return real_seconds / self.factor

    @staticmethod
    def now() -> float:
        """Monotonic wall time in seconds (the clock every window is measured on)."""
        return time.monotonic()

    async def sleep(self, nominal_seconds: float) -> None:
        """Sleep for the scaled equivalent of ``nominal_seconds`` (no-op for zero or less)."""
        if nominal_seconds > 0:
            await asyncio.sleep(self.scaled(nominal_seconds))

    def retry_after_header(self, real_seconds: float) -> str:
        """Format a wait for the ``Retry-After`` header.

        Dataverse sends integer seconds (research/dataverse.md §4.1); at factor 1 the value is rounded up
        to a whole second. A shrunk clock needs sub-second waits, so scaled values keep three decimals —
        clients that only parse integers must run at factor 1.
        """
        if self.factor == 1.0:
            return str(max(1, math.ceil(real_seconds)))
        return f"{max(real_seconds, 0.001):.3f}"
