"""Medtech32's tables as source resources — an ASSUMED layout (schema.sql in InterBase DDL, README.md)
built by the SQL Server extract family's definitions."""

from __future__ import annotations

from pathlib import Path

from sources.base import ResourceSpec
from sources.sqlserver import parse_create_script, resource_specs

DIALECT = "interbase"
SCHEMA_FILE = Path(__file__).with_name("schema.sql")
SCHEMA = parse_create_script(SCHEMA_FILE.read_text(encoding="utf-8"), str(SCHEMA_FILE), DIALECT)

_GRAINS = {
    "LOCATION": ("one row per practice location", "location_id"),
    "PROVIDER": ("one row per provider (clinician)", "provider_id"),
    "REFERRER": ("one row per referrer", "referrer_id"),
    "PATIENT": ("one row per patient (NZ: NHI)", "patient_id"),
    "APPOINTMENT": ("one row per appointment; local wall-clock times", "appointment_id"),
    "CONSULTATION": ("one row per consultation note", "consultation_id"),
    "INVOICE": ("one row per invoice", "invoice_id"),
    "INVOICE_LINE": ("one row per invoice line", "line_id"),
    "PAYMENT": ("one row per payment", "payment_id"),
}
RESOURCES: dict[str, ResourceSpec] = resource_specs(SCHEMA, _GRAINS)
