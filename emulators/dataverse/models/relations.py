"""Parent → children index for cascading relationships (notes, activity parties, invoice lines)."""

from __future__ import annotations

from collections import defaultdict

from .registry import Schema
from .store import Record, Store


class Relations:
    """Which rows point at a given row through a cascading lookup (kept current by a store hook)."""

    def __init__(self, schema: Schema, store: Store) -> None:
        self.schema = schema
        self.children: dict[str, set[tuple[str, str]]] = defaultdict(set)
        store.add_hook(self._on_put)
        for entity, rows in store.tables.items():
            for record_id, record in rows.items():
                self._on_put(entity, record_id, None, record)

    def _parents(self, entity: str, record: Record | None) -> list[str]:
        table = self.schema.tables.get(entity)
        if record is None or table is None:
            return []
        parents = []
        for attr in table.attributes.values():
            if attr.cascade:
                value = record.get(attr.name)
                if isinstance(value, dict) and value.get("id"):
                    parents.append(value["id"])
        return parents

    def _on_put(self, entity: str, record_id: str, old: Record | None, new: Record | None) -> None:
        for parent in self._parents(entity, old):
            self.children[parent].discard((entity, record_id))
            if not self.children[parent]:
                del self.children[parent]
        for parent in self._parents(entity, new):
            self.children[parent].add((entity, record_id))

    def of(self, parent_id: str, entity: str | None = None) -> list[tuple[str, str]]:
        """Children of ``parent_id`` (optionally only rows of one table), in a stable order."""
        found = self.children.get(parent_id, set())
        return sorted(child for child in found if entity is None or child[0] == entity)

    def clear(self) -> None:
        self.children.clear()
