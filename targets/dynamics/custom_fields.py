"""A practice's custom form fields as custom columns on the contact, with each client's values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from store import TableRef, read_partition
from targets.dynamics.tables import Column

CUSTOM_PREFIX = "new_cf_"
# Picklist option values start at the default publisher's prefix × 10 000 (research/dataverse.md §6.1).
OPTION_BASE = 100_000_000


@dataclass(frozen=True)
class CustomColumn:
    definition_id: str
    label: str  # the practice's field label (not personal data)
    column: Column


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", label.lower())[:30] or "field"


def custom_columns(con: duckdb.DuckDBPyConnection, run_kind: str) -> list[CustomColumn]:
    """One `new_cf_<label>` column per client custom field, typed like the field: text → String,
    paragraph → Memo, date → Date, radio buttons → Picklist of its options, checkboxes → String of
    the chosen options."""
    definitions = read_partition(con, TableRef("staged", "custom_field_definition"), run_kind)
    used: set[str] = set()
    out = []
    for row in definitions.sort("section", "position", "canonical_id", nulls_last=True).iter_rows(named=True):
        if row["applies_to"] != "client":
            continue
        name = CUSTOM_PREFIX + _slug(row["name"])
        base, n = name, 2
        while name in used:
            name, n = f"{base}{n}", n + 1
        used.add(name)
        kind = (row["field_type"] or "text").lower()
        if kind == "paragraph":
            column = Column(name, "memo", custom=True, max_length=100_000, description=row["name"])
        elif kind == "date":
            column = Column(name, "date", custom=True, description=row["name"])
        elif kind in {"radiobuttons", "radio"} and row["options"]:
            options = tuple((OPTION_BASE + i, label) for i, label in enumerate(row["options"].split("; ")))
            column = Column(name, "picklist", custom=True, options=options, description=row["name"])
        else:
            column = Column(name, "string", custom=True, max_length=4000, description=row["name"])
        out.append(CustomColumn(row["canonical_id"], row["name"], column))
    return out


def custom_values(
    con: duckdb.DuckDBPyConnection, run_kind: str, columns: list[CustomColumn]
) -> dict[str, dict[str, object]]:
    """client canonical id → {custom column: value as the Web API takes it}."""
    by_definition = {c.definition_id: c.column for c in columns}
    values = read_partition(
        con, TableRef("staged", "custom_field_value"), run_kind, "client_id, definition_id, value_text, run_kind"
    )
    out: dict[str, dict[str, object]] = {}
    for client_id, definition_id, text, _ in values.filter(pl.col("value_text").is_not_null()).iter_rows():
        column = by_definition.get(definition_id)
        if column is None:
            continue
        value: object = text
        if column.kind == "picklist":
            value = next((v for v, label in column.options if label == text), None)
        elif column.kind == "date":
            try:
                value = date.fromisoformat(text).isoformat()
            except ValueError:
                value = None
        if value is not None:
            out.setdefault(client_id, {})[column.name] = value
    return out
