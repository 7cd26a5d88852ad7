"""Core Plus API resources as a dump delivers them: one `<resource>.ndjson` file each, typed fields.

Field lists follow research/sources-round2.md §2.3 (developers.coreplus.com.au). Every line is one
record with the values exactly as the API returned them — GUID ids, `dateOfBirth` without an offset,
appointment times with a space before the offset, `amountOwing` a string beside numeric line amounts —
under its top-level keys in snake_case (`clientId` → `client_id`, `medicareCardIRN` →
`medicare_card_irn`: the warehouse takes lower-case column names; nested objects keep the API's keys).
Two additions, documented in README.md: a client family member carries the `client_id` it was listed
for, and an appointment the `timezone_id` it was read in.
"""

from __future__ import annotations

from sources.base import FieldType, ResourceSpec

S, NUM, B = FieldType.STRING, FieldType.NUMBER, FieldType.BOOLEAN
OBJ, ARR = FieldType.OBJECT, FieldType.ARRAY

FILE_SUFFIX = ".ndjson"  # the same dump layout as Cliniko's (sources/cliniko/dump.py reads both)
MANIFEST_FILE = "manifest.json"

# Columns read into raw that mappings/coreplus.yaml does not read, each with why (sources/coverage.py).
_KEPT = "the canonical model has no field for it yet; kept in raw"
_FAMILY = (
    "a family member's other details: the canonical model has no family or contact entity, and the client's "
    "emergency contact keeps every member's name, relationship and mobile; listed for review, kept in raw"
)
# A member flagged invoiceRecipient would fill the client's invoice_to / invoice_email, but a spec's join takes
# every member (docs/mapping-spec.md: joins have no condition), so the flags are listed instead of guessed.
_FAMILY_FLAG = (
    "a family member's role (emergency contact, invoice recipient, main contact): the emergency contact text "
    "holds every member whatever their flags; listed for review, kept in raw"
)
_ZONE = "a GUID whose zone names the docs do not list (§2.3): the site's zone comes from the customer's configuration"

