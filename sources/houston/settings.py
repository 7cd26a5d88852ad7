"""Houston VIP, now Best Practice's Bp VIP.net (AU and NZ): the export as source resources — an ASSUMED
layout (README.md).

Public: Houston Medical (Hamilton NZ, 1989) was bought by Best Practice and its VIP product ships as
"Bp VIP.net" (research/sources.md §3, sources-round2.md §2.7); Bp VIP.net's knowledge base describes
multi-unit practices and providers that are either internal (the practice's own clinicians) or external
(referring doctors) (kb.bpsoftware.net/vipnet). Not public: any export format, file, sheet or column. The
resources below are our assumption — one XLSX workbook with a sheet per table, Title Case headers with
spaces ("Given Name"), dates and times as Excel date cells, amounts as numbers, internal and external
providers in one sheet — written by synthetic/houston.py; the first real delivery is mapped through the
mapping-proposal flow and the confirmed spec replaces this one.
"""

from __future__ import annotations

from sources.base import FieldType
from sources.export_columns import ExportTable, export_resources
from sources.raw_contract import ReadOptions

F = FieldType
WORKBOOK_FILE = "VIPnet_Export.xlsx"
READ_OPTIONS = ReadOptions(
    encoding=None,  # a workbook carries its own (XLSX text is Unicode); kept for a CSV re-delivery
    # Date cells are read as dates whatever their display; a date typed as text is day first (AU/NZ).
    date_formats=("%d/%m/%Y",),
    datetime_formats=("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"),
)

TABLES = (
    ExportTable(
        "units",
        "one row per unit (a practice location of a multi-unit practice)",
        (
            ("Unit ID", F.TEXT),
            ("Unit Name", F.TEXT),
            ("Suburb", F.TEXT),
            ("Phone", F.TEXT),
        ),
        key="Unit ID",
    ),
    ExportTable(
        "providers",
        "one row per provider: internal (the practice's clinicians) or external (referring doctors)",
        (
            ("Provider ID", F.TEXT),
            ("Provider Type", F.TEXT),
            ("Title", F.TEXT),
            ("Given Name", F.TEXT),
            ("Surname", F.TEXT),
            ("Organisation", F.TEXT),
            ("Provider Number", F.TEXT),
            ("Email", F.TEXT),
        ),
        key="Provider ID",
    ),
    ExportTable(
        "patients",
        "one row per patient; date of birth a date cell; referring provider by id",
        (
            ("Patient ID", F.TEXT),
            ("Title", F.TEXT),
            ("Given Name", F.TEXT),
            ("Surname", F.TEXT),
            ("Date of Birth", F.DATE),
            ("Sex", F.TEXT),
            ("Email", F.TEXT),
            ("Mobile", F.TEXT),
            ("Suburb", F.TEXT),
            ("Medicare No", F.TEXT),
            ("Referring Provider ID", F.TEXT),
            ("Inactive", F.BOOLEAN),
        ),
        key="Patient ID",
    ),
    ExportTable(
        "appointments",
        "one row per appointment; start and finish as local date-time cells",
        (
            ("Appointment ID", F.TEXT),
            ("Patient ID", F.TEXT),
            ("Provider ID", F.TEXT),
            ("Unit ID", F.TEXT),
            ("Appointment Type", F.TEXT),
            ("Start", F.DATETIME),
            ("Finish", F.DATETIME),
            ("Status", F.TEXT),
        ),
        key="Appointment ID",
    ),
    ExportTable(
        "consult_notes",
        "one row per consultation note",
        (
            ("Note ID", F.TEXT),
            ("Patient ID", F.TEXT),
            ("Provider ID", F.TEXT),
            ("Appointment ID", F.TEXT),
            ("Written", F.DATETIME),
            ("Note", F.TEXT),
        ),
        key="Note ID",
    ),
    ExportTable(
        "invoices",
        "one row per invoice; GST and total as numbers",
        (
            ("Invoice ID", F.TEXT),
            ("Patient ID", F.TEXT),
            ("Invoice No", F.TEXT),
            ("Invoice Date", F.DATE),
            ("Status", F.TEXT),
            ("GST", F.DECIMAL),
            ("Total", F.DECIMAL),
        ),
        key="Invoice ID",
    ),
    ExportTable(
        "invoice_items",
        "one row per item of an invoice",
        (
            ("Item ID", F.TEXT),
            ("Invoice ID", F.TEXT),
            ("Description", F.TEXT),
            ("Qty", F.DECIMAL),
            ("Fee", F.DECIMAL),
            ("Amount", F.DECIMAL),
        ),
        key="Item ID",
    ),
    ExportTable(
        "receipts",
        "one row per receipt (a payment against an invoice)",
        (
            ("Receipt ID", F.TEXT),
            ("Invoice ID", F.TEXT),
            ("Patient ID", F.TEXT),
            ("Received", F.DATETIME),
            ("Amount", F.DECIMAL),
            ("Method", F.TEXT),
        ),
        key="Receipt ID",
    ),
)
RESOURCES = export_resources(TABLES)
HEADERS = {table.name: table.headers for table in TABLES}
