"""PracSuite API resources as the extractor's dump holds them: one `<resource>.ndjson` file each, typed fields.

research/sources-round2.md §2.5 and docs.api.pracsuite.com: every record as the API returned it (integer
ids, `tenant_id`, `created`/`modified` RFC 3339 UTC, `app_time` a local date-time in the tenant's zone,
`date_of_birth` a date), the keys already snake_case. Which fields are documented and which ASSUMED is in
README.md; a delivered field this file does not declare is a finding in the approval report.
"""

from __future__ import annotations

from sources.base import FieldType, ResourceSpec
from sources.coverage import NAVIGATION

S, INT, B, ARR = FieldType.STRING, FieldType.INTEGER, FieldType.BOOLEAN, FieldType.ARRAY

FILE_SUFFIX = ".ndjson"  # Cliniko's dump layout (sources/cliniko/dump.py reads it)
MANIFEST_FILE = "manifest.json"
TOMBSTONES_FILE = "tombstones.ndjson"

_LINKS = {
    "links": NAVIGATION,
    "tenant_id": "the clinic's PracSuite account number: the same on every record of an extraction",
}
_LOOKUP = {
    **_LINKS,
    "archive": "a lookup: only its description is joined into the records that use it",
    "created": "a lookup: only its description is joined into the records that use it",
    "modified": "a lookup: only its description is joined into the records that use it",
}
_STAMPS = {"tenant_id": INT, "created": S, "modified": S}
_ADDRESS = {
    "address_1": S,
    "address_2": S,
    "address_3": S,
    "address_4": S,
    "suburb": S,
    "address_state": S,
    "postcode": S,
    "country": S,
}
_APPOINTMENT = {
    "appointment_id": INT,
    "client_id": INT,
    "app_time": S,
    "description": S,
    "appointment_type_id": INT,
    "appointment_status_id": INT,
    "category": S,
    "duration": INT,
    "notes": S,
    "practitioner_id": INT,
    "business_id": INT,
    "profession_id": INT,
    "item_id": INT,
    "account_id": INT,
    "item_group_id": INT,
    "telehealth_patient_link": S,
    "telehealth_practitioner_link": S,
    "resource_ids": ARR,
    **_STAMPS,
}
_NOT_MIGRATED_APPOINTMENT = {
    **_LINKS,
    "telehealth_patient_link": "a meeting link of the old system: dead after the move",
    "telehealth_practitioner_link": "a meeting link of the old system: dead after the move",
    "item_group_id": "billing item groups are not migrated (no invoices in the public API)",
    "item_id": "billing items are not migrated (no invoices in the public API)",
    "resource_ids": "rooms and equipment booked: the canonical appointment has no resource",
    "account_id": "the billing account the visit is charged to (no invoices in the public API)",
    "category": "the diary's category of the booking: not in the canonical appointment",
    "profession_id": "professions are not read (their list is not extracted)",
}


def _spec(name: str, grain: str, key: str, fields: dict[str, FieldType], **kwargs: object) -> ResourceSpec:
    return ResourceSpec(name, grain, {**fields, **_STAMPS}, key=key, **kwargs)  # type: ignore[arg-type]


# (dump resource, API path segment, list key): the extraction order. Lists that others refer to first.
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("businesses", "business", "businesses"),
    ("practitioners", "practitioner", "practitioners"),
    ("referrers", "referrer", "referrers"),
    ("appointment_types", "appointment_type", "appointment_types"),
    ("appointment_statuses", "appointment_status", "appointment_statuses"),
    ("cancellation_reasons", "cancellation_reason", "appointment_cancellation_reasons"),
    ("patients", "patient", "patients"),
    ("patient_accounts", "patient_account", "patient_accounts"),
    ("appointments", "appointment", "appointments"),
    ("cancelled_appointments", "cancelled_appointment", "cancelled_appointments"),
    ("notes", "note", "notes"),
    ("patient_attachments", "patient_attachment", "patient_attachments"),
)

