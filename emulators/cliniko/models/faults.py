"""Fault injection for the Cliniko emulator: 5xx answers and dropped connections, by count or by rate."""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ClinikoFaults:
    """Injected failures of /v1 requests (control paths are never faulted).

    ``*_next`` counts are deterministic (the next N requests); rates are probabilities per request
    (``error_rate`` 1.0 = an outage). ``paths`` limits the faults to requests whose target (path, then
    ``?query`` as sent) starts with one of the given prefixes: ``["/v1/invoices"]`` (that list, its side
    lists and records), ``["/v1/invoices?page=2"]`` (its second page as links.next names it); empty means
    every /v1 request.
    """

    error_status: int = 503
    fail_next: int = 0
    error_rate: float = 0.0
    drop_next: int = 0
    drop_rate: float = 0.0
    paths: list[str] = field(default_factory=list)
    seed: int | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None, base: ClinikoFaults | None = None) -> ClinikoFaults:
        """``base`` (default: no faults) with ``values`` applied.

        Raises:
            ValueError: An unknown fault name (the message lists the valid ones) or an impossible value.
        """
        given = dict(values or {})
        valid = {f.name for f in dataclasses.fields(cls)}
        unknown = set(given) - valid
        if unknown:
            raise ValueError(f"unknown Cliniko fault(s) {sorted(unknown)}; valid: {', '.join(sorted(valid))}")
        if isinstance(given.get("paths"), str):
            given["paths"] = [given["paths"]]
        faults = dataclasses.replace(base or cls(), **given)
        try:
            faults.paths = [str(p) for p in faults.paths or []]
            faults.error_status, faults.fail_next, faults.drop_next = (
                int(faults.error_status),
                int(faults.fail_next),
                int(faults.drop_next),
            )
            faults.error_rate, faults.drop_rate = float(faults.error_rate), float(faults.drop_rate)
        except (TypeError, ValueError):
            raise ValueError("faults: counts and statuses are integers, rates numbers, paths a list") from None
        if not 500 <= faults.error_status <= 599:
            raise ValueError("error_status must be a 5xx status")
        if not (0.0 <= faults.error_rate <= 1.0 and 0.0 <= faults.drop_rate <= 1.0):
            raise ValueError("error_rate and drop_rate are probabilities (0..1)")
        if faults.fail_next < 0 or faults.drop_next < 0:
            raise ValueError("fail_next and drop_next must be >= 0")
        return faults


class FaultInjector:
    """Decides, per /v1 request, whether to answer with a 5xx, drop the connection, or serve it."""

    def __init__(self, faults: ClinikoFaults) -> None:
        self._initial = dataclasses.replace(faults, paths=list(faults.paths))
        self._lock = threading.Lock()
        self.faults = dataclasses.replace(faults, paths=list(faults.paths))
        self._rng = random.Random(faults.seed)

    def configure(self, values: Mapping[str, Any], *, replace: bool = False) -> dict[str, Any]:
        """Change the faults (``replace`` starts from none); returns the active configuration.

        Raises:
            ValueError: See ClinikoFaults.from_mapping.
        """
        with self._lock:
            self.faults = ClinikoFaults.from_mapping(values, None if replace else self.faults)
            self._rng = random.Random(self.faults.seed)
            return dataclasses.asdict(self.faults)

    def current(self) -> dict[str, Any]:
        with self._lock:
            return dataclasses.asdict(self.faults)

    def reset(self) -> None:
        with self._lock:
            self.faults = dataclasses.replace(self._initial, paths=list(self._initial.paths))
            self._rng = random.Random(self.faults.seed)

    def decide(self, target: str) -> str | None:
        """Whether to fail a request to ``target``: "error", "drop" or None (a hit consumes a ``*_next`` count)."""
        with self._lock:
            faults = self.faults
            if faults.paths and not any(target.startswith(p) for p in faults.paths):
                return None
            if faults.fail_next > 0:
                faults.fail_next -= 1
                return "error"
            if faults.drop_next > 0:
                faults.drop_next -= 1
                return "drop"
            if faults.error_rate and self._rng.random() < faults.error_rate:
                return "error"
            if faults.drop_rate and self._rng.random() < faults.drop_rate:
                return "drop"
            return None
