"""The per-key rate limit: a fixed window of N requests, answered with 429 and the time it resets (§2.2)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...common.timescale import TimeScale


@dataclass
class _Window:
    started: float
    count: int = 0
    refused: int = 0


class RateLimiter:
    """``requests`` per ``window_seconds`` per API key (research/sources.md §2.2: 200 per minute per user).

    The window is fixed, as X-RateLimit-Reset ("the time at which the limit will reset") implies: it opens
    with a key's first request and every request inside it counts; refused requests do not. The time scale
    shrinks the window, so a 60 s window lasts 0.6 s at 0.01.

    ``early`` counts requests refused after the same key was already refused in the same window: a client
    that waits for X-RateLimit-Reset never causes one (the tests read it through the stats).
    """

    def __init__(self, requests: int, window_seconds: float, clock: TimeScale) -> None:
        if requests < 1 or window_seconds <= 0:
            raise ValueError("rate_limit needs requests >= 1 and window_seconds > 0")
        self.requests = requests
        self.window_seconds = window_seconds
        self.clock = clock
        self.early = 0
        self.windows = 0
        self._windows: dict[str, _Window] = {}

    def admit(self, key: str) -> float | None:
        """Count one request of ``key``; None when admitted, else the real seconds until the window resets."""
        now = self.clock.now()
        length = self.clock.scaled(self.window_seconds)
        window = self._windows.get(key)
        if window is None or now - window.started >= length:
            window = self._windows[key] = _Window(now)
            self.windows += 1
        if window.count >= self.requests:
            if window.refused:
                self.early += 1
            window.refused += 1
            return max(window.started + length - now, 0.0)
        window.count += 1
        return None

    def reset_header(self, wait_seconds: float) -> str:
        """X-RateLimit-Reset: UNIX epoch seconds (UTC) when the window frees up, never before it does.

        Whole seconds (rounded up) at time scale 1, as documented; a shrunk clock needs sub-second resets,
        so scaled values keep three decimals, rounded up (with a millisecond to spare for the clocks).
        """
        at = self.clock.wall() + wait_seconds
        if self.clock.factor == 1.0:
            return str(math.ceil(at))
        return f"{math.ceil(at * 1000 + 1) / 1000:.3f}"

    def retry_after_header(self, wait_seconds: float) -> str:
        """Retry-After in seconds (§2.2, au-cliniko-mcp), rounded up like X-RateLimit-Reset."""
        if self.clock.factor == 1.0:
            return str(max(1, math.ceil(wait_seconds)))
        return f"{math.ceil(wait_seconds * 1000 + 1) / 1000:.3f}"

    def clear(self) -> None:
        self._windows.clear()
        self.early = 0
        self.windows = 0