RESOURCES: dict[str, ResourceSpec] = {
    r.name: r
    for r in [
        _spec(
            "businesses",
            "one row per PracSuite business (practice location)",
            "business_id",
            {
                "business_id": INT,
                "business_name": S,
                "display_name": S,
                **_ADDRESS,
                "archive": B,
                "phone": S,
                "fax": S,
                "email": S,
                "website": S,
                "appointment_start_time": S,
                "appointment_end_time": S,
                "registration_number": S,
                "registration_type": S,
                "short_description": S,
                "ndis_registration_number": S,
            },
            not_migrated={
                **_LINKS,
                "appointment_start_time": "the diary's opening hours: set up in the new system",
                "appointment_end_time": "the diary's opening hours: set up in the new system",
                "website": "not in the canonical site",
                "short_description": "not in the canonical site",
                "address_3": "the canonical site has two address lines (lines 3 and 4 are kept in raw)",
                "address_4": "the canonical site has two address lines (lines 3 and 4 are kept in raw)",
                "country": "the site's country code is the practice's (AU)",
                "fax": "no fax number in the canonical site",
                "ndis_registration_number": "NDIS registration is not in the canonical site",
                "registration_type": "the kind of registration_number (kept in raw)",
            },
        ),
        _spec(
            "practitioners",
            "one row per PracSuite practitioner",
            "practitioner_id",
            {
                "practitioner_id": INT,
                "title": S,
                "first_name": S,
                "surname": S,
                "email": S,
                "mobile": S,
                "provider_no": S,
                "profession_id": INT,
                "archive": B,
            },
            not_migrated={
                **_LINKS,
                "profession_id": "professions are not read (their list is not extracted)",
                "mobile": "the canonical practitioner has no phone",
            },
        ),
        _spec(
            "referrers",
            "one row per PracSuite referrer",
            "referrer_id",
            {
                "referrer_id": INT,
                "title": S,
                "first_name": S,
                "surname": S,
                "mobile": S,
                "archive": B,
                "referrer_type_id": INT,
                "email": S,
                "phone": S,
                "fax": S,
                "notes": S,
                "organisation_id": INT,
                "provider_no": S,
                "description": S,
                **_ADDRESS,
                "contact": S,
            },
            not_migrated={
                **_LINKS,
                "referrer_type_id": "referrer types are not read (their list is not documented)",
                "organisation_id": "referrer organisations are not read (their list is not documented)",
                "fax": "no fax number in the canonical referrer",
                "archive": "an archived flag without its time: the canonical referrer keeps archived_at only",
                "modified": "the canonical referrer keeps its created time only",
            },
        ),
        _spec(
            "appointment_types",
            "one row per appointment type",
            "appointment_type_id",
            {"appointment_type_id": INT, "description": S, "duration": INT, "archive": B},
            not_migrated={**_LOOKUP, "duration": "the type's default length: set up in the new system"},
        ),
        _spec(
            "appointment_statuses",
            "one row per appointment status the practice defined",
            "appointment_status_id",
            {"appointment_status_id": INT, "description": S, "archive": B},
            not_migrated=_LOOKUP,
        ),
        _spec(
            "cancellation_reasons",
            "one row per cancellation reason",
            "appointment_cancellation_reason_id",
            {"appointment_cancellation_reason_id": INT, "reason": S, "archive": B},
            not_migrated=_LOOKUP,
        ),
        _spec(
            "patients",
            "one row per PracSuite patient",
            "client_id",
            {
                "client_id": INT,
                "title": S,
                "first_name": S,
                "middle_name": S,
                "surname": S,
                "preferred_name": S,
                "date_of_birth": S,
                "email": S,
                "gender": S,
                **_ADDRESS,
                "home_phone": S,
                "work_phone": S,
                "mobile": S,
                "fax": S,
                "file_no": S,
                "patient_notes": S,
                "patient_warnings": S,
                "fee_category": S,
                "health_fund": S,
                "health_fund_member_no": S,
                "pension_no": S,
                "medicare_no": S,
                "medicare_ref_no": S,
                "dva_no": S,
                "referrer_id": INT,
                "accepted_privacy_policy": B,
                "time_zone": S,
                "archive": B,
            },
            not_migrated={
                **_LINKS,
                "fax": "no fax number in the canonical client",
                "fee_category": "fee categories belong to billing, not migrated",
                "health_fund": "private health insurance is not in the canonical client",
                "health_fund_member_no": "private health insurance is not in the canonical client",
                "pension_no": "pension numbers are not in the canonical client",
            },
        ),
        _spec(
            "patient_accounts",
            "one row per account a patient is billed through (ASSUMED fields)",
            "account_id",
            {"account_id": INT, "client_id": INT, "account_name": S, "archive": B},
            not_migrated={
                **_LINKS,
                **{
                    f: "billing accounts are not migrated (no invoices in the public API)"
                    for f in ("account_id", "client_id", "account_name", "archive", "created", "modified")
                },
            },
        ),
        _spec(
            "appointments",
            "one row per appointment that is not cancelled",
            "appointment_id",
            _APPOINTMENT,
            not_migrated=_NOT_MIGRATED_APPOINTMENT,
        ),
        _spec(
            "cancelled_appointments",
            "one row per cancelled appointment (the API lists them apart)",
            "appointment_id",
            {**_APPOINTMENT, "appointment_cancellation_reason_id": INT, "cancelled": S},
            not_migrated={
                **_NOT_MIGRATED_APPOINTMENT,
                "appointment_status_id": "a cancelled appointment's status is cancelled (the last one is kept in raw)",
            },
        ),
        _spec(
            "notes",
            "one row per appointment note (ASSUMED fields)",
            "note_id",
            {
                "note_id": INT,
                "client_id": INT,
                "practitioner_id": INT,
                "appointment_id": INT,
                "title": S,
                "note": S,
                "note_date": S,
            },
            not_migrated={
                **_LINKS,
                "note_date": "the note's own local date as typed (ASSUMED field); `created` is kept",
            },
        ),
        _spec(
            "patient_attachments",
            "one row per file attached to a patient (metadata; ASSUMED fields)",
            "attachment_id",
            {
                "attachment_id": INT,
                "client_id": INT,
                "file_name": S,
                "description": S,
                "mime_type": S,
                "file_size": INT,
            },
            not_migrated=_LINKS,
        ),
    ]
}

# What a PracSuite practice holds that the public API does not deliver (research/sources-round2.md §2.5:
# the docs' resource index has no invoice or payment resource and no attachment download): listed in the
# approval report's "Resources not read" with what the practice must export separately.
NOT_DELIVERED: dict[str, str] = {
    "invoices": "not in PracSuite's public API: the practice exports its invoices and invoice items from "
    "PracSuite (or asks Smartsoft for a billing export) and sends them with the delivery",
    "payments": "not in PracSuite's public API: the practice exports its payments and receipts from PracSuite "
    "(or asks Smartsoft for a billing export) and sends them with the delivery",
    "attachment_files": "the API lists each attachment's metadata (file name, type, size), not its bytes (no "
    "download endpoint): the practice downloads the attached files from PracSuite and sends them with the "
    "delivery; until then each document is migrated as metadata only",
}
