"""Cloud Appts (Cloud Appointments, NZ) export as source resources — an ASSUMED layout (README.md).

Public: a per-practice cloud web app (`<code>.app.cloudappointments.co.nz`, Cloud Software Ltd,
Tauranga) whose terms name "Active Consultants" (the users who take appointments), session notes and
invoices (research/sources.md §3.1, cloudappointments.co.nz/terms-and-conditions). Not public: any export,
its files, columns, encoding or date format (sources-round2.md §2.1). The tables below are our
assumption, written by synthetic/cloudappts.py, in the vocabulary of the terms (consultants, session
notes); the first real delivery is mapped through the mapping-proposal flow and the confirmed spec
replaces this one.
"""

from __future__ import annotations

from sources.base import FieldType
from sources.export_columns import ExportTable, export_resources
from sources.raw_contract import ReadOptions

F = FieldType
# Assumed: a web app's report export writes ISO dates and 24-hour local times, UTF-8 without a
# byte-order mark, LF line ends (declared; a customer's `read:` block overrides).
READ_OPTIONS = ReadOptions(
    encoding="utf-8",
    delimiter=",",
    date_formats=("%Y-%m-%d",),
    datetime_formats=("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"),
)

TABLES = (
    ExportTable(
        "locations",
        "one row per practice location",
        (("Location ID", F.TEXT), ("Location Name", F.TEXT), ("Phone", F.TEXT)),
        key="Location ID",
    ),
    ExportTable(
        "consultants",
        "one row per consultant (a user who takes appointments); Status Active or Inactive",
        (
            ("Consultant ID", F.TEXT),
            ("First Name", F.TEXT),
            ("Last Name", F.TEXT),
            ("Email", F.TEXT),
            ("Status", F.TEXT),
        ),
        key="Consultant ID",
    ),
    ExportTable(
        "clients",
        "one row per client",
        (
            ("Client ID", F.TEXT),
            ("First Name", F.TEXT),
            ("Last Name", F.TEXT),
            ("Date Of Birth", F.DATE),
            ("Gender", F.TEXT),
            ("Email", F.TEXT),
            ("Mobile", F.TEXT),
            ("City", F.TEXT),
            ("NHI", F.TEXT),
            ("Archived", F.BOOLEAN),
        ),
        key="Client ID",
    ),
    ExportTable(
        "appointments",
        "one row per appointment; local times",
        (
            ("Appointment ID", F.TEXT),
            ("Client ID", F.TEXT),
            ("Consultant ID", F.TEXT),
            ("Location ID", F.TEXT),
            ("Service", F.TEXT),
            ("Start", F.DATETIME),
            ("End", F.DATETIME),
            ("Status", F.TEXT),
        ),
        key="Appointment ID",
    ),
    ExportTable(
        "session_notes",
        "one row per session note",
        (
            ("Note ID", F.TEXT),
            ("Client ID", F.TEXT),
            ("Consultant ID", F.TEXT),
            ("Appointment ID", F.TEXT),
            ("Created", F.DATETIME),
            ("Note", F.TEXT),
        ),
        key="Note ID",
    ),
    ExportTable(
        "invoices",
        "one row per invoice; GST and total including GST",
        (
            ("Invoice ID", F.TEXT),
            ("Invoice Number", F.TEXT),
            ("Client ID", F.TEXT),
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
            ("Unit Price", F.DECIMAL),
            ("Amount", F.DECIMAL),
        ),
        key="Item ID",
    ),
    ExportTable(
        "payments",
        "one row per payment",
        (
            ("Payment ID", F.TEXT),
            ("Invoice ID", F.TEXT),
            ("Client ID", F.TEXT),
            ("Payment Date", F.DATETIME),
            ("Amount", F.DECIMAL),
            ("Payment Method", F.TEXT),
        ),
        key="Payment ID",
    ),
)
RESOURCES = export_resources(TABLES)
HEADERS = {table.name: table.headers for table in TABLES}
