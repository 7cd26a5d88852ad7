"""Freehand (UK) export as source resources — an ASSUMED layout (README.md).

Public: nothing. Gensolve lists Freehand (UK) among the systems it migrates from; no documentation,
export description or schema was found (research/sources-round2.md §2.4: searches return clinic
websites only). The tables below are our assumption — one Excel workbook with a sheet per table, as a
UK practice system's "export to Excel" writes it — written by synthetic/freehand.py; the first real
delivery is mapped through the mapping-proposal flow and the confirmed spec replaces this one.
"""

from __future__ import annotations

from sources.base import FieldType
from sources.export_columns import ExportTable, export_resources
from sources.raw_contract import ReadOptions

F = FieldType
WORKBOOK_FILE = "freehand_export.xlsx"
# Dates and times are date cells (read as such); a date typed as text is read day first (UK) only.
READ_OPTIONS = ReadOptions(
    encoding=None,
    date_formats=("%d/%m/%Y",),
    datetime_formats=("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"),
)

TABLES = (
    ExportTable(
        "locations",
        "one row per practice location",
        (("Location Ref", F.TEXT), ("Location", F.TEXT), ("Telephone", F.TEXT)),
        key="Location Ref",
    ),
    ExportTable(
        "practitioners",
        "one row per practitioner; Active a TRUE/FALSE cell",
        (
            ("Practitioner Ref", F.TEXT),
            ("Forename", F.TEXT),
            ("Surname", F.TEXT),
            ("Email Address", F.TEXT),
            ("Active", F.BOOLEAN),
        ),
        key="Practitioner Ref",
    ),
    ExportTable(
        "patients",
        "one row per patient; NHS number shown 3-3-4; Archived a TRUE/FALSE cell",
        (
            ("Patient Ref", F.TEXT),
            ("Forename", F.TEXT),
            ("Surname", F.TEXT),
            ("Date of Birth", F.DATE),
            ("Gender", F.TEXT),
            ("Email Address", F.TEXT),
            ("Mobile No", F.TEXT),
            ("Town", F.TEXT),
            ("NHS No", F.TEXT),
            ("Archived", F.BOOLEAN),
        ),
        key="Patient Ref",
    ),
    ExportTable(
        "appointments",
        "one row per appointment; start and end as date-time cells, local time",
        (
            ("Appt Ref", F.TEXT),
            ("Patient Ref", F.TEXT),
            ("Practitioner Ref", F.TEXT),
            ("Location Ref", F.TEXT),
            ("Treatment", F.TEXT),
            ("Start", F.DATETIME),
            ("End", F.DATETIME),
            ("Outcome", F.TEXT),
        ),
        key="Appt Ref",
    ),
    ExportTable(
        "treatment_notes",
        "one row per treatment note",
        (
            ("Note Ref", F.TEXT),
            ("Patient Ref", F.TEXT),
            ("Practitioner Ref", F.TEXT),
            ("Appt Ref", F.TEXT),
            ("Written", F.DATETIME),
            ("Notes", F.TEXT),
        ),
        key="Note Ref",
    ),
    ExportTable(
        "invoices",
        "one row per invoice; VAT and total as number cells",
        (
            ("Invoice Ref", F.TEXT),
            ("Invoice No", F.TEXT),
            ("Patient Ref", F.TEXT),
            ("Date", F.DATE),
            ("Status", F.TEXT),
            ("VAT", F.DECIMAL),
            ("Total", F.DECIMAL),
        ),
        key="Invoice Ref",
    ),
    ExportTable(
        "invoice_lines",
        "one row per line of an invoice",
        (
            ("Line Ref", F.TEXT),
            ("Invoice Ref", F.TEXT),
            ("Item", F.TEXT),
            ("Quantity", F.DECIMAL),
            ("Unit Price", F.DECIMAL),
            ("Line Total", F.DECIMAL),
        ),
        key="Line Ref",
    ),
    ExportTable(
        "payments",
        "one row per payment",
        (
            ("Payment Ref", F.TEXT),
            ("Invoice Ref", F.TEXT),
            ("Patient Ref", F.TEXT),
            ("Paid On", F.DATETIME),
            ("Amount", F.DECIMAL),
            ("Method", F.TEXT),
        ),
        key="Payment Ref",
    ),
)
RESOURCES = export_resources(TABLES)
HEADERS = {table.name: table.headers for table in TABLES}
