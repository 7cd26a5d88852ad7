"""Comsense (AU) export as source resources — an ASSUMED layout (README.md).

Public: nothing. Gensolve lists Comsense among the systems it migrates from; no documentation, export
description or schema of the AU practice system was found (research/sources-round2.md §2.2: the hits
for "Comsense" are unrelated products). The tables below are our assumption of an older Windows
desktop system's CSV export (sources-round2.md §5.4: such systems hold text in the Windows code page,
cp1252), written by synthetic/comsense.py; the first real delivery is mapped through the
mapping-proposal flow and the confirmed spec replaces this one.
"""

from __future__ import annotations

from sources.base import FieldType
from sources.export_columns import ExportTable, export_resources
from sources.raw_contract import ReadOptions

F = FieldType
# Assumed: the desktop database's code page, declared (a file whose only non-ASCII text is mojibake
# cannot be told from UTF-8 by its bytes: `MÃ¼ller` is valid UTF-8 as cp1252 bytes); dates day first
# (AU); CRLF. A customer's `encoding:` (`detect`, `utf-8`) overrides.
READ_OPTIONS = ReadOptions(
    encoding="cp1252",
    delimiter=",",
    date_formats=("%d/%m/%Y",),
    datetime_formats=("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"),
)

TABLES = (
    ExportTable(
        "clinics",
        "one row per clinic",
        (("CLINIC_ID", F.TEXT), ("CLINIC_NAME", F.TEXT), ("PHONE", F.TEXT)),
        key="CLINIC_ID",
    ),
    ExportTable(
        "providers",
        "one row per provider (practitioner); ACTIVE Y or N",
        (
            ("PROVIDER_ID", F.TEXT),
            ("SURNAME", F.TEXT),
            ("GIVEN_NAME", F.TEXT),
            ("EMAIL", F.TEXT),
            ("ACTIVE", F.BOOLEAN),
        ),
        key="PROVIDER_ID",
    ),
    ExportTable(
        "patients",
        "one row per patient; Medicare number as printed on the card (spaced); INACTIVE Y or N",
        (
            ("PATIENT_NO", F.TEXT),
            ("SURNAME", F.TEXT),
            ("GIVEN_NAME", F.TEXT),
            ("DOB", F.DATE),
            ("SEX", F.TEXT),
            ("EMAIL", F.TEXT),
            ("MOBILE", F.TEXT),
            ("SUBURB", F.TEXT),
            ("MEDICARE_NO", F.TEXT),
            ("INACTIVE", F.BOOLEAN),
        ),
        key="PATIENT_NO",
    ),
    ExportTable(
        "appointments",
        "one row per appointment: the day, and start and finish as times of day (the appointment book's columns)",
        (
            ("APPT_ID", F.TEXT),
            ("PATIENT_NO", F.TEXT),
            ("PROVIDER_ID", F.TEXT),
            ("CLINIC_ID", F.TEXT),
            ("APPT_TYPE", F.TEXT),
            ("APPT_DATE", F.DATE),
            ("START_TIME", F.TEXT),
            ("FINISH_TIME", F.TEXT),
            ("STATUS", F.TEXT),
        ),
        key="APPT_ID",
    ),
    ExportTable(
        "clinical_notes",
        "one row per clinical note",
        (
            ("NOTE_ID", F.TEXT),
            ("PATIENT_NO", F.TEXT),
            ("PROVIDER_ID", F.TEXT),
            ("APPT_ID", F.TEXT),
            ("NOTE_DATE", F.DATETIME),
            ("NOTE_TEXT", F.TEXT),
        ),
        key="NOTE_ID",
    ),
    ExportTable(
        "invoices",
        "one row per invoice; amounts with a dollar sign",
        (
            ("INVOICE_ID", F.TEXT),
            ("INVOICE_NO", F.TEXT),
            ("PATIENT_NO", F.TEXT),
            ("INVOICE_DATE", F.DATE),
            ("STATUS", F.TEXT),
            ("GST", F.DECIMAL),
            ("TOTAL", F.DECIMAL),
        ),
        key="INVOICE_ID",
    ),
    ExportTable(
        "invoice_items",
        "one row per item of an invoice",
        (
            ("ITEM_ID", F.TEXT),
            ("INVOICE_ID", F.TEXT),
            ("DESCRIPTION", F.TEXT),
            ("QTY", F.DECIMAL),
            ("FEE", F.DECIMAL),
            ("AMOUNT", F.DECIMAL),
        ),
        key="ITEM_ID",
    ),
    ExportTable(
        "receipts",
        "one row per receipt (payment)",
        (
            ("RECEIPT_ID", F.TEXT),
            ("INVOICE_ID", F.TEXT),
            ("PATIENT_NO", F.TEXT),
            ("RECEIPT_DATE", F.DATETIME),
            ("AMOUNT", F.DECIMAL),
            ("PAY_TYPE", F.TEXT),
        ),
        key="RECEIPT_ID",
    ),
)
RESOURCES = export_resources(TABLES)
HEADERS = {table.name: table.headers for table in TABLES}
