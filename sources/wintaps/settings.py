"""Wintaps (UK) as source resources — an ASSUMED layout (README.md).

Public: nothing beyond the name and country in Gensolve's migration list (research/sources.md §3,
sources-round2.md §2.14: a search finds only an unrelated Windows telemetry tool, "WinTap"). The tables
below are our assumption of an old Windows desktop system's "export to text" — tab-delimited files
(`.csv`), the Windows code page cp1252 (`£` amounts), a report title line above the header, headers
prefixed by their table (`PatientSurname`), `True`/`False` flags and date-times with seconds — written by
synthetic/wintaps.py; the first real delivery is mapped through the mapping-proposal flow and the
confirmed spec replaces this one.
"""

from __future__ import annotations

from sources.base import FieldType
from sources.export_columns import ExportTable, export_resources
from sources.raw_contract import ReadOptions

F = FieldType
TITLE_LINE = "Wintaps Data Export - {table}"
READ_OPTIONS = ReadOptions(
    # Declared, not detected: a cp1252 file whose only non-ASCII bytes were mojibake would pass for UTF-8
    # (sources/comsense/README.md); a customer's `encoding:` still overrides it.
    encoding="cp1252",
    delimiter="\t",
    # header_line stays None: the header is the first line holding the key column, below the title line.
    date_formats=("%d/%m/%Y",),
    datetime_formats=("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"),
)

TABLES = (
    ExportTable(
        "clinics",
        "one row per clinic",
        (("ClinicID", F.TEXT), ("ClinicName", F.TEXT), ("ClinicTown", F.TEXT), ("ClinicPhone", F.TEXT)),
        key="ClinicID",
    ),
    ExportTable(
        "therapists",
        "one row per therapist; TherapistActive True/False",
        (
            ("TherapistID", F.TEXT),
            ("TherapistForename", F.TEXT),
            ("TherapistSurname", F.TEXT),
            ("TherapistEmail", F.TEXT),
            ("TherapistActive", F.BOOLEAN),
        ),
        key="TherapistID",
    ),
    ExportTable(
        "patients",
        "one row per patient, with the NHS number; PatientArchived True/False",
        (
            ("PatientID", F.TEXT),
            ("PatientSurname", F.TEXT),
            ("PatientForename", F.TEXT),
            ("PatientDOB", F.DATE),
            ("PatientSex", F.TEXT),
            ("PatientEmail", F.TEXT),
            ("PatientMobile", F.TEXT),
            ("PatientTown", F.TEXT),
            ("PatientNHSNo", F.TEXT),
            ("PatientArchived", F.BOOLEAN),
        ),
        key="PatientID",
    ),
    ExportTable(
        "appointments",
        "one row per appointment; start and end as local date-times with seconds",
        (
            ("ApptID", F.TEXT),
            ("ApptPatientID", F.TEXT),
            ("ApptTherapistID", F.TEXT),
            ("ApptClinicID", F.TEXT),
            ("ApptType", F.TEXT),
            ("ApptStart", F.DATETIME),
            ("ApptEnd", F.DATETIME),
            ("ApptStatus", F.TEXT),
        ),
        key="ApptID",
    ),
    ExportTable(
        "case_notes",
        "one row per case note",
        (
            ("NoteID", F.TEXT),
            ("NotePatientID", F.TEXT),
            ("NoteTherapistID", F.TEXT),
            ("NoteApptID", F.TEXT),
            ("NoteWritten", F.DATETIME),
            ("NoteText", F.TEXT),
        ),
        key="NoteID",
    ),
    ExportTable(
        "invoices",
        "one row per invoice; amounts in pounds with the £ sign",
        (
            ("InvoiceID", F.TEXT),
            ("InvoicePatientID", F.TEXT),
            ("InvoiceNo", F.TEXT),
            ("InvoiceDate", F.DATE),
            ("InvoiceStatus", F.TEXT),
            ("InvoiceVAT", F.DECIMAL),
            ("InvoiceTotal", F.DECIMAL),
        ),
        key="InvoiceID",
    ),
    ExportTable(
        "invoice_lines",
        "one row per line of an invoice",
        (
            ("LineID", F.TEXT),
            ("LineInvoiceID", F.TEXT),
            ("LineDescription", F.TEXT),
            ("LineQty", F.DECIMAL),
            ("LinePrice", F.DECIMAL),
            ("LineTotal", F.DECIMAL),
        ),
        key="LineID",
    ),
    ExportTable(
        "receipts",
        "one row per receipt (a payment against an invoice)",
        (
            ("ReceiptID", F.TEXT),
            ("ReceiptInvoiceID", F.TEXT),
            ("ReceiptPatientID", F.TEXT),
            ("ReceiptDate", F.DATETIME),
            ("ReceiptAmount", F.DECIMAL),
            ("ReceiptMethod", F.TEXT),
        ),
        key="ReceiptID",
    ),
)
RESOURCES = export_resources(TABLES)
HEADERS = {table.name: table.headers for table in TABLES}
