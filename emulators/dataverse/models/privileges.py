"""Privileges users hold through their security roles: the business-logic bypass privileges and table privileges.

Modelled as "held unless revoked" (application users and seeded users behave as System Administrators and
practitioners with a role on every table, until a test revokes one through ``/_emulator/privileges``). Table
privileges are named as Dataverse names them — ``prv<Verb><Entity>`` with the table's schema name, except that the
activity tables share ``Activity`` and notes are ``Note`` — and a user can own a record only with its ``Read``
privilege (research/dataverse.md §5.3: assigning to a user who lacks privileges is PrincipalPrivilegeDenied).
"""

from __future__ import annotations

import re

from .. import exceptions as e
from .context import BYPASS_BUSINESS_LOGIC, BYPASS_PLUGINS, Bypass, Caller
from .registry import Schema
from .schema import TableDef, stable_id

# "These ID values are the same for all Dataverse environments" (Bypass custom Dataverse logic).
BYPASS_IDS = {
    BYPASS_BUSINESS_LOGIC: "0ea552b0-a491-4470-9a1b-82068deccf66",
    BYPASS_PLUGINS: "148a9eaf-d0c4-4196-9852-c3a38e35f6a1",
}
TABLE_PRIVILEGE = re.compile(r"prv(Create|Read|Write|Delete|Append|AppendTo|Assign|Share)(\w+)")


def privilege_entity(table: TableDef) -> str:
    """The entity part of a table's privilege names (activities share one set; annotation is Note)."""
    if table.is_activity:
        return "Activity"
    return "Note" if table.logical == "annotation" else table.schema_name


class Privileges:
    """Who lacks which privilege (everything else is held)."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.revoked: dict[str, set[str]] = {}

    def privilege_id(self, name: str) -> str | None:
        """The id of a modelled privilege (bypass privileges have fixed ids; table ones are stable per name)."""
        if name in BYPASS_IDS:
            return BYPASS_IDS[name]
        found = TABLE_PRIVILEGE.fullmatch(name)
        entities = {privilege_entity(t) for t in self.schema.tables.values() if t.ownership == "UserOwned"}
        return stable_id("privilege", name) if found and found.group(2) in entities else None

    def set(self, user_id: str, name: str, held: bool) -> None:
        """Grant or revoke a privilege of a systemuser.

        Raises:
            ValueError: A privilege the emulator does not model.
        """
        if self.privilege_id(name) is None:
            raise ValueError(
                f"privilege: expected a bypass privilege or prv<Verb><Entity> of a user-owned table, got {name!r}"
            )
        revoked = self.revoked.setdefault(user_id.lower(), set())
        if held:
            revoked.discard(name)
        else:
            revoked.add(name)

    def holds(self, user_id: str, name: str) -> bool:
        return name not in self.revoked.get(user_id.lower(), set())

    def check_bypass(self, caller: Caller, bypass: Bypass) -> None:
        """Refuse a request whose bypass headers need a privilege its user lacks (before anything runs).

        Raises:
            PrivilegeDenied: 403 0x80040220.
        """
        for name in sorted(bypass.needs):
            if not self.holds(caller.user_id, name):
                raise e.PrivilegeDenied()

    def check_owner(self, table: TableDef, record: dict) -> None:
        """A record assigned to a user who cannot read its table is refused.

        Raises:
            PrincipalPrivilegeDenied: 403 0x80040231.
        """
        owner = record.get("ownerid")
        if not isinstance(owner, dict) or owner.get("type") != "systemuser":
            return
        if not self.holds(str(owner["id"]), f"prvRead{privilege_entity(table)}"):
            raise e.PrincipalPrivilegeDenied()

    def clear(self) -> None:
        self.revoked.clear()
