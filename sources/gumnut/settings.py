"""Gumnut (AU) export as source resources — an ASSUMED layout (README.md).

Public: nothing. Gensolve lists Gumnut (AU) among the systems it migrates from; no documentation,
export description or schema was found (research/sources-round2.md §2.6: searches return other AU
vendors). The tables below are our assumption — report-style exports ("print to file"): title lines
above a tab-separated header, PascalCase headers prefixed by the table (`PatientSurname`), dates as
`04-Mar-1980` and 12-hour times — written by synthetic/gumnut.py; the first real delivery is mapped
through the mapping-proposal flow and the confirmed spec replaces this one.
"""

from __future__ import annotations

from sources.base import FieldType
from sources.export_columns import ExportTable, export_resources
from sources.raw_contract import DEFAULT_DATE_PLACEHOLDERS, ReadOptions

F = FieldType
DATE = "%d-%b-%Y"
TIME = "%d-%b-%Y %I:%M %p"
PLACEHOLDER = "01-Jan-1900"  # a report's "no date", in its own date format
# Assumed: tab-separated (declared: title lines above the header would mislead a sniffer), the header
# found as the first line holding the key column, UTF-8 (detected; a byte-order mark is read), AU dates
# with month names (unambiguous: no day/month order to declare) and 12-hour times.
READ_OPTIONS = ReadOptions(
    encoding=None,
    delimiter="\t",
    date_formats=(DATE,),
    datetime_formats=(TIME,),
    date_placeholders=(*DEFAULT_DATE_PLACEHOLDERS, PLACEHOLDER),
)

TABLES = (
    ExportTable(
        "locations",
        "one row per practice location",
        (("LocationID", F.TEXT), ("LocationName", F.TEXT), ("LocationPhone", F.TEXT)),
        key="LocationID",
    ),
    ExportTable(
        "practitioners",
        "one row per practitioner; PractitionerActive Yes or No",
        (
            ("PractitionerID", F.TEXT),
            ("PractitionerFirstName", F.TEXT),
            ("PractitionerSurname", F.TEXT),
            ("PractitionerEmail", F.TEXT),
            ("PractitionerActive", F.BOOLEAN),
        ),
        key="PractitionerID",
    ),
    ExportTable(
        "patients",
        "one row per patient",
        (
            ("PatientID", F.TEXT),
            ("PatientFirstName", F.TEXT),
            ("PatientSurname", F.TEXT),
            ("PatientDOB", F.DATE),
            ("PatientSex", F.TEXT),
            ("PatientEmail", F.TEXT),
            ("PatientMobile", F.TEXT),
            ("PatientSuburb", F.TEXT),
            ("PatientMedicare", F.TEXT),
            ("PatientArchived", F.BOOLEAN),
        ),
        key="PatientID",
    ),
    ExportTable(
        "appointments",
        "one row per appointment; 12-hour local times",
        (
            ("AppointmentID", F.TEXT),
            ("PatientID", F.TEXT),
            ("PractitionerID", F.TEXT),
            ("LocationID", F.TEXT),
            ("AppointmentType", F.TEXT),
            ("AppointmentStart", F.DATETIME),
            ("AppointmentEnd", F.DATETIME),
            ("AppointmentStatus", F.TEXT),
        ),
        key="AppointmentID",
    ),
    ExportTable(
        "consult_notes",
        "one row per consultation note",
        (
            ("NoteID", F.TEXT),
            ("PatientID", F.TEXT),
            ("PractitionerID", F.TEXT),
            ("AppointmentID", F.TEXT),
            ("NoteCreated", F.DATETIME),
            ("NoteText", F.TEXT),
        ),
        key="NoteID",
    ),
    ExportTable(
        "invoices",
        "one row per invoice",
        (
            ("InvoiceID", F.TEXT),
            ("InvoiceNumber", F.TEXT),
            ("PatientID", F.TEXT),
            ("InvoiceDate", F.DATE),
            ("InvoiceStatus", F.TEXT),
            ("InvoiceGST", F.DECIMAL),
            ("InvoiceTotal", F.DECIMAL),
        ),
        key="InvoiceID",
    ),
    ExportTable(
        "invoice_lines",
        "one row per line of an invoice",
        (
            ("LineID", F.TEXT),
            ("InvoiceID", F.TEXT),
            ("LineDescription", F.TEXT),
            ("LineQty", F.DECIMAL),
            ("LineUnitPrice", F.DECIMAL),
            ("LineTotal", F.DECIMAL),
        ),
        key="LineID",
    ),
    ExportTable(
        "payments",
        "one row per payment",
        (
            ("PaymentID", F.TEXT),
            ("InvoiceID", F.TEXT),
            ("PatientID", F.TEXT),
            ("PaymentDate", F.DATETIME),
            ("PaymentAmount", F.DECIMAL),
            ("PaymentMethod", F.TEXT),
        ),
        key="PaymentID",
    ),
)
RESOURCES = export_resources(TABLES)
HEADERS = {table.name: table.headers for table in TABLES}
