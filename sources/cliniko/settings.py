"""Cliniko API resources as a dump delivers them: one `<resource>.ndjson` file each, typed fields.

Field lists follow the API's example payloads (research/sources.md §2.7) plus the newer fields of
§2.5 that a current account returns. A dump is a folder with one newline-delimited JSON file per
resource, every line one record exactly as the API returns it (string ids, HATEOAS links, UTC
timestamps, money as decimal strings, phone numbers without "+"), a `manifest.json` with counts and
sha256 checksums, and patient attachment bytes under `attachments/<attachment id>/<filename>`.
"""

from __future__ import annotations

from pathlib import Path

from sources.base import FieldType, ResourceSpec, Shape
from sources.cliniko.api_settings import SOURCE_LIST_FIELD
from sources.coverage import NAVIGATION

# Short names keep the field tables below readable as tables.
S, INT, NUM, B = FieldType.STRING, FieldType.INTEGER, FieldType.NUMBER, FieldType.BOOLEAN
L, OBJ, ARR = FieldType.LINK, FieldType.OBJECT, FieldType.ARRAY

FILE_SUFFIX = ".ndjson"
MANIFEST_FILE = "manifest.json"
ATTACHMENTS_DIR = "attachments"
# Written beside a synthetic dump by synthetic/dump.py: the generator's answer key, not practice data.
SYNTHETIC_TRUTH_FILE = "ground_truth.json"
# The fields and resources the public API documents (the project's own reference list).
DOCUMENTED_FIELDS_FILE = Path(__file__).with_name("documented_fields.yaml")

_STAMPS = {"created_at": S, "updated_at": S}

# The nested shapes the API documents (research/sources.md §2.6 and §2.7's example payloads): what the
# mapping decodes must have this shape, or the record reports the field as `unexpected_shape`. Phone lists
# are checked to their members (Polars' decoding fails on them, quoting the number); custom fields to the
# level of their field objects and note content at the top: every level DuckDB's JSON functions walk
# re-parses the document (notes' content: 2.1 s → 10 s to read 44 k notes when checked to the answers).
_PHONES = Shape("array", elements=Shape("object", {"number": S, "phone_type": S}))
_CUSTOM_FIELDS = Shape(
    "object",
    {"sections": Shape("array", elements=Shape("object", {"fields": Shape("array", elements=Shape("object"))}))},
)
_NOTE_CONTENT = Shape("object")
SHAPES: dict[str, dict[str, Shape]] = {
    "contacts": {"phone_numbers": _PHONES},
    "patients": {"patient_phone_numbers": _PHONES, "custom_fields": _CUSTOM_FIELDS},
    "individual_appointments": {"repeat_rule": Shape("object")},
    "group_appointments": {"repeat_rule": Shape("object")},
    "treatment_note_templates": {"content": _NOTE_CONTENT, "print_settings": Shape("object")},
    "treatment_notes": {"content": _NOTE_CONTENT},
    # Patient forms have the notes' content shape (sections → questions; redguava/cliniko-api
    # sections/patient_forms.md, "Patient Form Content Schema"); signatures are a list of links.
    "patient_form_templates": {"content": _NOTE_CONTENT},
    "patient_forms": {"content": _NOTE_CONTENT, "signatures": Shape("array", elements=Shape("object"))},
    "referral_source_types": {"subcategories": Shape("array")},
    "settings": {"patient_custom_fields_definition": _CUSTOM_FIELDS},
}


