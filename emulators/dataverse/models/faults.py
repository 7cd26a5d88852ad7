"""Fault injection: 5xx rates, dropped connections, slow responses, 429 storms, token expiry and a pause
after a number of writes."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import threading
from collections.abc import Mapping
from typing import Any

from ...common.timescale import TimeScale
from .. import exceptions as e
from .config import Faults, Limits

STORM_ERRORS: dict[str, type[e.ServiceProtectionLimit]] = {
    "requests": e.RequestsLimitExceeded,
    "execution_time": e.ExecutionTimeLimitExceeded,
    "concurrency": e.ConcurrencyLimitExceeded,
}
# How often a request held by a pause looks whether the pause was lifted (real seconds; not scaled).
PAUSE_POLL_SECONDS = 0.02


class FaultInjector:
    """Decides, per request, which configured fault (if any) to inject."""

    def __init__(self, faults: Faults, clock: TimeScale) -> None:
        self.clock = clock
        self._initial = dataclasses.replace(faults)
        self._lock = threading.Lock()
        self.configure(dataclasses.asdict(faults), replace=True)

    def configure(self, values: Mapping[str, Any], *, replace: bool = False) -> dict[str, Any]:
        """Set faults (``replace`` starts from no faults); returns the active configuration.

        Raises:
            ValueError: An unknown fault name or storm facet.
        """
        valid = {f.name for f in dataclasses.fields(Faults)}
        unknown = set(values) - valid
        if unknown:
            raise ValueError(f"unknown fault(s) {sorted(unknown)}; valid: {', '.join(sorted(valid))}")
        if "storm_facet" in values and values["storm_facet"] not in STORM_ERRORS:
            raise ValueError(f"storm_facet must be one of {', '.join(STORM_ERRORS)}")
        with self._lock:
            base = Faults() if replace else self.faults
            self.faults = dataclasses.replace(base, **values)
            self.rng = random.Random(self.faults.seed)
            # A storm starts with the first request it meets, not when configured: a test that sets one between
            # two steps knows the next request is refused, however long the machine takes to send it.
            self.storm_until: float | None = None if self.faults.storm_seconds else 0.0
            self.records_written = 0  # any change of the faults lifts a pause and restarts its count
            self.paused = False
            return dataclasses.asdict(self.faults)

    def reset(self) -> None:
        self.configure(dataclasses.asdict(self._initial), replace=True)

    def storm(self, limits: Limits) -> e.ServiceProtectionLimit | None:
        """The 429 of an ongoing storm, with Retry-After (real seconds) in ``retry_after``."""
        with self._lock:
            if self.storm_until is None:
                self.storm_until = self.clock.now() + self.clock.scaled(self.faults.storm_seconds)
        if not self.storm_until or self.clock.now() >= self.storm_until:
            return None
        faults = self.faults
        error_type = STORM_ERRORS[faults.storm_facet]
        return error_type(
            limit=limits.concurrency if faults.storm_facet == "concurrency" else limits.requests,
            window=int(limits.window_seconds),
            limit_ms=int(limits.execution_seconds * 1000),
            retry_after=min(self.clock.scaled(faults.storm_retry_after_seconds), self.storm_until - self.clock.now()),
        )

    def server_error(self) -> e.DataverseError | None:
        """An injected 5xx before the request is processed (no side effects)."""
        with self._lock:
            hit = self.faults.fail_next > 0
            if hit:
                self.faults.fail_next -= 1
            elif self.faults.error_rate:
                hit = self.rng.random() < self.faults.error_rate
        if not hit:
            return None
        return e.UnexpectedError(http_status=self.faults.error_status)

    def slow_seconds(self, *, write: bool) -> float:
        """Extra nominal latency for this request (0 when it is not slowed); ``slow_next`` counts only requests
        that ``write`` (the slowness comes after the request is applied, so only a write leaves a client that
        gives up not knowing whether it landed)."""
        with self._lock:
            if write and self.faults.slow_next > 0:
                self.faults.slow_next -= 1
                return self.faults.slow_seconds
            if self.faults.slow_rate and self.rng.random() < self.faults.slow_rate:
                return self.faults.slow_seconds
        return 0.0

    def drop(self, *, write: bool) -> bool:
        """Whether to cut this response off mid-body (after the write happened). ``drop_next`` counts only
        requests that ``write``, as ``slow_next`` does: the fault exists to leave a client not knowing
        whether its write landed, and a loader reads before it writes."""
        with self._lock:
            if write and self.faults.drop_next > 0:
                self.faults.drop_next -= 1
                return True
            return bool(self.faults.drop_rate) and self.rng.random() < self.faults.drop_rate

    def count_written(self, records: int) -> bool:
        """Count records written; True when they reach ``pause_after_writes`` (the pause starts now)."""
        with self._lock:
            if not self.faults.pause_after_writes or self.paused or not records:
                return False
            self.records_written += records
            self.paused = self.records_written >= self.faults.pause_after_writes
            return self.paused

    async def hold_while_paused(self) -> None:
        """Wait (without holding the event loop) until no pause is on."""
        while self.paused:
            await asyncio.sleep(PAUSE_POLL_SECONDS)