RESOURCES: dict[str, ResourceSpec] = {
    r.name: r
    for r in [
        ResourceSpec(
            "locations",
            "one row per practice location",
            {"location_id": S, "name": S, "timezone_id": S},
            key="location_id",
            not_migrated={"timezone_id": _ZONE},
        ),
        ResourceSpec(
            "practitioners",
            "one row per practitioner",
            {"practitioner_id": S, "title": S, "first_name": S, "last_name": S, "email": S, "provider_number": S},
            key="practitioner_id",
        ),
        ResourceSpec(
            "clients",
            "one row per client (patient), the full record of GET /Client/{id}",
            {
                "client_id": S,
                "title": S,
                "practitioner_id": S,
                "preferred_name": S,
                "culture": S,
                "pronouns": S,
                "first_name": S,
                "middle_name": S,
                "last_name": S,
                "date_of_birth": S,
                "gender": S,
                "medicare_card_number": S,
                "medicare_card_irn": S,
                "medicare_card_expire_date": S,
                "dva_card_number": S,
                "phone_number_home": S,
                "phone_number_work": S,
                "phone_number_mobile": S,
                "email": S,
                "status": S,
                "address_residential": OBJ,
                "address_postal": OBJ,
                "notes1": S,
                "external_id": S,
            },
            key="client_id",
            not_migrated={
                "practitioner_id": "the client's usual practitioner: " + _KEPT,
                "culture": "the client's culture: " + _KEPT,
                "medicare_card_expire_date": "the Medicare card's expiry (number and IRN are migrated): " + _KEPT,
                "address_postal": (
                    "the postal address: the canonical client holds one address, the residential one, which is "
                    "migrated (Core Plus's postalSameAsResidential often makes them equal); listed for review, "
                    "kept in raw"
                ),
            },
        ),
        ResourceSpec(
            "client_family",
            "one row per family member or contact of a client",
            {
                "family_id": S,
                "client_id": S,
                "title": S,
                "first_name": S,
                "surname": S,
                "relationship": S,
                "address": S,
                "suburb": S,
                "postcode": S,
                "home_phone": S,
                "work_phone": S,
                "mobile": S,
                "email": S,
                "notes": S,
                "medicare_card_number": S,
                "medicare_card_irn": S,
                "emergency_contact": B,
                "invoice_recipient": B,
                "main_contact": B,
            },
            key="family_id",
            not_migrated={
                "family_id": "the family member's own key: it is migrated within its client's emergency contact",
                **{
                    field: _FAMILY
                    for field in (
                        "title",
                        "address",
                        "suburb",
                        "postcode",
                        "home_phone",
                        "work_phone",
                        "email",
                        "notes",
                        "medicare_card_number",
                        "medicare_card_irn",
                    )
                },
                **dict.fromkeys(("emergency_contact", "invoice_recipient", "main_contact"), _FAMILY_FLAG),
            },
        ),
        ResourceSpec(
            "appointments",
            "one row per appointment, times in its location's zone",
            {
                "appointment_id": S,
                "appointment_reference_number": S,
                "status": S,
                "practitioner": OBJ,
                "subject": S,
                "notes": S,
                "location_id": S,
                "appointment_type_id": S,
                "start_date_time": S,
                "end_date_time": S,
                "clients": ARR,
                "notify_practitioner": B,
                "timezone_id": S,
            },
            key="appointment_id",
            not_migrated={
                "appointment_reference_number": "Core Plus's display reference; the appointment is migrated by its id",
                "subject": (
                    "Core Plus's display line for the booking, built from the client's surname, given name and phone "
                    "(§2.3: 'ADAM Luke 0400000000'); the client is migrated itself"
                ),
                "notify_practitioner": "a Core Plus notification setting of the old system",
                "timezone_id": "the zone the extraction read it in: times carry their offset; " + _ZONE,
            },
        ),
        ResourceSpec(
            "invoices",
            "one row per invoice, line items nested",
            {
                "invoice_id": S,
                "invoice_number": S,
                "client_id": S,
                "generated_at": S,
                "line_items": ARR,
                "amount_owing": S,
                "locked": B,
            },
            key="invoice_id",
            not_migrated={"locked": "Core Plus's edit lock on the invoice: bookkeeping of the old system"},
        ),
    ]
}


# What the API does not cover (§2.3: no referrers, clinical notes or payments end points) comes from the CSV
# export Flitstack (third party) reports for bulk data, delivered in an `export/` folder beside the API's
# files. Its file names, columns, date formats and that its ids are the API's GUIDs are ASSUMED (no public
# column list): the columns follow the generic template's (sources/template/settings.py), dates day first.
EXPORT_DIR = "export"
T, DATETIME, DEC = FieldType.TEXT, FieldType.DATETIME, FieldType.DECIMAL

EXPORT_RESOURCES: dict[str, ResourceSpec] = {
    r.name: r
    for r in [
        ResourceSpec(
            "referrers",
            "one row per referrer (CSV export, assumed)",
            {
                "referrer_id": T,
                "title": T,
                "first_name": T,
                "last_name": T,
                "organisation": T,
                "provider_number": T,
                "email": T,
                "phone": T,
            },
            key="referrer_id",
            required=False,
        ),
        ResourceSpec(
            "clinical_notes",
            "one row per clinical note (CSV export, assumed)",
            {
                "note_id": T,
                "client_id": T,
                "practitioner_id": T,
                "appointment_id": T,
                "title": T,
                "body": T,
                "written": DATETIME,
            },
            key="note_id",
            required=False,
        ),
        ResourceSpec(
            "payments",
            "one row per payment received (CSV export, assumed)",
            {
                "payment_id": T,
                "invoice_id": T,
                "client_id": T,
                "paid": DATETIME,
                "amount": DEC,
                "method": T,
                "reference": T,
            },
            key="payment_id",
            required=False,
        ),
    ]
}