# Why a delivered field is not migrated (ResourceSpec.not_migrated). Every field the public API
# documents (documented_fields.yaml) is typed here or listed with one of these; the test
# tests/mapping/test_cliniko_coverage.py keeps it so.
DELETED = "set only on deleted records (the /deleted lists): an extraction records them as deletions, not data"
NO_FIELD = "the canonical model has no field for it yet (issue 16, item 4); kept in raw _record"
LOOKUP_ONLY = "reference table: only the columns the entities join are migrated"
BOOKING_ADMIN = "online-booking and reminder bookkeeping of the old system, not practice data"
DISPLAY = "display setting of the old system's calendar or printouts"
REPEATS = "the repeat series is migrated as its individual appointments, each delivered as a record"
PRODUCTS = "products are not migrated (see NOT_MIGRATED_RESOURCES)"
IN_RECORD = "the same value is migrated from another field of this record"
# SOURCE_LIST_FIELD: added by an API extraction to resources with side lists; null in a delivered dump.
# The documentation names the signature links of a form (/patient_forms/<id>/signatures/<id>) but documents no
# endpoint that returns them (sections/patient_forms.md: get, create, update and archive only): nothing to download.
SIGNATURES = (
    "links to the signature images, which the API documents no download for: not migrated (records with a value: "
    "the forms carrying a signature); the form's text says which questions were signed and its original content "
    "keeps each signature id"
)
LISTED_AT = "which API list the extraction read the record from; the status it implies is migrated from "


def _resource(
    name: str,
    grain: str,
    fields: dict[str, FieldType],
    not_migrated: dict[str, str] | None = None,
    navigation: tuple[str, ...] = (),
    **kw: object,
) -> ResourceSpec:
    """A resource with `id` and the timestamps; its own HATEOAS `links` and the link-only fields in
    `navigation` (related collections, read as resources of their own) are declared not migrated."""
    declared = {"links": NAVIGATION, **dict.fromkeys(navigation, NAVIGATION), **(not_migrated or {})}
    return ResourceSpec(  # type: ignore[arg-type]
        name=name,
        grain=grain,
        fields={"id": S, **fields, **_STAMPS},
        not_migrated=declared,
        shapes=SHAPES.get(name, {}),
        **kw,
    )


