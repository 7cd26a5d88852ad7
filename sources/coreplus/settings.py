"""Core Plus API resources as a dump delivers them: one `<resource>.ndjson` file each, typed fields.

Field lists follow research/sources-round2.md §2.3 (developers.coreplus.com.au). Every line is one
record exactly as the API returned it — GUID ids, `dateOfBirth` without an offset, appointment times
with a space before the offset, `amountOwing` a string beside numeric line amounts — except two
additions the extractor makes and README.md documents: a client family member carries the `clientId`
it was listed for, and an appointment carries the `timezoneId` it was read in.
"""

from __future__ import annotations

from sources.base import FieldType, ResourceSpec

S, NUM, B = FieldType.STRING, FieldType.NUMBER, FieldType.BOOLEAN
OBJ, ARR = FieldType.OBJECT, FieldType.ARRAY

FILE_SUFFIX = ".ndjson"  # the same dump layout as Cliniko's (sources/cliniko/dump.py reads both)
MANIFEST_FILE = "manifest.json"

RESOURCES: dict[str, ResourceSpec] = {
    r.name: r
    for r in [
        ResourceSpec(
            "locations",
            "one row per practice location",
            {"locationId": S, "name": S, "timezoneId": S},
            key="locationId",
        ),
        ResourceSpec(
            "practitioners",
            "one row per practitioner",
            {"practitionerId": S, "title": S, "firstName": S, "lastName": S, "email": S, "providerNumber": S},
            key="practitionerId",
        ),
        ResourceSpec(
            "clients",
            "one row per client (patient), the full record of GET /Client/{id}",
            {
                "clientId": S,
                "title": S,
                "practitionerId": S,
                "preferredName": S,
                "culture": S,
                "pronouns": S,
                "firstName": S,
                "middleName": S,
                "lastName": S,
                "dateOfBirth": S,
                "gender": S,
                "medicareCardNumber": S,
                "medicareCardIRN": S,
                "medicareCardExpireDate": S,
                "dvaCardNumber": S,
                "phoneNumberHome": S,
                "phoneNumberWork": S,
                "phoneNumberMobile": S,
                "email": S,
                "Status": S,
                "addressResidential": OBJ,
                "addressPostal": OBJ,
                "notes1": S,
                "ExternalId": S,
            },
            key="clientId",
        ),
        ResourceSpec(
            "client_family",
            "one row per family member or contact of a client",
            {
                "familyId": S,
                "clientId": S,
                "title": S,
                "firstName": S,
                "surname": S,
                "relationship": S,
                "address": S,
                "suburb": S,
                "postcode": S,
                "homePhone": S,
                "workPhone": S,
                "mobile": S,
                "email": S,
                "notes": S,
                "medicareCardNumber": S,
                "medicareCardIRN": S,
                "emergencyContact": B,
                "invoiceRecipient": B,
                "mainContact": B,
            },
            key="familyId",
        ),
        ResourceSpec(
            "appointments",
            "one row per appointment, times in its location's zone",
            {
                "appointmentId": S,
                "appointmentReferenceNumber": S,
                "status": S,
                "practitioner": OBJ,
                "subject": S,
                "notes": S,
                "locationId": S,
                "appointmentTypeId": S,
                "startDateTime": S,
                "endDateTime": S,
                "clients": ARR,
                "notifyPractitioner": B,
                "timezoneId": S,
            },
            key="appointmentId",
        ),
        ResourceSpec(
            "invoices",
            "one row per invoice, line items nested",
            {
                "invoiceId": S,
                "invoiceNumber": S,
                "clientId": S,
                "generatedAt": S,
                "lineItems": ARR,
                "amountOwing": S,
                "locked": B,
            },
            key="invoiceId",
        ),
    ]
}
