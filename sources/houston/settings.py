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

from sources.base import FieldType, ResourceSpec
from sources.formats import DAY_FIRST_DATES, DAY_FIRST_DATETIMES, export_resources
from sources.raw_contract import ReadOptions

F = FieldType
WORKBOOK_FILE = "VIPnet_Export.xlsx"
READ_OPTIONS = ReadOptions(
    encoding=None,  # a workbook carries its own (XLSX text is Unicode); kept for a CSV re-delivery
    # Date cells are read as dates whatever their display; a date typed as text is day first (AU/NZ).
    date_formats=DAY_FIRST_DATES,
    datetime_formats=DAY_FIRST_DATETIMES,
)

RESOURCES: dict[str, ResourceSpec] = export_resources(
    (
        "units",
        "one row per unit (a practice location of a multi-unit practice)",
        "unit_id",
        {"unit_id": F.TEXT, "unit_name": F.TEXT, "suburb": F.TEXT, "phone": F.TEXT},
    ),
    (
        "providers",
        "one row per provider: internal (the practice's clinicians) or external (referring doctors)",
        "provider_id",
        {
            "provider_id": F.TEXT,
            "provider_type": F.TEXT,
            "title": F.TEXT,
            "given_name": F.TEXT,
            "surname": F.TEXT,
            "organisation": F.TEXT,
            "provider_number": F.TEXT,
            "email": F.TEXT,
        },
    ),
    (
        "patients",
        "one row per patient; date of birth a date cell; referring provider by id",
        "patient_id",
        {
            "patient_id": F.TEXT,
            "title": F.TEXT,
            "given_name": F.TEXT,
            "surname": F.TEXT,
            "date_of_birth": F.DATE,
            "sex": F.TEXT,
            "email": F.TEXT,
            "mobile": F.TEXT,
            "suburb": F.TEXT,
            "medicare_no": F.TEXT,
            "referring_provider_id": F.TEXT,
            "inactive": F.BOOLEAN,
        },
    ),
    (
        "appointments",
        "one row per appointment; start and finish as local date-time cells",
        "appointment_id",
        {
            "appointment_id": F.TEXT,
            "patient_id": F.TEXT,
            "provider_id": F.TEXT,
            "unit_id": F.TEXT,
            "appointment_type": F.TEXT,
            "start": F.DATETIME,
            "finish": F.DATETIME,
            "status": F.TEXT,
        },
    ),
    (
        "consult_notes",
        "one row per consultation note",
        "note_id",
        {
            "note_id": F.TEXT,
            "patient_id": F.TEXT,
            "provider_id": F.TEXT,
            "appointment_id": F.TEXT,
            "written": F.DATETIME,
            "note": F.TEXT,
        },
    ),
    (
        "invoices",
        "one row per invoice; GST and total as numbers",
        "invoice_id",
        {
            "invoice_id": F.TEXT,
            "patient_id": F.TEXT,
            "invoice_no": F.TEXT,
            "invoice_date": F.DATE,
            "status": F.TEXT,
            "gst": F.DECIMAL,
            "total": F.DECIMAL,
        },
    ),
    (
        "invoice_items",
        "one row per item of an invoice",
        "item_id",
        {
            "item_id": F.TEXT,
            "invoice_id": F.TEXT,
            "description": F.TEXT,
            "qty": F.DECIMAL,
            "fee": F.DECIMAL,
            "amount": F.DECIMAL,
        },
    ),
    (
        "receipts",
        "one row per receipt (a payment against an invoice)",
        "receipt_id",
        {
            "receipt_id": F.TEXT,
            "invoice_id": F.TEXT,
            "patient_id": F.TEXT,
            "received": F.DATETIME,
            "amount": F.DECIMAL,
            "method": F.TEXT,
        },
    ),
)
