"""Canonical custom fields: per-practice form field definitions and one value per record."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from checks.canonical.base import CanonicalRow, optional, ref, required


class CustomFieldDefinition(CanonicalRow):
    """One row per custom field defined by the practice."""

    applies_to: str = pa.Field(isin=["client"], description="entity the field belongs to")
    section: str = optional("section or form name")
    name: str = required("field label")
    field_type: str = required("text, paragraph, radiobuttons, checkboxes, date…")
    options: str = optional("allowed options, '; '-separated")
    position: pl.Int64 = required("order within the form")


class CustomFieldValue(CanonicalRow):
    """One row per record × custom field with a value."""

    definition_id: str = ref("custom_field_definition", "field definition", nullable=False)
    client_id: str = ref("client", "record the value belongs to", nullable=False)
    value_text: str = optional("value; selected options '; '-separated")
