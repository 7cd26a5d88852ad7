"""A SYNTHETIC Medtech32 vendor extract (sources/medtech/README.md: the layout is ASSUMED, not public): the
neutral NZ small practice of synthetic/template.py, with the same defects and ground truth, as CSV files with
a header (cp1252) beside the InterBase DDL (`isql -x`) of sources/medtech/schema.sql. The practice's rows
under Medtech's assumed table and column names, with Medtech's own (ASSUMED) quirks: InterBase's text forms
(TIMESTAMP with four fractional digits, BOOLEAN as TRUE/FALSE, NUMERIC(15,2) with two decimals), Delphi's
zero date 1899-12-30 where no date is recorded, the NHI on every patient, no Medicare number, status words
"Completed". Every name is fictional."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sources.medtech.settings import DELPHI_ZERO_DATE, SCHEMA, SCHEMA_FILE
from synthetic.ppmp import ppmp_tables
from synthetic.sqlserver import SQL_ZERO_DATE, numeric_id, renamed, write_extract
from synthetic.template import SmallPractice, TemplateSummary, small_practice, write_truth

# Medtech table → (the PPMP writer's table, Medtech column → PPMP column).
RENAMES: dict[str, tuple[str, dict[str, str]]] = {
    "LOCATION": ("LOCATIONS", {"LOCATION_ID": "LocationID", "LOCATION_NAME": "LocationName", "PHONE": "Phone"}),
    "PROVIDER": (
        "PRACTITIONERS",
        {"PROVIDER_ID": "PractitionerID", "GIVEN_NAME": "FirstName", "FAMILY_NAME": "Surname", "EMAIL": "Email",
         "HPI_CPN": "ProviderNo", "ACTIVE": "Active"},
    ),
    "REFERRER": (
        "REFERRERS",
        {"REFERRER_ID": "ReferrerID", "TITLE": "Title", "GIVEN_NAME": "FirstName", "FAMILY_NAME": "Surname",
         "ORGANISATION": "Practice"},
    ),
    "PATIENT": (
        "PATIENTS",
        {"PATIENT_ID": "PatientID", "GIVEN_NAME": "FirstName", "FAMILY_NAME": "Surname", "DOB": "DOB",
         "GENDER": "Sex", "EMAIL": "Email", "CELL_PHONE": "Mobile", "SUBURB": "Suburb", "REFERRER_ID": "ReferrerID",
         "INACTIVE": "Archived"},
    ),
    "APPOINTMENT": (
        "APPOINTMENTS",
        {"APPOINTMENT_ID": "ApptID", "PATIENT_ID": "PatientID", "PROVIDER_ID": "PractitionerID",
         "LOCATION_ID": "LocationID", "APPT_START": "StartTime", "APPT_END": "EndTime", "APPT_TYPE": "ApptType",
         "STATUS": "Status"},
    ),
    "CONSULTATION": (
        "CLINICALNOTES",
        {"CONSULTATION_ID": "NoteID", "PATIENT_ID": "PatientID", "PROVIDER_ID": "PractitionerID",
         "APPOINTMENT_ID": "ApptID", "CONSULT_DATE": "NoteDate", "NOTES": "NoteText"},
    ),
    "INVOICE": (
        "INVOICES",
        {"INVOICE_ID": "InvoiceID", "PATIENT_ID": "PatientID", "INVOICE_NO": "InvoiceNo",
         "INVOICE_DATE": "InvoiceDate", "STATUS": "Status", "GST": "GST", "TOTAL": "Total"},
    ),
    "INVOICE_LINE": (
        "INVOICEITEMS",
        {"LINE_ID": "ItemID", "INVOICE_ID": "InvoiceID", "DESCRIPTION": "Description", "QUANTITY": "Qty",
         "UNIT_PRICE": "UnitPrice", "AMOUNT": "Amount"},
    ),
    "PAYMENT": (
        "PAYMENTS",
        {"PAYMENT_ID": "PaymentID", "INVOICE_ID": "InvoiceID", "PATIENT_ID": "PatientID", "PAID_AT": "PaidOn",
         "AMOUNT": "Amount", "METHOD": "Method"},
    ),
}  # fmt: skip


def medtech_tables(practice: SmallPractice) -> dict[str, list[dict[str, object]]]:
    """The practice in Medtech's assumed tables (TABLE → rows by column)."""
    base = ppmp_tables(practice)
    nhi = {numeric_id(c["id"]): c.get("nhi") for c in practice.rows["clients"]}
    tables = renamed(base, RENAMES)
    for row in tables["PATIENT"]:
        row["NHI"] = nhi[row["PATIENT_ID"]]
        # Medtech32 is Delphi: a date it has none for is TDateTime's zero, 30 December 1899 (ASSUMED).
        row["DOB"] = DELPHI_ZERO_DATE if row["DOB"] == SQL_ZERO_DATE else row["DOB"]
    for row in tables["APPOINTMENT"]:
        row["STATUS"] = {"Attended": "Completed"}.get(str(row["STATUS"]), row["STATUS"])
    for table, definition in SCHEMA.items():  # NUMERIC(15,2): two decimals, as InterBase keeps them
        money = [c.name for c in definition.columns if c.data_type == "numeric"]
        for row in tables.get(table, []):
            row.update({c: row[c].quantize(Decimal("0.01")) for c in money if row.get(c) is not None})
    return tables


def write_medtech_extract(out: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> TemplateSummary:
    """Write a synthetic NZ Medtech32 extract into folder `out` (created): CSV files with a header, the
    InterBase DDL and the ground truth (ids as the extract's integer keys)."""
    out = Path(out)
    practice = small_practice(clients=clients, seed=seed, defects=defects, country="NZ")
    tables = medtech_tables(practice)
    write_extract(
        out,
        {name: (SCHEMA[name], rows) for name, rows in tables.items()},
        style="interbase",
        script=SCHEMA_FILE.read_text(encoding="utf-8"),
    )
    # Medtech's table extract has no documents (inbox documents come per patient through ALEX or GP2GP).
    truth = [{**d, "source_id": str(numeric_id(d["source_id"]))} for d in practice.truth if d["entity"] != "document"]
    truth_file = write_truth(out, SmallPractice("NZ", practice.rows, {}, truth), "medtech")
    return TemplateSummary(out, truth_file, {t: len(r) for t, r in tables.items()}, len(truth))
