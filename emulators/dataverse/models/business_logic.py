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

from .. import exceptions as e
from .context import BYPASS_BUSINESS_LOGIC, BYPASS_PLUGINS, Bypass, Caller

KINDS = ("sync", "async", "flow")
MESSAGES = ("Create", "Update")
# Privilege ids are "the same for all Dataverse environments" (Bypass custom Dataverse logic page).
PRIVILEGE_IDS = {
    BYPASS_BUSINESS_LOGIC: "0ea552b0-a491-4470-9a1b-82068deccf66",
    BYPASS_PLUGINS: "148a9eaf-d0c4-4196-9852-c3a38e35f6a1",
}


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
    """The org's registered logic, what fired, its execution time, and who lacks the bypass privileges."""

    registrations: list[Registration] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)
    # Users without a privilege (application users hold both by default, as System Administrators do).
    revoked: dict[str, set[str]] = field(default_factory=dict)
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

    def set_privilege(self, user_id: str, privilege: str, held: bool) -> None:
        """Grant or revoke one of the bypass privileges of a systemuser.

        Raises:
            ValueError: A privilege the emulator does not model.
        """
        if privilege not in PRIVILEGE_IDS:
            raise ValueError(f"privilege: expected one of {sorted(PRIVILEGE_IDS)}")
        revoked = self.revoked.setdefault(user_id.lower(), set())
        if held:
            revoked.discard(privilege)
        else:
            revoked.add(privilege)

    def holds(self, user_id: str, privilege: str) -> bool:
        return privilege not in self.revoked.get(user_id.lower(), set())

    def check(self, caller: Caller, bypass: Bypass) -> None:
        """Refuse a request whose bypass headers need a privilege its user lacks (before anything runs).

        Raises:
            PrivilegeDenied: 403 0x80040220.
        """
        for privilege in sorted(bypass.needs):
            if not self.holds(caller.user_id, privilege):
                raise e.PrivilegeDenied(privilege=privilege, privilege_id=PRIVILEGE_IDS[privilege])

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
        self.revoked.clear()
        self.pending_seconds = self.background_seconds = 0.0


def _primary_key(table: str, record: dict[str, Any]) -> str:
    return "activityid" if "activityid" in record else f"{table}id"


def _regarding(record: dict[str, Any]) -> str | None:
    """The contact the logic would reach (an activity's regarding contact, or the contact itself)."""
    regarding = record.get("regardingobjectid")
    if isinstance(regarding, dict) and regarding.get("type") == "contact":
        return str(regarding["id"])
    return str(record["contactid"]) if "contactid" in record else None
