"""Asynchronous states that advance on their own (moto's ManagedState), e.g. EntityKeyIndexStatus."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .timescale import TimeScale

MODES = ("immediate", "time", "manual")


@dataclass
class ManagedState:
    """A linear progression of states, e.g. ``Pending → InProgress → Active``.

    Modes:
        ``immediate``: the final state from the start.
        ``time``: one step every ``step_seconds`` of nominal service time (scaled by the time factor).
        ``manual``: one step per :meth:`advance` call (driven by a control endpoint).
    """

    states: Sequence[str]
    mode: str = "time"
    step_seconds: float = 5.0
    created_at: float = 0.0
    manual_steps: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown state mode {self.mode!r}; valid: {', '.join(MODES)}")
        if len(self.states) < 1:
            raise ValueError("a managed state needs at least one state")

    def status(self, clock: TimeScale, now: float) -> str:
        """The state at wall time ``now`` (seconds on the same clock as ``created_at``)."""
        last = len(self.states) - 1
        if self.mode == "immediate":
            step = last
        elif self.mode == "manual":
            step = self.manual_steps
        else:
            elapsed = clock.nominal(max(0.0, now - self.created_at))
            step = int(elapsed // self.step_seconds) if self.step_seconds > 0 else last
        return self.states[min(step, last)]

    def advance(self, steps: int = 1) -> None:
        """Move a manual state forward (ignored in other modes)."""
        self.manual_steps += steps
