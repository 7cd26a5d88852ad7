"""Registered business logic (plug-in steps, Power Automate flows) and the headers that bypass it.

A real org runs the customer's own logic on every write: synchronous plug-in steps inside the request (their
time is the request's time), asynchronous steps and flows after it (system jobs). A client bypasses them with
the optional parameters of the "Bypass custom Dataverse logic" and "Bypass Power Automate Flows" pages
(README "Business logic and its bypass"): ``MSCRM.BypassBusinessLogicExecution: CustomSync,CustomAsync``
(needs ``prvBypassCustomBusinessLogic``), ``MSCRM.BypassCustomPluginExecution: true`` (sync only, needs
``prvBypassCustomPlugins``), ``MSCRM.BypassBusinessLogicExecutionStepIds`` (named steps, needs
``prvBypassCustomBusinessLogic``) and ``MSCRM.SuppressCallbackRegistrationExpanderJob: true`` (flows, no
privilege). A test or the demo registers logic through ``/_emulator/business-logic``; every firing is recorded
as a side effect ("email sent to the contact") that the test can read back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from .context import Bypass

KINDS = ("sync", "async", "flow")
MESSAGES = ("Create", "Update")


@dataclass(frozen=True)
class Registration:
    """One plug-in step (``sync``/``async``) or flow trigger on a table and message."""

    id: str
    table: str
    message: str
    kind: str
    milliseconds: float
    effect: str


@dataclass
class BusinessLogic:
    """The org's registered logic, what fired and its execution time (the privileges: models/privileges.py)."""

    registrations: list[Registration] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)
    pending_seconds: float = 0.0  # synchronous logic of the request being handled (requests are handled in turn)
    background_seconds: float = 0.0  # asynchronous steps and flows: system jobs, not the request's time

    def register(self, payload: dict[str, Any], known_tables: set[str]) -> Registration:
        """Validate and add a registration from a control-endpoint payload.

        Raises:
            ValueError: Unknown table, message or kind, or a negative time.
        """
        table, message, kind = str(payload.get("table", "")), str(payload.get("message", "")), payload.get("kind")
        if table not in known_tables:
            raise ValueError(f"table: expected one of the org's tables, got {table!r}")
        if message not in MESSAGES:
            raise ValueError(f"message: expected one of {MESSAGES}")
        if kind not in KINDS:
            raise ValueError(f"kind: expected one of {KINDS}")
        milliseconds = float(payload.get("milliseconds", 0))
        if milliseconds < 0:
            raise ValueError("milliseconds: expected a number ≥ 0")
        registration = Registration(
            str(payload.get("id") or uuid.uuid4()), table, message, kind, milliseconds, str(payload.get("effect", ""))
        )
        self.registrations.append(registration)
        return registration

    def fire(
        self,
        table: str,
        message: str,
        record: dict[str, Any],
        bypass: Bypass,
        on_rollback: Callable[[Callable[[], None]], None],
    ) -> None:
        """Run what is registered on ``table``/``message`` unless the request bypassed it. Asynchronous steps and
        flows are system jobs created with the write: a rolled-back write (``on_rollback``) never starts them. A
        synchronous step has already run (its external call cannot be undone)."""
        for registration in self.registrations:
            if (
                registration.table != table
                or registration.message != message
                or bypass.skips(registration.kind, registration.id)
            ):
                continue
            seconds = registration.milliseconds / 1000
            effect = {
                "registration": registration.id,
                "kind": registration.kind,
                "table": table,
                "message": message,
                "record_id": record.get(_primary_key(table, record)),
                "regarding": _regarding(record),
                "effect": registration.effect,
            }
            self.effects.append(effect)
            if registration.kind == "sync":
                self.pending_seconds += seconds
            else:
                self.background_seconds += seconds
                on_rollback(lambda effect=effect, seconds=seconds: self._cancel(effect, seconds))

    def _cancel(self, effect: dict[str, Any], seconds: float) -> None:
        self.effects.remove(effect)
        self.background_seconds -= seconds

    def take_pending_seconds(self) -> float:
        """The synchronous logic time of the request just handled (added to its execution time)."""
        seconds, self.pending_seconds = self.pending_seconds, 0.0
        return seconds

    def describe(self) -> dict[str, Any]:
        return {
            "registrations": [asdict(r) for r in self.registrations],
            "effects": list(self.effects),
            "background_seconds": self.background_seconds,
        }

    def clear(self) -> None:
        self.registrations.clear()
        self.effects.clear()
        self.pending_seconds = self.background_seconds = 0.0


def _primary_key(table: str, record: dict[str, Any]) -> str:
    return "activityid" if "activityid" in record else f"{table}id"


def _regarding(record: dict[str, Any]) -> str | None:
    """The contact the logic would reach (an activity's regarding contact, or the contact itself)."""
    regarding = record.get("regardingobjectid")
    if isinstance(regarding, dict) and regarding.get("type") == "contact":
        return str(regarding["id"])
    return str(record["contactid"]) if "contactid" in record else None
