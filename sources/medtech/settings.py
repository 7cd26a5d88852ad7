"""Medtech32's tables as source resources — an ASSUMED layout (schema.sql in InterBase DDL, README.md)
built by the SQL Server extract family's definitions."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from sources.base import ResourceSpec
from sources.sqlserver import READ_OPTIONS, parse_create_script, resource_specs

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

# Medtech32 is written in Delphi, whose TDateTime counts from 30 December 1899: a date it has none for is
# ASSUMED written as that zero (research/sources-round2.md §2.8; not seen in a real extract yet), read as
# "no date" and reported (`placeholder_date`) like SQL Server's 1900-01-01.
DELPHI_ZERO_DATE = dt.datetime(1899, 12, 30)
READ_OPTIONS_MEDTECH = replace(
    READ_OPTIONS, date_placeholders=(*READ_OPTIONS.date_placeholders, DELPHI_ZERO_DATE.date().isoformat())
)
