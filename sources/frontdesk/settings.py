"""Front Desk's decrypted export (Smartsoft, desktop) as source resources — an ASSUMED layout (schema.sql,
README.md) built by the SQL Server extract family's definitions."""

from __future__ import annotations

from pathlib import Path

from sources.base import ResourceSpec
from sources.sqlserver import parse_create_script, resource_specs

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
SCHEMA = parse_create_script(SCHEMA_FILE.read_text(encoding="utf-8"), str(SCHEMA_FILE))

_GRAINS = {
    "BUSINESSES": ("one row per business (practice location)", "business_id"),
    "PRACTITIONERS": ("one row per practitioner", "practitioner_id"),
    "REFERRERS": ("one row per referrer", "referrer_id"),
    "PATIENTS": ("one row per patient", "client_id"),
    "APPOINTMENTS": ("one row per appointment; local wall-clock times", "appointment_id"),
    "NOTES": ("one row per clinical note", "note_id"),
    "INVOICES": ("one row per invoice", "invoice_id"),
    "INVOICEITEMS": ("one row per invoice item", "item_id"),
    "PAYMENTS": ("one row per payment", "payment_id"),
}
RESOURCES: dict[str, ResourceSpec] = resource_specs(SCHEMA, _GRAINS)
