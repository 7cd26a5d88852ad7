"""The canonical model (DESIGN.md §4): one Pandera polars model per staged entity."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandera.polars as pa
import polars as pl

from checks.canonical.base import CanonicalRow
from checks.canonical.billing import Invoice, InvoiceLine, Payment
from checks.canonical.clinical import Appointment, ClinicalNote, Communication, Condition, Document
from checks.canonical.custom import CustomFieldDefinition, CustomFieldValue
from checks.canonical.people import Client, ClientOrganisation, Practitioner, Referrer, Site

CANONICAL_MODELS: dict[str, type[CanonicalRow]] = {
    "site": Site,
    "practitioner": Practitioner,
    "client_organisation": ClientOrganisation,
    "referrer": Referrer,
    "client": Client,
    "condition": Condition,
    "appointment": Appointment,
    "clinical_note": ClinicalNote,
    "invoice": Invoice,
    "invoice_line": InvoiceLine,
    "payment": Payment,
    "custom_field_definition": CustomFieldDefinition,
    "custom_field_value": CustomFieldValue,
    "document": Document,
    "communication": Communication,
}

IDENTITY_COLUMNS = list(CanonicalRow.to_schema().columns)


@dataclass(frozen=True)
class CanonicalField:
    name: str
    dtype: pl.DataType
    nullable: bool
    ref: str | None
    description: str
    long_text: bool = False  # free text stored with zstd (store.LONG_TEXT_COMPRESSION)


@cache
def entity_fields(entity: str) -> tuple[CanonicalField, ...]:
    """Every column of an entity in model order, identity columns first."""
    model = CANONICAL_MODELS[entity]
    schema: pa.DataFrameSchema = model.to_schema()
    out = []
    for name, column in schema.columns.items():
        metadata = column.metadata or {}
        out.append(
            CanonicalField(
                name,
                column.dtype.type,
                column.nullable,
                metadata.get("ref"),
                column.description or "",
                bool(metadata.get("long_text")),
            )
        )
    return tuple(out)


def data_fields(entity: str) -> tuple[CanonicalField, ...]:
    """The entity's own fields (what a mapping spec maps), without identity/provenance columns."""
    return tuple(f for f in entity_fields(entity) if f.name not in IDENTITY_COLUMNS)


def polars_schema(entity: str) -> dict[str, pl.DataType]:
    return {f.name: f.dtype for f in entity_fields(entity)}


__all__ = ["CANONICAL_MODELS", "IDENTITY_COLUMNS", "CanonicalField", "data_fields", "entity_fields", "polars_schema"]
