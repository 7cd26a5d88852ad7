"""Parent → children index over every relationship whose delete does something (Cascade, RemoveLink, Restrict)."""

from __future__ import annotations

from collections import defaultdict

from .cascades import NO_CASCADE
from .registry import Schema
from .store import Record, Store


class Relations:
    """Which rows point at a given row, and through which lookup (kept current by a store hook). Lookups whose
    relationships are all NoCascade (createdby, ownerid, …) are not indexed: a delete leaves their rows alone."""

    def __init__(self, schema: Schema, store: Store) -> None:
        self.schema = schema
        self.children: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
        # table → (number of columns it had, lookups worth indexing): custom lookups change the list.
        self._indexed: dict[str, tuple[int, tuple[str, ...]]] = {}
        store.add_hook(self._on_put)
        for entity, rows in store.tables.items():
            for record_id, record in rows.items():
                self._on_put(entity, record_id, None, record)

    def _lookups(self, entity: str) -> tuple[str, ...]:
        table = self.schema.tables.get(entity)
        if table is None:
            return ()
        cached = self._indexed.get(entity)
        if cached is None or cached[0] != len(table.attributes):
            names = tuple(
                a.name
                for a in table.attributes.values()
                if a.is_lookup and any(behaviour != NO_CASCADE for _, behaviour in a.relationships.values())
            )
            cached = self._indexed[entity] = (len(table.attributes), names)
        return cached[1]

    def _parents(self, entity: str, record: Record | None) -> list[tuple[str, str]]:
        if record is None:
            return []
        parents = []
        for name in self._lookups(entity):
            value = record.get(name)
            if isinstance(value, dict) and value.get("id"):
                parents.append((value["id"], name))
        return parents

    def _on_put(self, entity: str, record_id: str, old: Record | None, new: Record | None) -> None:
        for parent, name in self._parents(entity, old):
            self.children[parent].discard((entity, record_id, name))
            if not self.children[parent]:
                del self.children[parent]
        for parent, name in self._parents(entity, new):
            self.children[parent].add((entity, record_id, name))

    def referencing(self, parent_id: str) -> list[tuple[str, str, str]]:
        """(table, id, lookup) of every row pointing at ``parent_id``, in a stable order."""
        return sorted(self.children.get(parent_id, set()))

    def of(self, parent_id: str, entity: str | None = None) -> list[tuple[str, str]]:
        """Children of ``parent_id`` (optionally only rows of one table), in a stable order."""
        found = {(child, child_id) for child, child_id, _ in self.children.get(parent_id, set())}
        return sorted(child for child in found if entity is None or child[0] == entity)

    def clear(self) -> None:
        self.children.clear()
        self._indexed.clear()