RESOURCES: dict[str, ResourceSpec] = {
    r.name: r
    for r in [
        _resource(
            "businesses",
            "one row per business (practice location)",
            {
                "business_name": S,
                "display_name": S,
                "business_registration_name": S,
                "business_registration_value": S,
                "address_1": S,
                "address_2": S,
                "city": S,
                "state": S,
                "post_code": S,
                "country": S,
                "country_code": S,
                "contact_information": S,
                "email_reply_to": S,
                "website_address": S,
                "show_in_online_bookings": B,
                "archived_at": S,
                "deleted_at": S,
            },
            not_migrated={
                "business_registration_name": "label of the registration number (e.g. ABN), implied by the country",
                "country": IN_RECORD + " (country_code)",
                "deleted_at": DELETED,
                "show_in_online_bookings": BOOKING_ADMIN,
            },
            navigation=("appointments", "practitioners"),
        ),
        _resource(
            "users",
            "one row per user account (practitioners and reception staff)",
            {
                "title": S,
                "first_name": S,
                "last_name": S,
                "email": S,
                "role": S,
                "time_zone": S,
                "user_active": B,
            },
            not_migrated={
                "title": IN_RECORD + " (the practitioner's own)",
                "first_name": IN_RECORD + " (the practitioner's own)",
                "last_name": IN_RECORD + " (the practitioner's own)",
                "role": "Cliniko permission role; the target's security roles are set there, not migrated",
                "time_zone": "the user's display zone; sites carry the practice's zones",
                "created_at": LOOKUP_ONLY,
                "updated_at": LOOKUP_ONLY,
            },
        ),
        _resource(
            "practitioners",
            "one row per practitioner (a user who sees patients)",
            {
                "title": S,
                "first_name": S,
                "last_name": S,
                "designation": S,
                "description": S,
                "label": S,
                "active": B,
                "show_in_online_bookings": B,
                "user": L,
                "default_appointment_type": L,
                SOURCE_LIST_FIELD: S,
            },
            not_migrated={
                "default_appointment_type": BOOKING_ADMIN,
                "description": "online-booking profile text",
                "show_in_online_bookings": BOOKING_ADMIN,
            },
            navigation=("appointments", "invoices", "practitioner_reference_numbers"),
        ),
        _resource(
            "practitioner_reference_numbers",
            "one row per practitioner × business reference (provider) number",
            {"name": S, "reference_number": S, "business": L, "practitioner": L},
            not_migrated={
                "name": "label of the number (e.g. Provider number); the numbers are migrated with the practitioner",
                "business": "the site a provider number applies to: the canonical model keeps the numbers only",
                "id": LOOKUP_ONLY,
                "created_at": LOOKUP_ONLY,
                "updated_at": LOOKUP_ONLY,
            },
        ),
        _resource(
            "appointment_types",
            "one row per appointment type",
            {
                "name": S,
                "category": S,
                "color": S,
                "description": S,
                "duration_in_minutes": INT,
                "max_attendees": INT,
                "show_in_online_bookings": B,
                "archived_at": S,
                "billable_item": L,
                "treatment_note_template": L,
                SOURCE_LIST_FIELD: S,
            },
            not_migrated={
                field: LOOKUP_ONLY
                for field in (
                    SOURCE_LIST_FIELD,
                    "archived_at",
                    "billable_item",
                    "category",
                    "color",
                    "created_at",
                    "description",
                    "duration_in_minutes",
                    "max_attendees",
                    "show_in_online_bookings",
                    "treatment_note_template",
                    "updated_at",
                )
            }
            | {"product": PRODUCTS},
            navigation=("practitioners",),
        ),
        _resource(
            "billable_items",
            "one row per billable item (service or product price)",
            {"item_code": S, "item_type": S, "name": S, "price": S, "tax": L},
            not_migrated={
                field: "the price list of the old system; invoice lines carry their own code, name and prices"
                for field in ("id", "item_code", "item_type", "name", "price", "tax", "created_at", "updated_at")
            },
        ),
        _resource(
            "taxes",
            "one row per tax rate",
            {"name": S, "rate": S, "amount": S},
            not_migrated={
                field: "tax rates of the old system; invoice lines carry their own tax name, rate and amount"
                for field in ("id", "name", "rate", "amount", "created_at", "updated_at")
            },
        ),
        _resource(
            "concession_types",
            "one row per concession type",
            {"name": S},
            not_migrated={"created_at": LOOKUP_ONLY, "updated_at": LOOKUP_ONLY},
        ),
        _resource(
            "contacts",
            "one row per contact: referring doctors (type_code 1) and other third parties (0)",
            {
                "title": S,
                "first_name": S,
                "last_name": S,
                "preferred_name": S,
                "company_name": S,
                "occupation": S,
                "type": S,
                "type_code": INT,
                "provider_number": S,
                "email": S,
                "phone_numbers": ARR,
                "address_1": S,
                "address_2": S,
                "address_3": S,
                "city": S,
                "state": S,
                "post_code": S,
                "country": S,
                "country_code": S,
                "doctor_type": S,
                "notes": S,
                "archived_at": S,
                "deleted_at": S,
            },
            not_migrated={
                "deleted_at": DELETED,
                "type": IN_RECORD + " (type_code)",
            },
        ),
        _resource(
            "patients",
            "one row per patient",
            {
                "title": S,
                "first_name": S,
                "last_name": S,
                "preferred_first_name": S,
                "date_of_birth": S,
                "sex": S,
                "gender_identity": S,
                "pronouns": S,
                "gender": S,
                "email": S,
                "patient_phone_numbers": ARR,
                "address_1": S,
                "address_2": S,
                "address_3": S,
                "city": S,
                "state": S,
                "post_code": S,
                "country": S,
                "country_code": S,
                "time_zone": S,
                "emergency_contact": S,
                "occupation": S,
                "notes": S,
                "appointment_notes": S,
                "medicare": S,
                "medicare_reference_number": S,
                "dva_card_number": S,
                "old_reference_id": S,
                "referral_source": S,
                "reminder_type": S,
                "receives_confirmation_emails": B,
                "accepted_privacy_policy": B,
                "accepted_email_marketing": B,
                "accepted_sms_marketing": B,
                "invoice_default_to": S,
                "invoice_email": S,
                "invoice_extra_information": S,
                "custom_fields": OBJ,
                "archived_at": S,
                "deleted_at": S,
                "concession_type": L,
                "referring_doctor": L,
                # Set on a patient merged into another inside Cliniko (read from /patients/archived):
                # staged as a merge into that patient (sections/patients.md, Get Archived Patients).
                "merged_at": S,
                "merged_with_patient": L,
                SOURCE_LIST_FIELD: S,
            },
            not_migrated={
                SOURCE_LIST_FIELD: LISTED_AT + "archived_at",
                "deleted_at": DELETED,
            },
            navigation=("appointments", "invoices", "medical_alerts"),
        ),
        _resource(
            "medical_alerts",
            "one row per medical alert on a patient",
            {"name": S, "deleted_at": S, "patient": L},
            not_migrated={"deleted_at": DELETED},
        ),
        _resource(
            "patient_cases",
            "one row per patient case (episode, claim or referral)",
            {
                "name": S,
                "notes": S,
                "issue_date": S,
                "expiry_date": S,
                "closed": B,
                "max_sessions": INT,
                "max_invoiceable_amount": S,
                "referral": B,
                "referral_type": S,
                "attendee_ids": ARR,
                "archived_at": S,
                "patient": L,
                "contact": L,
            },
            not_migrated={
                "archived_at": NO_FIELD,
                "contact": NO_FIELD + " (the case's referrer or funder)",
                "include_cancelled_attendees": "a Cliniko counting option for max_sessions",
                "include_dna_attendees": "a Cliniko counting option for max_sessions",
            },
            navigation=("attendees", "bookings", "invoices", "patient_attachments"),
        ),
        _resource(
            "individual_appointments",
            "one row per one-to-one appointment",
            {
                "starts_at": S,
                "ends_at": S,
                "cancelled_at": S,
                "deleted_at": S,
                "archived_at": S,
                "cancellation_reason": INT,
                "cancellation_reason_description": S,
                "cancellation_note": S,
                "did_not_arrive": B,
                "patient_arrived": B,
                "notes": S,
                "patient_name": S,
                "email_reminder_sent": B,
                "sms_reminder_sent": B,
                "invoice_status": INT,
                "treatment_note_status": INT,
                "telehealth_url": S,
                "repeat_rule": OBJ,
                "booking_ip_address": S,
                "online_booking_policy_accepted": B,
                "patient": L,
                "practitioner": L,
                "business": L,
                "appointment_type": L,
                "patient_case": L,
                "repeated_from": L,
                SOURCE_LIST_FIELD: S,
            },
            not_migrated={
                SOURCE_LIST_FIELD: LISTED_AT + "cancelled_at",
                "archived_at": NO_FIELD,
                "deleted_at": DELETED,
                "email_reminder_sent": BOOKING_ADMIN,
                "patient_name": IN_RECORD + " (patient)",
                "repeated_from": REPEATS,
                "repeats": REPEATS,
                "sms_reminder_sent": BOOKING_ADMIN,
                "telehealth_url": "a meeting link of the old system's telehealth, which ends with it",
            },
            navigation=("attendees", "conflicts"),
        ),
        _resource(
            "group_appointments",
            "one row per group appointment (class); its patients are attendees",
            {
                "starts_at": S,
                "ends_at": S,
                "max_attendees": INT,
                "notes": S,
                "deleted_at": S,
                "archived_at": S,
                "repeat_rule": OBJ,
                "business": L,
                "practitioner": L,
                "appointment_type": L,
            },
            not_migrated={
                "archived_at": NO_FIELD,
                "created_at": IN_RECORD + " (each attendee's own)",
                "deleted_at": DELETED,
                "max_attendees": NO_FIELD,
                "patient_ids": IN_RECORD + " (the attendees, read as records of their own)",
                "repeats": REPEATS,
                "updated_at": IN_RECORD + " (each attendee's own)",
            },
            navigation=("attendees", "conflicts"),
        ),
        _resource(
            "attendees",
            "one row per patient booked into a group appointment",
            {
                "arrived": B,
                "cancelled_at": S,
                "cancellation_reason": INT,
                "cancellation_reason_description": S,
                "cancellation_note": S,
                "notes": S,
                "email_reminder_sent": B,
                "sms_reminder_sent": B,
                "invoice_status": INT,
                "treatment_note_status": INT,
                "booking_ip_address": S,
                "online_booking_policy_accepted": B,
                "deleted_at": S,
                "booking": L,
                "patient": L,
                SOURCE_LIST_FIELD: S,
            },
            not_migrated={
                SOURCE_LIST_FIELD: LISTED_AT + "cancelled_at",
                "deleted_at": DELETED,
                "email_reminder_sent": BOOKING_ADMIN,
                "sms_reminder_sent": BOOKING_ADMIN,
            },
            navigation=("invoices",),
        ),
        _resource(
            "treatment_note_templates",
            "one row per treatment note template",
            {"name": S, "content": OBJ, "print_settings": OBJ, "deleted_at": S},
            not_migrated={
                "content": "the template's empty questions; each note keeps its own questions and answers",
                "created_at": LOOKUP_ONLY,
                "deleted_at": DELETED,
                "print_settings": DISPLAY,
                "updated_at": LOOKUP_ONLY,
            },
        ),
        _resource(
            "treatment_notes",
            "one row per treatment note",
            {
                "title": S,
                "author_name": S,
                "draft": B,
                "content": OBJ,
                "finalized_at": S,
                "deleted_at": S,
                "patient": L,
                "practitioner": L,
                "treatment_note_template": L,
                "booking": L,
            },
            not_migrated={"deleted_at": DELETED},
        ),
        _resource(
            "invoices",
            "one row per invoice",
            {
                "number": S,
                "issue_date": S,
                "status": INT,
                "status_description": S,
                "total_amount": S,
                "tax_amount": S,
                "net_amount": S,
                "discounted_amount": S,
                "invoice_to": S,
                "notes": S,
                "patient_extra_information": S,
                "closed_at": S,
                "deleted_at": S,
                "appointment": L,
                "business": L,
                "practitioner": L,
                "patient": L,
            },
            not_migrated={
                "deleted_at": DELETED,
                "status_description": IN_RECORD + " (status)",
            },
        ),
        _resource(
            "invoice_items",
            "one row per invoice line",
            {
                "name": S,
                "code": S,
                "quantity": NUM,
                "unit_price": S,
                "discount_percentage": S,
                "discounted_amount": S,
                "is_monetary_discount": B,
                "net_price": S,
                "tax_amount": S,
                "tax_name": S,
                "tax_rate": S,
                "total_including_tax": S,
                "concession_type_name": S,
                "deleted_at": S,
                "invoice": L,
                "billable_item": L,
                "product": L,
            },
            not_migrated={"deleted_at": DELETED},
        ),
        _resource(
            "patient_attachments",
            "one row per file attached to a patient; bytes under attachments/<id>/<filename>",
            {
                "filename": S,
                "content_type": S,
                "size": INT,
                "description": S,
                "processing_completed": B,
                "deleted_at": S,
                "content": L,
                "patient": L,
                "user": L,
            },
            not_migrated={
                "content": "the download link: the bytes are migrated from the dump's attachments folder",
                "deleted_at": DELETED,
                "processing_completed": "an attachment still processing has no bytes yet; the extraction reports it",
                "user": NO_FIELD + " (who uploaded it)",
            },
        ),
        _resource(
            "communications",
            "one row per SMS, email, letter or call logged against a patient",
            {
                "category": S,
                "category_code": INT,
                "type": S,
                "type_code": INT,
                "direction_code": INT,
                "direction_description": S,
                "from": S,
                "to": S,
                "content": S,
                "content_subject": S,
                "confidential": B,
                "archived_at": S,
                "patient": L,
            },
            not_migrated={
                "category_code": IN_RECORD + " (category)",
                "direction_description": IN_RECORD + " (direction_code)",
                "type": IN_RECORD + " (type_code)",
            },
        ),
        _resource(
            "patient_form_templates",
            "one row per patient form template (intake and consent forms)",
            {"name": S, "content": OBJ, "restricted_to_practitioner": B, "archived_at": S},
            not_migrated={
                field: "the template's empty questions: each completed form keeps its own name, questions and answers"
                for field in ("id", "name", "content", "restricted_to_practitioner", "archived_at")
            }
            | {"created_at": LOOKUP_ONLY, "updated_at": LOOKUP_ONLY},
        ),
        _resource(
            "patient_forms",
            "one row per intake or consent form sent to a patient (answers and signatures when completed)",
            {
                "name": S,
                "content": OBJ,
                "completed_at": S,
                "restricted_to_practitioner": B,
                "url": S,
                "signatures": ARR,
                "patient": L,
                "booking": L,
                "attendee": L,
            },
            not_migrated={
                "restricted_to_practitioner": "a Cliniko visibility option of the form, set up again in the new system",
                "url": "the link the patient fills the form in at, which ends with the old system",
                "signatures": SIGNATURES,
            },
        ),
        _resource(
            "referral_source_types",
            "one row per referral source type (the practice's list of how patients are referred)",
            {"name": S, "referrer_type": S, "subcategories": ARR},
            not_migrated={
                "subcategories": "the type's list of choices: each patient's referral keeps the one chosen",
                "referrer_type": IN_RECORD + " (the patient's referral has its own referrer_type)",
                "created_at": LOOKUP_ONLY,
                "updated_at": LOOKUP_ONLY,
            },
            navigation=("referrers",),
        ),
        # One per patient with a structured referral; no id nor timestamps of its own (keyed by its patient
        # link, sections/referral_sources.md): read whole by every extraction (api_settings.WHOLE_LISTS).
        ResourceSpec(
            name="referral_sources",
            grain="one row per patient's referral: who (a patient or contact) or what referred them",
            key=None,
            fields={
                "patient": L,
                "referral_source_type": L,
                "referrer": L,
                "referrer_type": S,
                "subcategory": S,
                "notes": S,
            },
            not_migrated={"links": NAVIGATION},
        ),
        ResourceSpec(
            name="settings",
            grain="one row: the account settings, incl. the patient custom field definitions",
            key=None,
            fields={"country": S, "time_zone": S, "patient_custom_fields_definition": OBJ},
            not_migrated={
                "account": "the account's name, subdomain and admin; country and time zone come from the customer's "
                "configuration",
                "calendar": DISPLAY,
                "country": "the customer's configuration sets the practice's country",
                "links": NAVIGATION,
                "online_bookings": BOOKING_ADMIN,
                "reminders": BOOKING_ADMIN,
                "terminology": DISPLAY,
                "time_zone": "the customer's configuration sets the practice's time zone",
            },
            shapes=SHAPES["settings"],
        ),
    ]
}

