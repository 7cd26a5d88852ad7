"""Alternate keys: definitions with an asynchronous index status, value indexes and uniqueness."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ...common.managed_state import ManagedState
from ...common.timescale import TimeScale
from .. import constants as c
from .. import exceptions as e
from .refs import Key, is_guid
from .schema import KEYABLE_TYPES, TableDef, stable_id
from .store import Record, Store


@dataclass
class AlternateKey:
    """One EntityKeyMetadata (research/dataverse.md §6.2)."""

    entity: str
    schema_name: str
    attributes: tuple[str, ...]
    metadata_id: str
    state: ManagedState
    display_name: str = ""
    failed: bool = False
    activated: bool = False

    @property
    def logical_name(self) -> str:
        return self.schema_name.lower()

    def to_meta(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "schema_name": self.schema_name,
            "attributes": list(self.attributes),
            "metadata_id": self.metadata_id,
            "display_name": self.display_name,
            "created_at": self.state.created_at,
            "mode": self.state.mode,
            "step_seconds": self.state.step_seconds,
            "manual_steps": self.state.manual_steps,
            "failed": self.failed,
            "activated": self.activated,
        }


def normalise(value: Any) -> Any:
    """Index form of a key value: strings compare case-insensitively (SQL Server's default collation)."""
    if isinstance(value, dict):
        return str(value.get("id", "")).lower()
    if isinstance(value, str):
        return value.casefold()
    return value


@dataclass
class KeyRegistry:
    """Every alternate key of every table, with one value index per key."""

    store: Store
    clock: TimeScale
    mode: str = "time"
    step_seconds: float = c.KEY_INDEX_STEP_SECONDS
    inactive_error: str = "invalid_key"
    keys: dict[str, list[AlternateKey]] = field(default_factory=lambda: defaultdict(list))
    _index: dict[tuple[str, str], dict[tuple[Any, ...], set[str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.store.add_hook(self._on_put)

    # -- definitions ---------------------------------------------------------------------------------

    def define(self, table: TableDef, schema_name: str, attributes: list[str], display_name: str = "") -> AlternateKey:
        """Create a key; its index starts Pending (research/dataverse.md §6.2 constraints).

        Raises:
            InvalidArgument: Unknown or unsupported columns, too many columns or keys, or a duplicate name.
        """
        if not schema_name or not attributes:
            raise e.InvalidArgument(detail="SchemaName and KeyAttributes are required to create an entity key.")
        existing = self.keys[table.logical]
        if any(k.logical_name == schema_name.lower() for k in existing):
            raise e.InvalidArgument(detail=f"An entity key with the name {schema_name} already exists.")
        if len(existing) >= c.MAX_KEYS_PER_TABLE:
            raise e.InvalidArgument(detail=f"A table can have at most {c.MAX_KEYS_PER_TABLE} alternate keys.")
        if len(attributes) > c.MAX_KEY_COLUMNS:
            raise e.InvalidArgument(detail=f"An alternate key can have at most {c.MAX_KEY_COLUMNS} columns.")
        for name in attributes:
            attr = table.attributes.get(name.lower())
            if attr is None:
                raise e.InvalidArgument(detail=f"Attribute {name} does not exist on entity {table.logical}.")
            if attr.type not in KEYABLE_TYPES:
                raise e.InvalidArgument(detail=f"Attribute {name} of type {attr.type} cannot be part of a key.")
        key = AlternateKey(
            entity=table.logical,
            schema_name=schema_name,
            attributes=tuple(a.lower() for a in attributes),
            metadata_id=stable_id("key", table.logical, schema_name.lower()),
            state=ManagedState(
                c.KEY_INDEX_STATES, mode=self.mode, step_seconds=self.step_seconds, created_at=time.time()
            ),
            display_name=display_name or schema_name,
        )
        self._add(key)
        self.store.meta_put("key", f"{table.logical}.{key.logical_name}", key.to_meta())
        return key

    def restore(self, meta: dict[str, Any]) -> None:
        """Re-create a persisted key (its status keeps counting from its original creation time)."""
        state = ManagedState(
            c.KEY_INDEX_STATES,
            mode=meta["mode"],
            step_seconds=meta["step_seconds"],
            created_at=meta["created_at"],
            manual_steps=meta["manual_steps"],
        )
        key = AlternateKey(
            meta["entity"],
            meta["schema_name"],
            tuple(meta["attributes"]),
            meta["metadata_id"],
            state,
            meta.get("display_name", ""),
            meta.get("failed", False),
            meta.get("activated", False),
        )
        self._add(key)

    def _add(self, key: AlternateKey) -> None:
        self.keys[key.entity].append(key)
        index: dict[tuple[Any, ...], set[str]] = {}
        for record_id, record in self.store.rows(key.entity).items():
            values = self._values(key, record)
            if values is not None:
                index.setdefault(values, set()).add(record_id)
        self._index[(key.entity, key.logical_name)] = index

    def delete(self, entity: str, key_id: str) -> None:
        """Remove a key (cancels its index job)."""
        for key in list(self.keys[entity]):
            if key.metadata_id == key_id.lower():
                self.keys[entity].remove(key)
                self._index.pop((entity, key.logical_name), None)
                self.store.meta_put("key", f"{entity}.{key.logical_name}", None)
                return
        raise e.ObjectDoesNotExist(entity="EntityKeyMetadata", id=key_id)

    def advance(self, steps: int = 1, schema_name: str | None = None) -> None:
        """Move manually driven key indexes forward (all, or one by SchemaName; control endpoint)."""
        for keys in self.keys.values():
            for key in keys:
                if schema_name is not None and key.logical_name != schema_name.lower():
                    continue
                key.state.advance(steps)
                self.store.meta_put("key", f"{key.entity}.{key.logical_name}", key.to_meta())

    def clear(self) -> None:
        self.keys.clear()
        self._index.clear()

    # -- status ------------------------------------------------------------------------------------------

    def status(self, key: AlternateKey) -> str:
        """EntityKeyIndexStatus now; becoming Active checks existing rows (duplicates → Failed)."""
        if key.failed:
            return "Failed"
        current = key.state.status(self.clock, time.time())
        if current == "Active" and not key.activated:
            index = self._index.get((key.entity, key.logical_name), {})
            key.failed = any(len(ids) > 1 for ids in index.values())
            key.activated = True
            self.store.meta_put("key", f"{key.entity}.{key.logical_name}", key.to_meta())
            return "Failed" if key.failed else "Active"
        return current

    def match(self, entity: str, names: set[str]) -> AlternateKey | None:
        """The key whose columns are exactly ``names`` (lookup columns may be given as ``_x_value``)."""
        wanted = {n[1:-6] if n.startswith("_") and n.endswith("_value") else n for n in names}
        for key in self.keys.get(entity, []):
            if set(key.attributes) == wanted:
                return key
        return None

    def locate(self, table: TableDef, key: Key) -> tuple[str | None, AlternateKey | None]:
        """The row a URL key addresses: (id or None, the alternate key used or None for a GUID).

        Raises:
            InvalidKey: The key columns match no alternate key — or the key's index is not Active and
                ``inactive_error`` is ``invalid_key`` (research/dataverse.md §12).
            EntityKeyNotActive: The index is not Active and ``inactive_error`` is ``not_active``.
        """
        if isinstance(key, dict) and set(key) == {table.pk} and is_guid(key[table.pk]):
            key = str(key[table.pk]).lower()
        if isinstance(key, str):
            return (key if self.store.get(table.logical, key) is not None else None), None
        alternate = self.match(table.logical, set(key))
        if alternate is None:
            raise e.InvalidKey(entity=table.logical)
        status = self.status(alternate)
        if status != "Active":
            if self.inactive_error == "not_active":
                raise e.EntityKeyNotActive(key=alternate.schema_name, entity=table.logical, status=status)
            raise e.InvalidKey(entity=table.logical)
        return self.find(alternate, key), alternate

    # -- values --------------------------------------------------------------------------------------------

    @staticmethod
    def _values(key: AlternateKey, record: Record) -> tuple[Any, ...] | None:
        values = tuple(normalise(record.get(a)) for a in key.attributes)
        return None if any(v is None or v == "" for v in values) else values

    def find(self, key: AlternateKey, values: dict[str, Any]) -> str | None:
        """The id of the row with these key values, if any."""
        wanted = {(n[1:-6] if n.startswith("_") and n.endswith("_value") else n): v for n, v in values.items()}
        probe = tuple(normalise(wanted.get(a)) for a in key.attributes)
        ids = self._index.get((key.entity, key.logical_name), {}).get(probe)
        return min(ids) if ids else None

    def check_unique(self, entity: str, record_id: str, record: Record) -> None:
        """412 DuplicateRecordEntityKey if an Active key's values already belong to another row."""
        for key in self.keys.get(entity, []):
            values = self._values(key, record)
            if values is None or self.status(key) != "Active":
                continue
            others = self._index.get((entity, key.logical_name), {}).get(values, set()) - {record_id}
            if others:
                raise e.DuplicateRecordEntityKey(key=key.schema_name, attributes=", ".join(key.attributes))

    def _on_put(self, entity: str, record_id: str, old: Record | None, new: Record | None) -> None:
        for key in self.keys.get(entity, ()):
            index = self._index[(entity, key.logical_name)]
            if old is not None:
                before = self._values(key, old)
                if before is not None and before in index:
                    index[before].discard(record_id)
                    if not index[before]:
                        del index[before]
            if new is not None:
                after = self._values(key, new)
                if after is not None:
                    index.setdefault(after, set()).add(record_id)
