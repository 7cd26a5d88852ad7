"""Every personal value of a generated (Cliniko) practice, and a scan of a Dagster instance for them (issue 23
item 4): what the privacy tests look for in metadata, check results, logs and failure events."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg

# Fields holding a person's data, per resource of the dump (patients, referrers, staff) — names, e-mails
# (invalid ones too: the defects put them in the same fields), phones, dates of birth, health identifiers,
# addresses, free text — and the clinical text of notes, messages, cases, alerts and attachments.
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "patients": (
        "first_name",
        "last_name",
        "preferred_first_name",
        "middle_name",
        "email",
        "date_of_birth",
        "address_1",
        "emergency_contact",
        "notes",
        "appointment_notes",
        "medicare",
        "medicare_reference_number",
        "dva_card_number",
        "invoice_email",
        "invoice_extra_information",
    ),
    "contacts": ("first_name", "last_name", "preferred_name", "email", "address_1", "notes", "provider_number"),
    "users": ("first_name", "last_name", "email"),
    "practitioners": ("first_name", "last_name"),
    "communications": ("content", "to"),
    "patient_cases": ("name", "notes"),
    "medical_alerts": ("name",),
    "patient_attachments": ("filename", "description"),
}
# Resources describing the business, not a person: a "personal" value they also hold (a suburb that is in a
# site's name) is not evidence of a leak when it turns up.
BUSINESS_RESOURCES = (
    "businesses",
    "settings",
    "appointment_types",
    "billable_items",
    "taxes",
    "concession_types",
    "treatment_note_templates",
    "patient_form_templates",
    "referral_source_types",
)
# Shorter values (a three-letter first name, "Mr") match unrelated bytes; every person has longer ones.
SHORTEST = 6
_MARKUP = re.compile(r"<[^>]+>")


def _records(dump: Path, resource: str) -> Iterator[dict[str, Any]]:
    path = dump / f"{resource}.ndjson"
    if path.exists():
        for line in path.read_bytes().splitlines():
            if line.strip():
                # A defect writes some records in Windows-1252: read as the pipeline repairs them.
                try:
                    yield json.loads(line.decode("utf-8"))
                except UnicodeDecodeError:
                    yield json.loads(line.decode("cp1252"))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def birth_date_forms(iso: str) -> set[str]:
    """A date of birth as it could be printed: ISO, day/month/year (NZ, AU, UK), and as Python shows a date."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return {iso}  # a defect's malformed date: the value as delivered
    return {iso, day.strftime("%d/%m/%Y"), f"{day.day}/{day.month}/{day.year}", repr(day)}


def personal_values(dump: Path) -> set[str]:
    """Every personal value of a Cliniko dump, in the forms it could take on its way through the pipeline."""
    values: set[str] = set()
    for resource, fields in PERSONAL_FIELDS.items():
        for record in _records(dump, resource):
            for field in fields:
                value = record.get(field)
                if isinstance(value, str) and value:
                    values |= birth_date_forms(value) if field == "date_of_birth" else {value}
            if record.get("first_name") and record.get("last_name"):
                values.add(f"{record['first_name']} {record['last_name']}")
            for phones in ("patient_phone_numbers", "phone_numbers"):
                values.update(p["number"] for p in record.get(phones) or [] if p.get("number"))
            # Custom field values (health identifiers, GP practice) and every answer of a treatment note.
            for section in (record.get("custom_fields") or {}).get("sections", []):
                values.update(f["value"] for f in section.get("fields", []) if f.get("value"))
    # Every answer of a treatment note or a patient form, and what was written about a referral.
    values.update(r["notes"] for r in _records(dump, "referral_sources") if r.get("notes"))
    for note in [*_records(dump, "treatment_notes"), *_records(dump, "patient_forms")]:
        for section in (note.get("content") or {}).get("sections", []):
            for question in section.get("questions", []):
                if question.get("answer"):
                    values |= {question["answer"], _MARKUP.sub("", question["answer"]).strip()}
    business = "\n".join(s for resource in BUSINESS_RESOURCES for r in _records(dump, resource) for s in _strings(r))
    return {v for v in values if len(v) >= SHORTEST and v not in business}


def instance_files(root: Path) -> dict[str, bytes]:
    """Every file a Dagster instance wrote under its folder (event log, run storage, compute logs), as bytes."""
    return {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def event_log_text(instance: dg.DagsterInstance) -> dict[str, str]:
    """Every event of every run as the instance serves it (messages, metadata, check results, failures),
    decompressed and serialised: what the UI and the API show, whatever the storage's encoding."""
    return {
        run.run_id: "\n".join(dg.serialize_value(record) for record in instance.all_logs(run.run_id))
        for run in instance.get_runs()
    }


def leaks(values: Iterable[str], places: dict[str, bytes] | dict[str, str]) -> set[tuple[str, str]]:
    """(place, value) for every personal value found in a place."""
    found = set()
    for place, data in places.items():
        for value in values:
            needle: Any = value.encode("utf-8") if isinstance(data, bytes) else value
            if needle in data:
                found.add((place, value))
    return found
