"""Privileges users hold through their security roles: the business-logic bypass privileges and table privileges.

Two modes. Without ``security_roles`` (the default) every user holds every privilege at Global depth until a test
revokes one through ``/_emulator/privileges``. With ``security_roles`` (the real-org profile) a user holds what the
roles assigned to them — directly, or through an owner team whose role passes its privileges on to members — give,
at the deepest depth any of those roles grants; application users have the System Administrator role, other users
the roles their seed names (Salesperson unless told). Revocations apply in both modes.

Table privileges are named as Dataverse names them — ``prv<Verb><Entity>`` with the table's schema name, except that
the activity tables share ``Activity`` and notes are ``Note``. Depths follow the ``PrivilegeDepth`` enumeration
(Basic 0: records the user owns; Local 1: the user's business unit; Deep 2: that unit and the units below it;
Global 3: the whole organization). Who can own a record and what the caller needs to assign it: README
"Security roles, teams and owners".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .. import exceptions as e
from .context import BYPASS_BUSINESS_LOGIC, BYPASS_PLUGINS, Bypass, Caller
from .registry import Schema
from .schema import TableDef, stable_id
from .store import Store

# "These ID values are the same for all Dataverse environments" (Bypass custom Dataverse logic).
BYPASS_IDS = {
    BYPASS_BUSINESS_LOGIC: "0ea552b0-a491-4470-9a1b-82068deccf66",
    BYPASS_PLUGINS: "148a9eaf-d0c4-4196-9852-c3a38e35f6a1",
}
TABLE_PRIVILEGE = re.compile(r"prv(Create|Read|Write|Delete|AppendTo|Append|Assign|Share)(\w+)")
VERBS = ("Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share")
# PrivilegeDepth enumeration (Microsoft.Crm.Sdk.Messages.PrivilegeDepth): Basic 0, Local 1, Deep 2, Global 3.
DEPTHS = ("Basic", "Local", "Deep", "Global")
SYSTEM_ADMINISTRATOR = "System Administrator"
SALESPERSON = "Salesperson"
# accessmode choices (systemuser table): who cannot own business records (README: the docs are silent, the
# stricter case is modelled).
ADMINISTRATIVE, READ_ONLY, NON_INTERACTIVE = 1, 2, 4


def privilege_entity(table: TableDef) -> str:
    """The entity part of a table's privilege names (activities share one set; annotation is Note)."""
    if table.is_activity:
        return "Activity"
    return "Note" if table.logical == "annotation" else table.schema_name


@dataclass
class Role:
    """A security role: privilege name → depth; ``inherited`` is the role's "Member's privilege inheritance" —
    False is "Team privileges only" (the default of a new role), True "Direct User (Basic) access level and Team
    privileges", the only setting that passes a team's role on to its members."""

    role_id: str
    name: str
    privileges: dict[str, str]
    inherited: bool = False

    def describe(self) -> dict[str, Any]:
        return {"roleid": self.role_id, "name": self.name, "privileges": self.privileges, "inherited": self.inherited}


@dataclass
class Assignments:
    """Roles of users and teams, and team members (explicit ones; users without an entry get their default)."""

    user_roles: dict[str, set[str]] = field(default_factory=dict)
    team_roles: dict[str, set[str]] = field(default_factory=dict)
    team_members: dict[str, set[str]] = field(default_factory=dict)


