"""Service protection limits per user: requests and execution time over a sliding window, concurrency."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from ...common.timescale import TimeScale
from .. import exceptions as e
from .config import Limits


@dataclass
class _UserWindow:
    arrivals: deque[float] = field(default_factory=deque)
    executions: deque[tuple[float, float]] = field(default_factory=deque)
    execution_total: float = 0.0
    in_flight: int = 0


class ServiceProtection:
    """research/dataverse.md §4.1: each facet answers 429 with its own code and a Retry-After.

    Windows and limits are nominal service time; the time scale shrinks them (and Retry-After) together.
    """

    def __init__(self, limits: Limits, clock: TimeScale) -> None:
        self.limits = limits
        self.clock = clock
        self._users: dict[str, _UserWindow] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._users.clear()

    def _prune(self, window: _UserWindow, now: float) -> None:
        horizon = now - self.clock.scaled(self.limits.window_seconds)
        while window.arrivals and window.arrivals[0] <= horizon:
            window.arrivals.popleft()
        while window.executions and window.executions[0][0] <= horizon:
            window.execution_total -= window.executions.popleft()[1]

    def admit(self, user_id: str) -> int:
        """Count a request in, or raise the facet it breaches (with ``retry_after`` real seconds).

        Returns:
            The number of requests now in flight for this user.
        """
        limits = self.limits
        with self._lock:
            window = self._users.setdefault(user_id, _UserWindow())
            now = self.clock.now()
            self._prune(window, now)
            span = self.clock.scaled(limits.window_seconds)
            if window.in_flight >= limits.concurrency:
                # Concurrency errors immediately (research/dataverse.md §4.1).
                raise e.ConcurrencyLimitExceeded(
                    limit=limits.concurrency, retry_after=self.clock.scaled(limits.concurrency_retry_after_seconds)
                )
            if len(window.arrivals) >= limits.requests:
                raise e.RequestsLimitExceeded(
                    limit=limits.requests,
                    window=_whole(limits.window_seconds),
                    retry_after=window.arrivals[0] + span - now,
                )
            budget = self.clock.scaled(limits.execution_seconds)
            if window.execution_total >= budget:
                excess, wait = window.execution_total - budget, span
                for finished, spent in window.executions:
                    excess -= spent
                    if excess < 0:
                        wait = finished + span - now
                        break
                raise e.ExecutionTimeLimitExceeded(
                    limit_ms=int(limits.execution_seconds * 1000),
                    window=_whole(limits.window_seconds),
                    retry_after=wait,
                )
            window.arrivals.append(now)
            window.in_flight += 1
            return window.in_flight

    def release(self, user_id: str, real_seconds: float) -> None:
        """A request finished after ``real_seconds`` of (scaled) execution time."""
        with self._lock:
            window = self._users.setdefault(user_id, _UserWindow())
            window.in_flight = max(0, window.in_flight - 1)
            window.executions.append((self.clock.now(), real_seconds))
            window.execution_total += real_seconds

    def remaining(self, user_id: str) -> tuple[int, int]:
        """(requests left, execution milliseconds left) for the debug ratelimit headers."""
        with self._lock:
            window = self._users.setdefault(user_id, _UserWindow())
            self._prune(window, self.clock.now())
            requests_left = max(0, self.limits.requests - len(window.arrivals))
            spent_nominal = self.clock.nominal(window.execution_total)
            time_left_ms = max(0, int((self.limits.execution_seconds - spent_nominal) * 1000))
            return requests_left, time_left_ms


def _whole(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else seconds
