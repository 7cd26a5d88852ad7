"""Cliniko API resources as a dump delivers them: one `<resource>.ndjson` file each, typed fields.

Field lists follow the API's example payloads (research/sources.md §2.7) plus the newer fields of
§2.5 that a current account returns. A dump is a folder with one newline-delimited JSON file per
resource, every line one record exactly as the API returns it (string ids, HATEOAS links, UTC
timestamps, money as decimal strings, phone numbers without "+"), a `manifest.json` with counts and
sha256 checksums, and patient attachment bytes under `attachments/<attachment id>/<filename>`.
"""

from __future__ import annotations

from sources.base import FieldType, ResourceSpec, Shape

# Short names keep the field tables below readable as tables.
S, INT, NUM, B = FieldType.STRING, FieldType.INTEGER, FieldType.NUMBER, FieldType.BOOLEAN
L, OBJ, ARR = FieldType.LINK, FieldType.OBJECT, FieldType.ARRAY

FILE_SUFFIX = ".ndjson"
MANIFEST_FILE = "manifest.json"
ATTACHMENTS_DIR = "attachments"

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
    "settings": {"patient_custom_fields_definition": _CUSTOM_FIELDS},
}


def _resource(name: str, grain: str, fields: dict[str, FieldType], **kw: object) -> ResourceSpec:
    return ResourceSpec(
        name=name,
        grain=grain,
        fields={"id": S, **fields, **_STAMPS},
        shapes=SHAPES.get(name, {}),
        **kw,  # type: ignore[arg-type]
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
            },
        ),
        _resource(
            "practitioner_reference_numbers",
            "one row per practitioner × business reference (provider) number",
            {"name": S, "reference_number": S, "business": L, "practitioner": L},
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
            },
        ),
        _resource(
            "billable_items",
            "one row per billable item (service or product price)",
            {"item_code": S, "item_type": S, "name": S, "price": S, "tax": L},
        ),
        _resource("taxes", "one row per tax rate", {"name": S, "rate": S, "amount": S}),
        _resource("concession_types", "one row per concession type", {"name": S}),
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
                "notes": S,
                "archived_at": S,
                "deleted_at": S,
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
            },
        ),
        _resource(
            "medical_alerts",
            "one row per medical alert on a patient",
            {"name": S, "deleted_at": S, "patient": L},
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
                "archived_at": S,
                "patient": L,
                "contact": L,
            },
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
                "patient": L,
                "practitioner": L,
                "business": L,
                "appointment_type": L,
                "patient_case": L,
                "repeated_from": L,
            },
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
                "deleted_at": S,
                "booking": L,
                "patient": L,
            },
        ),
        _resource(
            "treatment_note_templates",
            "one row per treatment note template",
            {"name": S, "content": OBJ, "print_settings": OBJ, "deleted_at": S},
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
            },
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
                "archived_at": S,
                "patient": L,
            },
        ),
        ResourceSpec(
            name="settings",
            grain="one row: the account settings, incl. the patient custom field definitions",
            key=None,
            fields={"country": S, "time_zone": S, "patient_custom_fields_definition": OBJ},
            shapes=SHAPES["settings"],
        ),
    ]
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
