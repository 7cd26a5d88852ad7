"""Where a target's tables come from, read from the target's mapping spec and output model (never a hand
list): the staged entities each table is mapped from, the staged fields each column is computed from,
and the lookups between the target's own tables. The Dagster layer draws these as the asset graph's edges
and column lineage (issue 25 item 4); a test or the docs can read them the same way."""

from __future__ import annotations

from functools import cache

from mappings.spec import MappingSpec, field_columns, load_spec
from targets.base import Target


@cache
def _spec(name: str) -> MappingSpec:
    return load_spec(name)


def staged_sources(target: Target) -> dict[str, list[str]]:
    """Per target table, the staged entities its rows are mapped from (sources and their joins), sorted."""
    spec = _spec(target.name)
    found: dict[str, list[str]] = {}
    for table in target.tables():
        entity = spec.entities.get(table)
        if entity is None:
            found[table] = []
            continue
        names = {s.table for s in entity.sources} | {j.table for s in entity.sources for j in s.joins.values()}
        found[table] = sorted(names)
    return found


def column_sources(target: Target, table: str) -> dict[str, list[tuple[str, str]]]:
    """Per column of a target table, the (staged entity, field) pairs it is computed from; a joined
    field (`alias.field`) is named on the joined entity. Columns with a constant value have none."""
    spec = _spec(target.name)
    entity = spec.entities.get(table)
    found: dict[str, list[tuple[str, str]]] = {}
    for source in entity.sources if entity else []:
        fields = {**source.fields, "canonical_id": source.id}
        if source.origin is not None:
            fields["origin_id"] = source.origin
        for column, field_spec in fields.items():
            pairs = found.setdefault(column, [])
            for name in field_columns(field_spec):
                alias, _, joined = name.partition(".")
                pair = (source.joins[alias].table, joined) if joined and alias in source.joins else (source.table, name)
                if pair not in pairs:
                    pairs.append(pair)
    return {c: p for c, p in found.items() if p}


def lookups(target: Target) -> dict[str, list[str]]:
    """Per target table, the other target tables its lookup columns point at (the output model's `ref`)."""
    tables = target.tables()
    return {
        table: sorted({f.ref for f in target.model.fields(table) if f.ref and f.ref in tables and f.ref != table})
        for table in tables
    }


def tables_fed_by(target: Target, entities: set[str]) -> list[str]:
    """The target tables mapped from any of these staged entities, in load order."""
    sources = staged_sources(target)
    return [t for t in target.tables() if entities & set(sources[t])]
