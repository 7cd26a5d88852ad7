"""A SYNTHETIC Front Desk (desktop) decrypted export (sources/frontdesk/README.md: the layout is ASSUMED, not
public): the neutral AU small practice of synthetic/template.py, with the same defects and ground truth, as
the export wizard's CSV files (cp1252) with an INFORMATION_SCHEMA.COLUMNS export. The practice's rows under
Front Desk's assumed names (PracSuite's API vocabulary) with its own (ASSUMED) words: gender "Female"/"Male",
appointment status "Completed" as PracSuite's statuses read, booleans True/False and money with four
decimals as the wizard writes them. Every name is fictional."""

from __future__ import annotations

from pathlib import Path

from sources.frontdesk.settings import SCHEMA
from synthetic.ppmp import ppmp_tables
from synthetic.sqlserver import numeric_id, renamed, write_extract
from synthetic.template import SmallPractice, TemplateSummary, small_practice, write_truth

# Front Desk table → (the PPMP writer's table, Front Desk column → PPMP column).
RENAMES: dict[str, tuple[str, dict[str, str]]] = {
    "BUSINESSES": ("LOCATIONS", {"business_id": "LocationID", "business_name": "LocationName", "phone": "Phone"}),
    "PRACTITIONERS": (
        "PRACTITIONERS",
        {"practitioner_id": "PractitionerID", "first_name": "FirstName", "surname": "Surname", "email": "Email",
         "provider_no": "ProviderNo", "active": "Active"},
    ),
    "REFERRERS": (
        "REFERRERS",
        {"referrer_id": "ReferrerID", "title": "Title", "first_name": "FirstName", "surname": "Surname",
         "description": "Practice"},
    ),
    "PATIENTS": (
        "PATIENTS",
        {"client_id": "PatientID", "first_name": "FirstName", "surname": "Surname", "date_of_birth": "DOB",
         "gender": "Sex", "email": "Email", "mobile": "Mobile", "suburb": "Suburb", "medicare_no": "MedicareNo",
         "referrer_id": "ReferrerID", "archive": "Archived"},
    ),
    "APPOINTMENTS": (
        "APPOINTMENTS",
        {"appointment_id": "ApptID", "client_id": "PatientID", "practitioner_id": "PractitionerID",
         "business_id": "LocationID", "start_time": "StartTime", "end_time": "EndTime",
         "appointment_type": "ApptType", "status": "Status"},
    ),
    "NOTES": (
        "CLINICALNOTES",
        {"note_id": "NoteID", "client_id": "PatientID", "practitioner_id": "PractitionerID",
         "appointment_id": "ApptID", "created": "NoteDate", "note": "NoteText"},
    ),
    "INVOICES": (
        "INVOICES",
        {"invoice_id": "InvoiceID", "client_id": "PatientID", "invoice_no": "InvoiceNo",
         "invoice_date": "InvoiceDate", "status": "Status", "gst": "GST", "total": "Total"},
    ),
    "INVOICEITEMS": (
        "INVOICEITEMS",
        {"item_id": "ItemID", "invoice_id": "InvoiceID", "description": "Description", "quantity": "Qty",
         "unit_price": "UnitPrice", "amount": "Amount"},
    ),
    "PAYMENTS": (
        "PAYMENTS",
        {"payment_id": "PaymentID", "invoice_id": "InvoiceID", "client_id": "PatientID", "paid_at": "PaidOn",
         "amount": "Amount", "method": "Method"},
    ),
}  # fmt: skip
_GENDER = {"F": "Female", "M": "Male"}
# PracSuite's appointment status descriptions (its golden practice: "Completed", "Did Not Arrive").
_STATUS = {"Attended": "Completed", "DNA": "Did Not Arrive"}


def frontdesk_tables(practice: SmallPractice) -> dict[str, list[dict[str, object]]]:
    """The practice in Front Desk's assumed tables (TABLE → rows by column)."""
    tables = renamed(ppmp_tables(practice), RENAMES)
    for row in tables["PATIENTS"]:
        row["gender"] = _GENDER.get(str(row["gender"]), row["gender"])
    for row in tables["APPOINTMENTS"]:
        row["status"] = _STATUS.get(str(row["status"]), row["status"])
    return tables


def write_frontdesk_export(out: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> TemplateSummary:
    """Write a synthetic AU Front Desk decrypted export into folder `out` (created): the wizard's CSV files,
    the INFORMATION_SCHEMA export and the ground truth (ids as the export's integer keys)."""
    out = Path(out)
    practice = small_practice(clients=clients, seed=seed, defects=defects, country="AU")
    tables = frontdesk_tables(practice)
    write_extract(out, {name: (SCHEMA[name], rows) for name, rows in tables.items()}, style="wizard")
    # The decrypted export has no attachments (ASSUMED): the practice's documents are not in it.
    truth = [{**d, "source_id": str(numeric_id(d["source_id"]))} for d in practice.truth if d["entity"] != "document"]
    truth_file = write_truth(out, SmallPractice("AU", practice.rows, {}, truth), "frontdesk")
    return TemplateSummary(out, truth_file, {t: len(r) for t, r in tables.items()}, len(truth))
