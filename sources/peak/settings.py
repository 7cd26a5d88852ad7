"""Peak (NZ) as source resources — an ASSUMED layout (README.md).

Public: nothing beyond the name and country in Gensolve's migration list (research/sources.md §3,
sources-round2.md §2.10: no vendor page, schema, export sample or migration vendor's statement found).
The resources below are our assumption of a current cloud system's CSV export — UTF-8, LF line ends,
snake_case headers, ISO 8601 dates and local date-times (the diary), UTC instants with `Z` (a record's own
timestamps), amounts with an `NZ$` prefix, phone numbers in international form, an archive timestamp
instead of a flag, treatment notes as HTML — written by synthetic/peak.py; the first real delivery is
mapped through the mapping-proposal flow and the confirmed spec replaces this one.
"""

from __future__ import annotations

from sources.base import FieldType
from sources.export_columns import ExportTable, export_resources
from sources.raw_contract import ReadOptions

F = FieldType
READ_OPTIONS = ReadOptions(
    encoding="utf-8",  # assumed: a cloud system's export; bytes that are not UTF-8 refuse the file by line
    delimiter=",",
    date_formats=("%Y-%m-%d",),  # ISO only: a day-first date refuses the file, naming column and line
    datetime_formats=("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"),
)

TABLES = (
    ExportTable(
        "locations",
        "one row per clinic location",
        (
            ("location_id", F.TEXT),
            ("name", F.TEXT),
            ("city", F.TEXT),
            ("phone", F.TEXT),
        ),
        key="location_id",
    ),
    ExportTable(
        "team_members",
        "one row per practitioner (team member)",
        (
            ("team_member_id", F.TEXT),
            ("first_name", F.TEXT),
            ("last_name", F.TEXT),
            ("email", F.TEXT),
            ("active", F.BOOLEAN),
        ),
        key="team_member_id",
    ),
    ExportTable(
        "clients",
        "one row per client; archived_at set when the client is archived",
        (
            ("client_id", F.TEXT),
            ("first_name", F.TEXT),
            ("last_name", F.TEXT),
            ("date_of_birth", F.DATE),
            ("gender", F.TEXT),
            ("email", F.TEXT),
            ("mobile", F.TEXT),
            ("city", F.TEXT),
            ("nhi", F.TEXT),
            ("archived_at", F.DATETIME),
        ),
        key="client_id",
    ),
    ExportTable(
        "bookings",
        "one row per booking; start and end as ISO local date-times",
        (
            ("booking_id", F.TEXT),
            ("client_id", F.TEXT),
            ("team_member_id", F.TEXT),
            ("location_id", F.TEXT),
            ("service", F.TEXT),
            ("start_at", F.DATETIME),
            ("end_at", F.DATETIME),
            ("status", F.TEXT),
        ),
        key="booking_id",
    ),
    ExportTable(
        "treatment_notes",
        "one row per treatment note; the note as HTML, written at a UTC instant",
        (
            ("note_id", F.TEXT),
            ("client_id", F.TEXT),
            ("team_member_id", F.TEXT),
            ("booking_id", F.TEXT),
            ("created_at", F.INSTANT),
            ("note_html", F.TEXT),
        ),
        key="note_id",
    ),
    ExportTable(
        "invoices",
        "one row per invoice; amounts with an NZ$ prefix",
        (
            ("invoice_id", F.TEXT),
            ("client_id", F.TEXT),
            ("invoice_number", F.TEXT),
            ("issued_on", F.DATE),
            ("status", F.TEXT),
            ("tax", F.DECIMAL),
            ("total", F.DECIMAL),
        ),
        key="invoice_id",
    ),
    ExportTable(
        "invoice_items",
        "one row per item of an invoice",
        (
            ("invoice_item_id", F.TEXT),
            ("invoice_id", F.TEXT),
            ("description", F.TEXT),
            ("quantity", F.DECIMAL),
            ("unit_price", F.DECIMAL),
            ("amount", F.DECIMAL),
        ),
        key="invoice_item_id",
    ),
    ExportTable(
        "payments",
        "one row per payment, taken at a UTC instant",
        (
            ("payment_id", F.TEXT),
            ("invoice_id", F.TEXT),
            ("client_id", F.TEXT),
            ("paid_at", F.INSTANT),
            ("amount", F.DECIMAL),
            ("method", F.TEXT),
        ),
        key="payment_id",
    ),
)
RESOURCES = export_resources(TABLES)
HEADERS = {table.name: table.headers for table in TABLES}
