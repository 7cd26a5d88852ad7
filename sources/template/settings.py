"""The generic new-system template: the tables and columns a practice fills from any system that is not
on the list (issue 18 item 4), as a folder of CSV files or one XLSX workbook with a sheet per table.

One list of `TemplateColumn`s per table is the single source of truth: the resource specs the raw layer
reads, the headers, formats and example row `practice-migrate template` writes, the notes sheet, and what
`practice-migrate template validate` expects all come from it. Dates are day first (the template is for
NZ, AU and UK practices): `02/03/1980` is 2 March. Times are the site's local wall-clock time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sources.base import FieldType, ResourceSpec
from sources.raw_contract import ReadOptions

F = FieldType
DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
# ISO 8601 is accepted beside the day-first form: neither can be mistaken for the other.
READ_OPTIONS = ReadOptions(
    encoding=None,
    date_formats=(DATE_FORMAT, "%Y-%m-%d"),
    datetime_formats=(DATETIME_FORMAT, "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"),
)
WORKBOOK_FILE = "practice-template.xlsx"
NOTES_SHEET = "notes"
DOCUMENTS_DIR = "documents"

# What a person types for each storage type (the notes sheet and validation messages).
FORMATS: dict[FieldType, str] = {
    F.TEXT: "text",
    F.INTEGER: "a whole number",
    F.DECIMAL: "an amount, e.g. 90.00 (no currency symbol needed)",
    F.BOOLEAN: "yes or no",
    F.DATE: "a date, DD/MM/YYYY",
    F.DATETIME: "the site's local date and time, DD/MM/YYYY HH:MM",
}


@dataclass(frozen=True)
class TemplateColumn:
    name: str
    kind: FieldType
    required: bool
    description: str
    example: str


def _c(name: str, kind: FieldType, description: str, example: str, required: bool = False) -> TemplateColumn:
    return TemplateColumn(name, kind, required, description, example)


def _id(what: str, example: str) -> TemplateColumn:
    return _c("id", F.TEXT, f"the {what}'s id in the old system (unique in this table)", example, True)


TABLES: dict[str, tuple[str, tuple[TemplateColumn, ...]]] = {
    "sites": (
        "one row per clinic location",
        (
            _id("site", "S1"),
            _c("name", F.TEXT, "the location's name", "Harbour Clinic", True),
            _c("address_line_1", F.TEXT, "street address", "12 Quay Street"),
            _c("city", F.TEXT, "town or city", "Auckland"),
            _c("state", F.TEXT, "state or region", "Auckland"),
            _c("postcode", F.TEXT, "postcode", "1010"),
            _c("phone", F.TEXT, "the location's phone number", "09 555 0100"),
            _c("email", F.TEXT, "the location's email address", "reception@harbour.example"),
            _c("time_zone", F.TEXT, "IANA zone when it differs from the practice's", "Pacific/Auckland"),
        ),
    ),
    "practitioners": (
        "one row per practitioner",
        (
            _id("practitioner", "P1"),
            _c("title", F.TEXT, "title", "Dr"),
            _c("first_name", F.TEXT, "first name", "Aroha"),
            _c("last_name", F.TEXT, "last name", "Ngata", True),
            _c("email", F.TEXT, "work email address", "aroha@harbour.example"),
            _c("profession", F.TEXT, "profession", "Physiotherapist"),
            _c("registration_number", F.TEXT, "registration or provider number", "70-12345"),
            _c("active", F.BOOLEAN, "still working at the practice", "yes", True),
        ),
    ),
    "referrers": (
        "one row per referring doctor or other referrer",
        (
            _id("referrer", "R1"),
            _c("title", F.TEXT, "title", "Dr"),
            _c("first_name", F.TEXT, "first name", "James"),
            _c("last_name", F.TEXT, "last name", "Walker", True),
            _c("organisation", F.TEXT, "practice or organisation", "City Medical Centre"),
            _c("provider_number", F.TEXT, "provider number", "2345678A"),
            _c("email", F.TEXT, "email address", "james@citymedical.example"),
            _c("phone", F.TEXT, "phone number", "09 555 0200"),
        ),
    ),
    "clients": (
        "one row per client (patient)",
        (
            _id("client", "C1"),
            _c("title", F.TEXT, "title", "Ms"),
            _c("first_name", F.TEXT, "first name", "Mere"),
            _c("middle_name", F.TEXT, "middle name", ""),
            _c("last_name", F.TEXT, "last name", "Parata", True),
            _c("preferred_name", F.TEXT, "preferred name", ""),
            _c("date_of_birth", F.DATE, "date of birth", "02/03/1980"),
            _c("sex", F.TEXT, "female, male, intersex or unknown", "female"),
            _c("email", F.TEXT, "email address", "mere@example.org"),
            _c("mobile_phone", F.TEXT, "mobile number", "021 555 0101"),
            _c("home_phone", F.TEXT, "home number", ""),
            _c("work_phone", F.TEXT, "work number", ""),
            _c("address_line_1", F.TEXT, "street address", "4 Kauri Road"),
            _c("address_line_2", F.TEXT, "suburb or second line", ""),
            _c("city", F.TEXT, "town or city", "Auckland"),
            _c("state", F.TEXT, "state or region", ""),
            _c("postcode", F.TEXT, "postcode", "0610"),
            _c("nhi", F.TEXT, "NZ National Health Index number", "ZZZ0016"),
            _c("medicare_number", F.TEXT, "AU Medicare card number", ""),
            _c("nhs_number", F.TEXT, "UK NHS number", ""),
            _c("emergency_contact", F.TEXT, "name and phone of the emergency contact", ""),
            _c("occupation", F.TEXT, "occupation", ""),
            _c("notes", F.TEXT, "notes about the client", ""),
            _c("referrer_id", F.TEXT, "the referrer's id (referrers sheet)", "R1"),
            _c("archived", F.BOOLEAN, "archived or inactive in the old system", "no"),
        ),
    ),
    "conditions": (
        "one row per condition, claim or case (ACC, EPC, insurer)",
        (
            _id("condition", "K1"),
            _c("client_id", F.TEXT, "the client's id (clients sheet)", "C1", True),
            _c("name", F.TEXT, "the condition or claim's name", "Left ankle sprain"),
            _c("claim_number", F.TEXT, "claim or case number", "AB12345"),
            _c("injury_date", F.DATE, "date of injury", "01/02/2026"),
            _c("referrer_id", F.TEXT, "the referrer's id (referrers sheet)", "R1"),
            _c("max_sessions", F.INTEGER, "sessions approved", "6"),
            _c("closed", F.BOOLEAN, "closed", "no"),
        ),
    ),
    "appointments": (
        "one row per appointment",
        (
            _id("appointment", "A1"),
            _c("client_id", F.TEXT, "the client's id (clients sheet)", "C1", True),
            _c("practitioner_id", F.TEXT, "the practitioner's id (practitioners sheet)", "P1", True),
            _c("site_id", F.TEXT, "the site's id (sites sheet)", "S1", True),
            _c("condition_id", F.TEXT, "the condition's id (conditions sheet)", "K1"),
            _c("appointment_type", F.TEXT, "type of appointment", "Initial consultation"),
            _c("starts", F.DATETIME, "start, the site's local time", "03/02/2026 09:00", True),
            _c("ends", F.DATETIME, "end, the site's local time", "03/02/2026 09:45", True),
            _c("status", F.TEXT, "booked, arrived, completed, cancelled or did_not_attend", "completed", True),
            _c("cancellation_reason", F.TEXT, "why it was cancelled", ""),
            _c("notes", F.TEXT, "booking notes", ""),
        ),
    ),
    "clinical_notes": (
        "one row per clinical (treatment) note",
        (
            _id("note", "N1"),
            _c("client_id", F.TEXT, "the client's id (clients sheet)", "C1", True),
            _c("practitioner_id", F.TEXT, "the author's id (practitioners sheet)", "P1"),
            _c("appointment_id", F.TEXT, "the appointment's id (appointments sheet)", "A1"),
            _c("title", F.TEXT, "title", "Initial assessment"),
            _c("body", F.TEXT, "the note's text", "Subjective: ...", True),
            _c("written", F.DATETIME, "when it was written, the practice's local time", "03/02/2026 10:00"),
        ),
    ),
    "invoices": (
        "one row per invoice",
        (
            _id("invoice", "I1"),
            _c("client_id", F.TEXT, "the client's id (clients sheet)", "C1", True),
            _c("practitioner_id", F.TEXT, "the practitioner's id", "P1"),
            _c("appointment_id", F.TEXT, "the appointment's id", "A1"),
            _c("invoice_number", F.TEXT, "the invoice number", "1001", True),
            _c("issue_date", F.DATE, "date of issue", "03/02/2026", True),
            _c("status", F.TEXT, "draft, open, paid or cancelled", "paid", True),
            _c("tax_amount", F.DECIMAL, "tax included in the total", "11.74"),
            _c("total_amount", F.DECIMAL, "total including tax", "90.00", True),
        ),
    ),
    "invoice_lines": (
        "one row per line of an invoice",
        (
            _id("invoice line", "L1"),
            _c("invoice_id", F.TEXT, "the invoice's id (invoices sheet)", "I1", True),
            _c("description", F.TEXT, "what was charged", "Initial consultation"),
            _c("item_code", F.TEXT, "item or billing code", "PI1"),
            _c("quantity", F.DECIMAL, "quantity", "1", True),
            _c("unit_price", F.DECIMAL, "price per unit including tax", "90.00"),
            _c("total_amount", F.DECIMAL, "line total including tax", "90.00", True),
        ),
    ),
    "payments": (
        "one row per payment received",
        (
            _id("payment", "Y1"),
            _c("invoice_id", F.TEXT, "the invoice paid (invoices sheet)", "I1"),
            _c("client_id", F.TEXT, "the client who paid (clients sheet)", "C1", True),
            _c("paid", F.DATETIME, "when it was paid, the practice's local time", "03/02/2026 10:05", True),
            _c("amount", F.DECIMAL, "amount paid", "90.00", True),
            _c("method", F.TEXT, "cash, card, eftpos, bank transfer…", "eftpos"),
            _c("reference", F.TEXT, "payment reference", ""),
        ),
    ),
    "documents": (
        "one row per document file, the files in the documents folder beside the template",
        (
            _id("document", "D1"),
            _c("client_id", F.TEXT, "the client's id (clients sheet)", "C1", True),
            _c("file_name", F.TEXT, "the file's name in the documents folder", "referral.pdf", True),
            _c("description", F.TEXT, "what the document is", "GP referral"),
        ),
    ),
}

# Every table is delivered, a table the old system does not have as an empty sheet (or a header-only file).
REQUIRED_TABLES = frozenset(TABLES)


def columns(table: str) -> tuple[TemplateColumn, ...]:
    return TABLES[table][1]


RESOURCES: dict[str, ResourceSpec] = {
    table: ResourceSpec(
        name=table,
        grain=grain,
        fields={c.name: c.kind for c in cols},
        required=table in REQUIRED_TABLES,
        description=grain,
    )
    for table, (grain, cols) in TABLES.items()
}
