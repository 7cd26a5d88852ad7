"""A sliding window of request times: the per-second limits the Core Plus FAQ and PracSuite (assumed) state."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class RateWindow:
    """The requests admitted in the last `window_seconds`; a request beyond `limit` of them is refused."""

    def __init__(self, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_seconds = window_seconds
        self.clock = clock
        self._recent: deque[float] = deque()

    def admit(self, limit: int | None) -> bool:
        """Whether one more request fits (always, without a limit); an admitted request is counted."""
        if not limit:
            return True
        now = self.clock()
        while self._recent and now - self._recent[0] >= self.window_seconds:
            self._recent.popleft()
        if len(self._recent) >= limit:
            return False
        self._recent.append(now)
        return True

    def clear(self) -> None:
        self._recent.clear()