# Resources the API documents that are not read, each with why (sources/coverage.py reports them in the
# approval report, with a record count when a dump delivers their file; any other file is a finding).
CALENDAR_SETUP = "calendar configuration of the old system, set up again in the new one (not patient data)"
NOT_MIGRATED_RESOURCES: dict[str, str] = {
    "availability_blocks": CALENDAR_SETUP + ": extra working hours",
    "available_times": "free appointment slots computed by the API, not stored data",
    "bookings": "the combined list of individual_appointments and group_appointments, which are read themselves",
    "daily_availabilities": CALENDAR_SETUP + ": weekly working hours",
    "products": "the retail stock catalogue; product sales are migrated as invoice lines (name, code, prices and "
    "the product id in invoice_line.product_source_id)",
    "services": CALENDAR_SETUP + ": which practitioners offer which appointment types where",
    "stock_adjustments": "stock movements of products, which are not migrated",
    "unavailable_blocks": CALENDAR_SETUP + ": blocked-out practitioner time",
}

# Cancellation reason codes (research/sources.md §2.6).
CANCELLATION_REASONS: dict[int, str] = {
    10: "Feeling better",
    20: "Condition worse",
    30: "Sick",
    31: "COVID-19 related",
    40: "Away",
    50: "Other",
    60: "Work",
}
INVOICE_STATUSES: dict[int, str] = {10: "Open", 20: "Paid", 30: "Closed", 40: "Open (credit)"}
COMMUNICATION_TYPES: dict[int, str] = {1: "SMS", 2: "Email", 3: "Phone call", 4: "Other"}
COMMUNICATION_DIRECTIONS: dict[int, str] = {1: "Outbound", 2: "Inbound"}
CONTACT_TYPES: dict[int, str] = {0: "Standard", 1: "Doctor"}
