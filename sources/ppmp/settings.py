"""PPMP's PMPDATA tables as source resources — an ASSUMED layout (schema.sql, README.md) built by the SQL
Server family's definitions, with the shared PPMP folder's letters and attachments beside them."""

from __future__ import annotations

from pathlib import Path

from sources.base import ResourceSpec
from sources.sqlserver import parse_create_script, resource_specs
from sources.sqlserver.shared_files import FileColumn, SharedFolder

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
SCHEMA = parse_create_script(SCHEMA_FILE.read_text(encoding="utf-8"), str(SCHEMA_FILE))
# The shared PPMP folder (the install guide shares it on the LAN), delivered beside the table files (a direct
# read copies it from the customer's `shared_folder`); the Letters table names files inside it (ASSUMED:
# `FileName` relative to the folder's Letters subfolder, `LetterID` the row's key).
LETTERS_FILES = FileColumn(table="LETTERS", key="LetterID", column="FileName", folder="Letters")
SHARED = SharedFolder(name="PPMP", columns=(LETTERS_FILES,))
LETTERS_FOLDER = SHARED.delivery_folder(LETTERS_FILES)

_GRAINS = {
    "LOCATIONS": ("one row per practice location", "location_id"),
    "PRACTITIONERS": ("one row per practitioner", "practitioner_id"),
    "PATIENTS": ("one row per patient", "patient_id"),
    "REFERRERS": ("one row per referring doctor", "referrer_id"),
    "APPOINTMENTS": ("one row per appointment; local wall-clock times", "appt_id"),
    "CLINICALNOTES": ("one row per clinical note", "note_id"),
    "INVOICES": ("one row per invoice", "invoice_id"),
    "INVOICEITEMS": ("one row per invoice item", "item_id"),
    "PAYMENTS": ("one row per payment", "payment_id"),
    "LETTERS": ("one row per letter or attachment in the shared PPMP folder", "letter_id"),
}
RESOURCES: dict[str, ResourceSpec] = resource_specs(SCHEMA, _GRAINS)