class Privileges:
    """Who holds which privilege at which depth, and the owner and caller checks of a write."""

    def __init__(self, schema: Schema, store: Store, *, security_roles: bool = False) -> None:
        self.schema = schema
        self.store = store
        self.security_roles = security_roles
        self.revoked: dict[str, set[str]] = {}
        self.roles: dict[str, Role] = {}
        self.assigned = Assignments()
        self._standard_roles()

    def _entities(self) -> set[str]:
        return {privilege_entity(t) for t in self.schema.tables.values() if t.ownership == "UserOwned"}

    def _standard_roles(self) -> None:
        table_privileges = {f"prv{v}{entity}" for v in VERBS for entity in self._entities()}
        self.add_role(
            SYSTEM_ADMINISTRATOR, {**dict.fromkeys(table_privileges, "Global"), **dict.fromkeys(BYPASS_IDS, "Global")}
        )
        # A practitioner's role: their own records (Basic), reading the business unit's contacts and accounts.
        self.add_role(
            SALESPERSON,
            {**dict.fromkeys(table_privileges, "Basic"), "prvReadContact": "Local", "prvReadAccount": "Local"},
        )

    # -- configuration -------------------------------------------------------------------------------------

    def privilege_id(self, name: str) -> str | None:
        """The id of a modelled privilege (bypass privileges have fixed ids; table ones are stable per name)."""
        if name in BYPASS_IDS:
            return BYPASS_IDS[name]
        found = TABLE_PRIVILEGE.fullmatch(name)
        return stable_id("privilege", name) if found and found.group(2) in self._entities() else None

    def add_role(self, name: str, privileges: dict[str, str], *, inherited: bool = False) -> Role:
        """Define (or redefine) a role by name.

        Raises:
            ValueError: An unmodelled privilege or an unknown depth.
        """
        for privilege, depth in privileges.items():
            if self.privilege_id(privilege) is None:
                raise ValueError(f"role {name!r}: privilege {privilege!r} is not modelled")
            if depth not in DEPTHS:
                raise ValueError(f"role {name!r}: depth of {privilege} must be one of {', '.join(DEPTHS)}")
        role = Role(stable_id("role", name), name, dict(privileges), inherited)
        self.roles[role.role_id] = role
        return role

    def role_named(self, name: str) -> Role:
        """Raises ValueError for a role that is not defined."""
        for role in self.roles.values():
            if role.name == name:
                return role
        raise ValueError(f"no security role named {name!r}; defined: {', '.join(r.name for r in self.roles.values())}")

    def assign_user(self, user_id: str, role_names: list[str]) -> None:
        self.assigned.user_roles[user_id.lower()] = {self.role_named(n).role_id for n in role_names}

    def assign_team(self, team_id: str, role_names: list[str], members: list[str]) -> None:
        self.assigned.team_roles[team_id.lower()] = {self.role_named(n).role_id for n in role_names}
        self.assigned.team_members[team_id.lower()] = {m.lower() for m in members}

    def set(self, user_id: str, name: str, held: bool) -> None:
        """Grant or revoke a privilege of a systemuser (a revocation wins over every role).

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

    # -- what a principal holds ----------------------------------------------------------------------------

    def user_roles(self, user_id: str) -> list[Role]:
        """The roles a user holds directly (their default when none were assigned explicitly)."""
        user_id = user_id.lower()
        if user_id in self.assigned.user_roles:
            return [self.roles[r] for r in sorted(self.assigned.user_roles[user_id])]
        user = self.store.get("systemuser", user_id) or {}
        if user.get("applicationid"):
            return [self.role_named(SYSTEM_ADMINISTRATOR)]
        return [self.role_named(SALESPERSON)]

    def team_roles(self, team_id: str) -> list[Role]:
        return [self.roles[r] for r in sorted(self.assigned.team_roles.get(team_id.lower(), set()))]

    def effective_roles(self, user_id: str) -> list[Role]:
        """Direct roles and the roles of the user's teams that pass their privileges on to members."""
        roles = self.user_roles(user_id)
        for team_id, members in self.assigned.team_members.items():
            if user_id.lower() in members:
                roles += [r for r in self.team_roles(team_id) if r.inherited]
        return roles

    def grants(self, principal: str, name: str, *, team: bool = False) -> list[tuple[Role, str]]:
        """(role, depth) of every role through which a user (or a team) holds a privilege."""
        if name in self.revoked.get(principal.lower(), set()):
            return []
        if not self.security_roles:
            return [(self.role_named(SYSTEM_ADMINISTRATOR), "Global")]
        roles = self.team_roles(principal) if team else self.effective_roles(principal)
        return [(r, r.privileges[name]) for r in roles if name in r.privileges]

    def depth(self, principal: str, name: str, *, team: bool = False) -> str | None:
        """The deepest depth at which a principal holds a privilege, None when it does not."""
        depths = [DEPTHS.index(d) for _, d in self.grants(principal, name, team=team)]
        return DEPTHS[max(depths)] if depths else None

    def holds(self, user_id: str, name: str) -> bool:
        return self.depth(user_id, name) is not None

    # -- checks ----------------------------------------------------------------------------------------------

    def check_bypass(self, caller: Caller, bypass: Bypass) -> None:
        """Refuse a request whose bypass headers need a privilege its user lacks (before anything runs).

        Raises:
            PrivilegeDenied: 403 0x80040220.
        """
        for name in sorted(bypass.needs):
            if not self.holds(caller.user_id, name):
                raise e.PrivilegeDenied()

    def check_owner(self, table: TableDef, record: dict, caller: Caller, *, creating: bool) -> None:
        """A record given an owner: the owner must be able to own it, the caller must reach the owner.

        Raises:
            UserNotAssignedLicense, ReadOnlyUserNotSupported, UserNotAssignedRoles, PrincipalPrivilegeDenied: the
                owner cannot own the record (403).
            PrivilegeDenied: 403 0x80040220, the caller lacks Create/Write or Assign at a depth reaching the owner.
        """
        owner = record.get("ownerid")
        if not isinstance(owner, dict) or owner.get("type") not in ("systemuser", "team"):
            return
        entity = privilege_entity(table)
        owner_id, is_team = str(owner["id"]).lower(), owner["type"] == "team"
        principal = self.store.get(owner["type"], owner_id) or {}
        if self.security_roles and not is_team:
            self._check_can_own(owner_id, principal)
        if is_team and self.security_roles and not self.team_roles(owner_id):
            raise e.PrincipalPrivilegeDenied()
        if self.depth(owner_id, f"prvRead{entity}", team=is_team) is None:
            raise e.PrincipalPrivilegeDenied()
        same = not is_team and owner_id == caller.user_id.lower()
        verbs = ["Create" if creating else "Write"] + ([] if same else ["Assign"])
        owner_unit = _ref_id(principal.get("businessunitid"))
        for verb in verbs:
            if not self.reaches(self.depth(caller.user_id, f"prv{verb}{entity}"), caller, owner_unit, same):
                raise e.PrivilegeDenied()

    def _check_can_own(self, user_id: str, user: dict[str, Any]) -> None:
        mode = int(user.get("accessmode") or 0)
        if mode == READ_ONLY:
            raise e.ReadOnlyUserNotSupported()
        if mode == ADMINISTRATIVE:
            raise e.PrincipalPrivilegeDenied()
        if mode != NON_INTERACTIVE and not user.get("islicensed"):
            raise e.UserNotAssignedLicense()
        if not self.effective_roles(user_id):
            raise e.UserNotAssignedRoles(id=user_id)

    def reaches(self, depth: str | None, caller: Caller, owner_unit: str | None, same_user: bool) -> bool:
        """Whether a privilege held at ``depth`` covers records owned in ``owner_unit`` (PrivilegeDepth)."""
        if depth is None:
            return False
        if depth == "Global" or same_user:
            return True
        caller_unit = caller.business_unit_id.lower()
        if depth == "Local":
            return owner_unit == caller_unit
        return depth == "Deep" and owner_unit in self.units_below(caller_unit)

    def units_below(self, unit_id: str) -> set[str]:
        """A business unit and every unit under it."""
        children: dict[str, list[str]] = {}
        for bu_id, row in self.store.rows("businessunit").items():
            parent = _ref_id(row.get("parentbusinessunitid"))
            if parent:
                children.setdefault(parent, []).append(bu_id.lower())
        found, todo = set(), [unit_id.lower()]
        while todo:
            unit = todo.pop()
            found.add(unit)
            todo += children.get(unit, [])
        return found

    def describe(self) -> dict[str, Any]:
        return {
            "security_roles": self.security_roles,
            "roles": [r.describe() for r in self.roles.values()],
            "users": {u: sorted(self.roles[r].name for r in rs) for u, rs in self.assigned.user_roles.items()},
            "teams": {
                t: {
                    "roles": sorted(self.roles[r].name for r in rs),
                    "members": sorted(self.assigned.team_members.get(t, set())),
                }
                for t, rs in self.assigned.team_roles.items()
            },
        }

    def clear(self) -> None:
        self.revoked.clear()
        self.roles.clear()
        self.assigned = Assignments()
        self._standard_roles()


def _ref_id(value: Any) -> str | None:
    return str(value["id"]).lower() if isinstance(value, dict) and value.get("id") else None
