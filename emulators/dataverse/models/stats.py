"""Counters the control endpoint reports: requests, records, throttling per facet, faults."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any


class Stats:
    """What the emulator saw and did since start or the last reset."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.statuses: Counter[int] = Counter()
            self.operations: Counter[str] = Counter()
            self.records: Counter[str] = Counter()
            self.throttled: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()
            self.per_user: dict[str, Counter[str]] = defaultdict(Counter)
            self.max_concurrency = 0

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def count_status(self, status: int, user_id: str | None) -> None:
        with self._lock:
            self.statuses[status] += 1
            if user_id:
                self.per_user[user_id]["requests"] += 1
                if status == 429:
                    self.per_user[user_id]["throttled"] += 1

    def count_operation(self, name: str, n: int = 1) -> None:
        self.operations[name] += n

    def count_record(self, kind: str, n: int = 1) -> None:
        self.records[kind] += n

    def count_execution(self, user_id: str, nominal_seconds: float, records_written: int) -> None:
        """A finished request's service time (what the execution-time limit counts) and its writes, per user:
        a benchmark divides them by wall time to see how much of the budget a client used."""
        with self._lock:
            counts = self.per_user[user_id]
            counts["execution_ms"] += round(nominal_seconds * 1000)
            counts["records_written"] += records_written
            # The longest request: with the peak in flight, what requests admitted just under the
            # execution-time limit can still add to it (bench/bench_dynamics_load.py execution_budget_seconds).
            counts["max_request_ms"] = max(counts["max_request_ms"], round(nominal_seconds * 1000))

    def count_logic(self, user_id: str, nominal_seconds: float) -> None:
        """Synchronous plug-in time inside a user's requests (part of their execution_ms)."""
        with self._lock:
            self.per_user[user_id]["logic_ms"] += round(nominal_seconds * 1000)

    def count_throttled(self, facet: str) -> None:
        self.throttled[facet] += 1

    def count_fault(self, kind: str) -> None:
        self.faults[kind] += 1

    def observe_concurrency(self, in_flight: int, user_id: str) -> None:
        with self._lock:
            self.max_concurrency = max(self.max_concurrency, in_flight)
            counts = self.per_user[user_id]
            counts["max_in_flight"] = max(counts["max_in_flight"], in_flight)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "operations": dict(self.operations),
                "records": {
                    "created": self.records["created"],
                    "updated": self.records["updated"],
                    "deleted": self.records["deleted"],
                    "written": sum(self.records.values()),
                },
                "throttled": {
                    "requests": self.throttled["requests"],
                    "execution_time": self.throttled["execution_time"],
                    "concurrency": self.throttled["concurrency"],
                    "total": sum(self.throttled.values()),
                },
                "faults": dict(self.faults),
                "per_user": {user: dict(counts) for user, counts in self.per_user.items()},
                "max_concurrency": self.max_concurrency,
            }
