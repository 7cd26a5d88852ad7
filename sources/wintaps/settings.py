"""Wintaps (UK) as source resources — an ASSUMED layout (README.md).

Public: nothing beyond the name and country in Gensolve's migration list (research/sources.md §3,
sources-round2.md §2.14: a search finds only an unrelated Windows telemetry tool, "WinTap"). The tables
below are our assumption of an old Windows desktop system's "Unicode text" export — UTF-16 (little-endian,
with a byte-order mark), pipe-delimited, one `<table>.csv` per table, Title Case headers with spaces
(`Last Name`, `NHS Number`), `£` amounts, `True`/`False` flags and date-times with seconds — written by
synthetic/wintaps.py; the first real delivery is mapped through the mapping-proposal flow and the
confirmed spec replaces this one.
"""

from __future__ import annotations

from sources.base import FieldType
from sources.export_columns import ExportTable, export_resources
from sources.raw_contract import ReadOptions

F = FieldType
ENCODING = "utf-16"  # the codec reads (and writes) the byte-order mark, little-endian as Windows writes it
DELIMITER = "|"
READ_OPTIONS = ReadOptions(
    # Declared: detection tries UTF-8 and the single-byte code pages only, and UTF-16 is neither.
    encoding=ENCODING,
    delimiter=DELIMITER,
    date_formats=("%d/%m/%Y",),
    datetime_formats=("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"),
)

TABLES = (
    ExportTable(
        "clinics",
        "one row per clinic",
        (("Clinic No", F.TEXT), ("Clinic Name", F.TEXT), ("Town", F.TEXT), ("Telephone", F.TEXT)),
        key="Clinic No",
    ),
    ExportTable(
        "therapists",
        "one row per therapist; Active True/False",
        (
            ("Therapist No", F.TEXT),
            ("First Name", F.TEXT),
            ("Last Name", F.TEXT),
            ("Email", F.TEXT),
            ("Active", F.BOOLEAN),
        ),
        key="Therapist No",
    ),
    ExportTable(
        "patients",
        "one row per patient, with the NHS number; Archived True/False",
        (
            ("Patient No", F.TEXT),
            ("Last Name", F.TEXT),
            ("First Name", F.TEXT),
            ("Date Of Birth", F.DATE),
            ("Sex", F.TEXT),
            ("Email", F.TEXT),
            ("Mobile", F.TEXT),
            ("Town", F.TEXT),
            ("NHS Number", F.TEXT),
            ("Archived", F.BOOLEAN),
        ),
        key="Patient No",
    ),
    ExportTable(
        "appointments",
        "one row per appointment; start and end as local date-times with seconds",
        (
            ("Appointment No", F.TEXT),
            ("Patient No", F.TEXT),
            ("Therapist No", F.TEXT),
            ("Clinic No", F.TEXT),
            ("Appointment Type", F.TEXT),
            ("Start", F.DATETIME),
            ("End", F.DATETIME),
            ("Status", F.TEXT),
        ),
        key="Appointment No",
    ),
    ExportTable(
        "case_notes",
        "one row per case note",
        (
            ("Note No", F.TEXT),
            ("Patient No", F.TEXT),
            ("Therapist No", F.TEXT),
            ("Appointment No", F.TEXT),
            ("Written", F.DATETIME),
            ("Note", F.TEXT),
        ),
        key="Note No",
    ),
    ExportTable(
        "invoices",
        "one row per invoice; amounts in pounds with the £ sign",
        (
            ("Invoice No", F.TEXT),
            ("Patient No", F.TEXT),
            ("Invoice Number", F.TEXT),
            ("Invoice Date", F.DATE),
            ("Status", F.TEXT),
            ("VAT", F.DECIMAL),
            ("Total", F.DECIMAL),
        ),
        key="Invoice No",
    ),
    ExportTable(
        "invoice_lines",
        "one row per line of an invoice",
        (
            ("Line No", F.TEXT),
            ("Invoice No", F.TEXT),
            ("Description", F.TEXT),
            ("Quantity", F.DECIMAL),
            ("Unit Price", F.DECIMAL),
            ("Line Total", F.DECIMAL),
        ),
        key="Line No",
    ),
    ExportTable(
        "receipts",
        "one row per receipt (a payment against an invoice)",
        (
            ("Receipt No", F.TEXT),
            ("Invoice No", F.TEXT),
            ("Patient No", F.TEXT),
            ("Received", F.DATETIME),
            ("Amount", F.DECIMAL),
            ("Method", F.TEXT),
        ),
        key="Receipt No",
    ),
)
RESOURCES = export_resources(TABLES)
HEADERS = {table.name: table.headers for table in TABLES}
