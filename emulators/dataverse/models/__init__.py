"""The Dataverse backend: one org's state and behaviour, composed from the modules of this package."""

from __future__ import annotations

import dataclasses
import pathlib

from ...common.timescale import TimeScale
from ..exceptions import ObjectDoesNotExist
from .bulk import Bulk
from .business_logic import BusinessLogic
from .config import DataverseOptions
from .faults import FaultInjector
from .files import Files
from .keys import KeyRegistry
from .privileges import Privileges
from .reading import Reader
from .records import Records
from .registry import Schema
from .relations import Relations
from .rules import Rules, ref
from .schema import stable_id
from .security import CallerResolver, TokenVerifier, ensure_app_user
from .seed import add_user, seed
from .stats import Stats
from .store import Store
from .throttle import ServiceProtection
from .writes import BindTargetDoesNotExist, BodyParser

__all__ = ["DataverseBackend", "DataverseOptions"]


class DataverseBackend:
    """All state of one emulated org (moto's ``<Service>Backend``) with ``reset()``."""

    def __init__(
        self, options: DataverseOptions, *, org_url: str, state_path: pathlib.Path | None, clock: TimeScale
    ) -> None:
        self.options = options
        self.org_url = org_url.rstrip("/")
        self.clock = clock
        self.store = Store(state_path)
        self.schema = Schema(self.store, options.multiple_supported)
        activation = options.key_activation
        self.keys = KeyRegistry(
            self.store,
            clock,
            activation.mode,
            activation.step_seconds,
            inactive_error=options.inactive_key_error,
        )
        for meta in self.store.meta_all("key").values():
            self.keys.restore(meta)
        self.relations = Relations(self.schema, self.store)
        self.stats = Stats()
        self.rules = Rules(self.store, self.relations, options)
        self.parser = BodyParser(self.schema, self.store, self.keys, options.bind_miss_status)
        self.logic = BusinessLogic()
        self.privileges = Privileges(self.schema, self.store, security_roles=options.security_roles)
        self.records = Records(
            self.schema,
            self.store,
            self.keys,
            self.relations,
            self.parser,
            self.rules,
            self.stats,
            self.logic,
            self.privileges,
        )
        self.reader = Reader(self.schema, self.store, self.relations)
        self.bulk = Bulk(self.schema, self.store, self.records)
        self.files = Files(self.schema, self.records)
        self.throttle = ServiceProtection(options.limits, clock)
        self.faults = FaultInjector(options.faults, clock)
        self.tokens = TokenVerifier(options.trusted_keys, self.org_url, options.tenant_id)
        self.callers = CallerResolver(self.store, self.rules, options)
        seed(self.store, self.schema, self.rules, options, self.privileges)
        self._register_logic()

    def _register_logic(self) -> None:
        """The business logic the options register at start and after a reset."""
        for registration in self.options.business_logic:
            self.logic.register(dict(registration), set(self.schema.tables))

    @property
    def organization_id(self) -> str:
        return str(self.rules.organization()["organizationid"])

    def add_app_user(self, client_id: str, name: str, object_id: str | None = None) -> dict[str, object]:
        """Register an application user (one per app registration; limits are per user)."""
        self.options.app_users.append({"client_id": client_id, "name": name, "object_id": object_id})
        return ensure_app_user(self.store, self.rules, client_id, name, object_id)

    def add_user(self, user: dict[str, object]) -> dict[str, object]:
        """Seed a systemuser (e.g. a practitioner, enabled or disabled)."""
        self.options.users.append(dict(user))
        return add_user(self.store, self.rules, dict(user), self.privileges)

    def add_owner_team(self, name: str, business_unit: str | None, roles: list[str], members: list[str]) -> str:
        """An owner team (teamtype 0) in a business unit (the root unless told) with security roles and members.

        Raises:
            ValueError: An unknown role, business unit or member.
        """
        unit = (business_unit or self.rules.root_business_unit()).lower()
        if self.store.get("businessunit", unit) is None:
            raise ValueError(f"no business unit {unit}")
        unknown = [m for m in members if self.store.get("systemuser", m.lower()) is None]
        if unknown:
            raise ValueError(f"no systemuser(s) {unknown}")
        team_id = stable_id("team", self.options.org_name, name)
        record = {
            "teamid": team_id,
            "name": name,
            "businessunitid": ref("businessunit", unit),
            "teamtype": 0,
            "isdefault": False,
            "versionnumber": self.store.next_version(),
        }
        self.privileges.assign_team(team_id, roles, members)
        with self.store.transaction():
            self.store.put("team", team_id, record)
        return team_id

    def reconfigure(self, values: dict[str, object]) -> None:
        """Change options at run time (control endpoint); only switches that are safe to flip live.

        Raises:
            ValueError: An option that cannot change while running, or an invalid value.
        """
        # Seed-time options: change the seeded rows instead (e.g. PATCH organizations(...) maxuploadfilesize).
        frozen = {
            "org_name",
            "tenant_id",
            "entra_url",
            "trusted_keys",
            "base_currency",
            "users",
            "app_users",
            "maxuploadfilesize",
            "business_logic",
        }
        blocked = sorted(set(values) & frozen)
        if blocked:
            raise ValueError(f"option(s) {blocked} cannot change while the emulator runs")
        self.options.update(values)
        self.throttle.limits = self.options.limits
        self.privileges.security_roles = self.options.security_roles
        self.keys.mode = self.options.key_activation.mode
        self.keys.step_seconds = self.options.key_activation.step_seconds
        self.keys.inactive_error = self.options.inactive_key_error
        self.parser.bind_miss = BindTargetDoesNotExist if self.options.bind_miss_status == 400 else ObjectDoesNotExist
        if "faults" in values:
            self.faults.configure(dataclasses.asdict(self.options.faults), replace=True)

    def describe(self) -> dict[str, object]:
        """The effective configuration (no secrets: the trusted keys are public keys)."""
        described = dataclasses.asdict(self.options)
        described.pop("trusted_keys")
        described["time_scale"] = self.clock.factor
        described["org_url"] = self.org_url
        described["persistent"] = self.store.persistent
        return described

    def reset(self, *, metadata: bool = True) -> None:
        """Back to a freshly seeded org: rows (and custom columns and keys, unless ``metadata`` is False)."""
        self.store.clear(metadata=metadata)
        self.relations.clear()
        kept = [] if metadata else [k.to_meta() for keys in self.keys.keys.values() for k in keys]
        self.keys.clear()
        if metadata:
            self.schema.reload()
        for meta in kept:
            self.keys.restore(meta)
        self.privileges.clear()
        seed(self.store, self.schema, self.rules, self.options, self.privileges)
        self.stats.reset()
        self.throttle.reset()
        self.faults.reset()
        self.files.sessions.clear()
        self.logic.clear()
        self._register_logic()

    def close(self) -> None:
        self.store.close()
