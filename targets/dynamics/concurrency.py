"""An adaptive (AIMD) concurrency limit per application user, with a shared Retry-After pause."""

from __future__ import annotations

import asyncio
import time
from collections import deque


class Slot:
    """One admitted request; remembers the limit's generation so one 429 burst halves the limit once."""

    __slots__ = ("generation", "limiter", "released")

    def __init__(self, limiter: AdaptiveLimiter, generation: int) -> None:
        self.limiter = limiter
        self.generation = generation
        self.released = False

    def release(self) -> None:
        """Give the slot back (idempotent)."""
        if not self.released:
            self.released = True
            self.limiter._release()

    async def __aenter__(self) -> Slot:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release()


class AdaptiveLimiter:
    """Additive increase, multiplicative decrease of the number of requests in flight (asyncio).

    research/dataverse.md §4.2: start from the server's ``x-ms-dop-hint``, ramp up gradually and let 429s
    bring it down (anchors.md §4.2 saw ≈ 30 s throttle events when clients exceeded the hint). The limit
    grows by one after ``increase_after`` consecutive successes, never above ``maximum`` (research §4.1:
    52 per user), and halves, never below 1, on a 429 — once per burst: 429s of requests admitted before
    the last decrease do not halve it again. ``pause(seconds)`` holds every new admission until the
    service's Retry-After has passed (the limits count per user, so one request's pause is the user's).

    Example:
        ``async with limiter as slot: …`` (or ``slot = await limiter.acquire()`` … ``slot.release()``).
    """

    def __init__(self, initial: int, maximum: int, *, increase_after: int = 20) -> None:
        if maximum < 1 or initial < 1 or increase_after < 1:
            raise ValueError("AdaptiveLimiter needs initial ≥ 1, maximum ≥ 1 and increase_after ≥ 1")
        self.maximum = maximum
        self.increase_after = increase_after
        self._limit = min(initial, maximum)
        self._in_flight = 0
        self._streak = 0
        self._generation = 0
        self._paused_until = 0.0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        """Requests allowed in flight now."""
        return self._limit

    @property
    def in_flight(self) -> int:
        """Requests holding a slot now."""
        return self._in_flight

    @property
    def paused_for(self) -> float:
        """Seconds until admissions resume (0 when not paused)."""
        return max(0.0, self._paused_until - time.monotonic())

    def set_limit(self, value: int) -> None:
        """Set the limit (clamped to 1…maximum), e.g. from ``x-ms-dop-hint``."""
        self._limit = max(1, min(value, self.maximum))
        self._generation += 1
        self._wake()

    async def acquire(self) -> Slot:
        """Wait for a free slot and for any pause to end.

        Returns:
            The slot; give it back with ``slot.release()`` or ``async with``.
        """
        while True:
            pause = self.paused_for
            if pause > 0:
                await asyncio.sleep(pause)
                continue
            if self._in_flight < self._limit:
                self._in_flight += 1
                return Slot(self, self._generation)
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def succeeded(self) -> None:
        """Count a success; after ``increase_after`` in a row the limit grows by one."""
        self._streak += 1
        if self._streak >= self.increase_after:
            self._streak = 0
            if self._limit < self.maximum:
                self._limit += 1
                self._wake()

    def throttled(self, slot: Slot | None = None, retry_after: float | None = None, *, reduce: bool = True) -> None:
        """Count a 429: halve the limit (once per burst) and pause admissions for ``retry_after`` seconds.

        Args:
            slot: The slot the throttled request held; None always halves.
            retry_after: The service's Retry-After in seconds, if any.
            reduce: False keeps the limit and only pauses — for the execution-time budget, which fewer
                requests in flight do not refill sooner: after Retry-After the budget is there to use.
        """
        self._streak = 0
        if reduce and (slot is None or slot.generation == self._generation):
            self._limit = max(1, self._limit // 2)
            self._generation += 1
        if retry_after:
            self.pause(retry_after)

    def pause(self, seconds: float) -> None:
        """Admit nothing new for ``seconds`` (extends, never shortens, a pause under way)."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def _release(self) -> None:
        self._in_flight = max(0, self._in_flight - 1)
        self._wake()

    def _wake(self) -> None:
        # Waiters re-check the limit themselves, so waking all of them is always correct.
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    async def __aenter__(self) -> Slot:
        slot = await self.acquire()
        slot.released = True  # the context manager gives it back, not the slot
        return slot

    async def __aexit__(self, *exc: object) -> None:
        self._release()
