"""A golden Front Desk (desktop) practice (AU; Smartsoft's decrypted export, layout ASSUMED,
sources/frontdesk/README.md): a few rows written by hand as the export wizard's CSV (True/False, money with
four decimals) with an INFORMATION_SCHEMA export, and the staged rows a person works out from them, written
literally and compared column by column. The second business is in Perth (the customer's per-site zone).

Worked out by hand: Sydney's clocks went forward on Sunday 4 October 2026 at 02:00 (AEST +10 → AEDT +11);
Perth keeps +08:00 all year. Invoice 201: 80.00 + 3 × 5.00 = 95.00, GST 8.64 of it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from golden_staging import stage_delivery, staged_rows, write_golden_extract

from sources.frontdesk.settings import SCHEMA
from store import Warehouse

_APPOINTMENT = {"client_id": "11", "practitioner_id": "7", "appointment_type": "Initial consultation"}
GOLDEN: dict[str, list[dict[str, str]]] = {
    "BUSINESSES": [
        {"business_id": "1", "business_name": "Harbour Clinic", "phone": "02 9555 0100"},
        {"business_id": "2", "business_name": "West Clinic", "phone": "08 9555 0200"},
    ],
    "PRACTITIONERS": [{"practitioner_id": "7", "first_name": "Jo", "surname": "Example", "email": "JO@Example.org",
                       "provider_no": "2345678A", "active": "True"}],
    "REFERRERS": [{"referrer_id": "3", "title": "Dr", "first_name": "Ian", "surname": "Fox",
                   "description": "City GP"}],
    "PATIENTS": [
        {"client_id": "11", "first_name": "Avery", "surname": "Quill", "date_of_birth": "1972-07-02",
         "gender": "Female", "mobile": "0412 345 678", "suburb": "Newtown", "medicare_no": "2123456701",
         "referrer_id": "3", "archive": "False"},
    ],
    "APPOINTMENTS": [
        # The morning Sydney's clocks went forward (02:00 → 03:00): 10:30 is AEDT, +11.
        {**_APPOINTMENT, "appointment_id": "101", "business_id": "1", "start_time": "2026-10-04 10:30:00.000",
         "end_time": "2026-10-04 11:15:00.000", "status": "Completed"},
        # The same morning in Perth: +08:00, no daylight saving.
        {**_APPOINTMENT, "appointment_id": "102", "business_id": "2", "start_time": "2026-10-04 10:30:00.000",
         "end_time": "2026-10-04 11:00:00.000", "status": "Did Not Arrive"},
    ],
    "NOTES": [{"note_id": "5", "client_id": "11", "practitioner_id": "7", "appointment_id": "101",
               "created": "2026-10-04 11:20:00.000", "note": "Range of motion improving."}],
    "INVOICES": [{"invoice_id": "201", "client_id": "11", "invoice_no": "FD-201", "invoice_date": "2026-10-04",
                  "status": "Open", "gst": "8.6400", "total": "95.0000"}],
    "INVOICEITEMS": [
        {"item_id": "301", "invoice_id": "201", "description": "Initial consultation", "quantity": "1.00",
         "unit_price": "80.0000", "amount": "80.0000"},
        {"item_id": "302", "invoice_id": "201", "description": "Tape", "quantity": "3.00", "unit_price": "5.0000",
         "amount": "15.0000"},
    ],
    "PAYMENTS": [{"payment_id": "401", "invoice_id": "201", "client_id": "11", "paid_at": "2026-10-04 11:30:00.000",
                  "amount": "50.0000", "method": "Card"}],
}  # fmt: skip
UTC = dt.UTC


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    out = tmp_path_factory.mktemp("frontdesk-golden") / "extract"
    delivery = write_golden_extract(out, SCHEMA, GOLDEN, style="wizard", definitions="information_schema")
    return stage_delivery(
        "frontdesk", delivery, country="AU", time_zone="Australia/Sydney", site_time_zones={"2": "Australia/Perth"}
    )


def test_golden_client_site_practitioner_and_referrer(golden: Warehouse) -> None:
    columns = ("canonical_id", "first_name", "last_name", "date_of_birth", "sex", "mobile_phone", "city",
               "medicare_number", "referrer_id", "is_archived")  # fmt: skip
    assert staged_rows(golden, "client", *columns) == [
        {
            "canonical_id": "frontdesk:client:11",
            "first_name": "Avery",
            "last_name": "Quill",
            "date_of_birth": dt.date(1972, 7, 2),
            "sex": "female",  # "Female"
            "mobile_phone": "+61412345678",
            "city": "Newtown",
            "medicare_number": "2123456701",
            "referrer_id": "frontdesk:referrer:3",
            "is_archived": False,
        }
    ]
    assert staged_rows(golden, "site", "canonical_id", "name", "phone", "time_zone") == [
        {"canonical_id": "frontdesk:site:1", "name": "Harbour Clinic", "phone": "+61295550100",
         "time_zone": "Australia/Sydney"},
        {"canonical_id": "frontdesk:site:2", "name": "West Clinic", "phone": "+61895550200",
         "time_zone": "Australia/Perth"},
    ]  # fmt: skip
    assert staged_rows(golden, "practitioner", "canonical_id", "email", "registration_numbers", "is_active") == [
        {
            "canonical_id": "frontdesk:practitioner:7",
            "email": "jo@example.org",
            "registration_numbers": "2345678A",
            "is_active": True,
        }
    ]
    assert staged_rows(golden, "referrer", "canonical_id", "title", "last_name", "organisation_name") == [
        {"canonical_id": "frontdesk:referrer:3", "title": "Dr", "last_name": "Fox", "organisation_name": "City GP"}
    ]


def test_golden_appointments_in_each_sites_zone_and_the_note(golden: Warehouse) -> None:
    columns = ("canonical_id", "site_id", "starts_at", "ends_at", "starts_local", "time_zone", "status")
    assert staged_rows(golden, "appointment", *columns) == [
        {
            "canonical_id": "frontdesk:appointment:101",
            "site_id": "frontdesk:site:1",
            "starts_at": dt.datetime(2026, 10, 3, 23, 30, tzinfo=UTC),  # 10:30 AEDT (+11)
            "ends_at": dt.datetime(2026, 10, 4, 0, 15, tzinfo=UTC),
            "starts_local": dt.datetime(2026, 10, 4, 10, 30),
            "time_zone": "Australia/Sydney",
            "status": "completed",
        },
        {
            "canonical_id": "frontdesk:appointment:102",
            "site_id": "frontdesk:site:2",
            "starts_at": dt.datetime(2026, 10, 4, 2, 30, tzinfo=UTC),  # 10:30 AWST (+08)
            "ends_at": dt.datetime(2026, 10, 4, 3, 0, tzinfo=UTC),
            "starts_local": dt.datetime(2026, 10, 4, 10, 30),
            "time_zone": "Australia/Perth",
            "status": "did_not_attend",  # PracSuite's "Did Not Arrive"
        },
    ]
    assert staged_rows(golden, "clinical_note", "canonical_id", "appointment_id", "body_text", "created_at") == [
        {
            "canonical_id": "frontdesk:clinical_note:5",
            "appointment_id": "frontdesk:appointment:101",
            "body_text": "Range of motion improving.",
            "created_at": dt.datetime(2026, 10, 4, 0, 20, tzinfo=UTC),  # 11:20 AEDT, the practice's zone
        }
    ]


def test_golden_invoice_lines_and_part_payment(golden: Warehouse) -> None:
    columns = ("canonical_id", "invoice_number", "issue_date", "status", "tax_amount", "total_amount")
    assert staged_rows(golden, "invoice", *columns) == [
        {
            "canonical_id": "frontdesk:invoice:201",
            "invoice_number": "FD-201",
            "issue_date": dt.date(2026, 10, 4),
            "status": "open",
            "tax_amount": Decimal("8.64"),
            "total_amount": Decimal("95.00"),  # 80.00 + 15.00
        }
    ]
    columns = ("canonical_id", "description", "quantity", "unit_price_amount", "total_amount")
    assert staged_rows(golden, "invoice_line", *columns) == [
        {
            "canonical_id": "frontdesk:invoice_line:301",
            "description": "Initial consultation",
            "quantity": Decimal("1.00"),
            "unit_price_amount": Decimal("80.00"),
            "total_amount": Decimal("80.00"),
        },
        {
            "canonical_id": "frontdesk:invoice_line:302",
            "description": "Tape",
            "quantity": Decimal("3.00"),
            "unit_price_amount": Decimal("5.00"),
            "total_amount": Decimal("15.00"),
        },
    ]
    assert staged_rows(golden, "payment", "canonical_id", "invoice_id", "paid_at", "amount", "method") == [
        {
            "canonical_id": "frontdesk:payment:401",
            "invoice_id": "frontdesk:invoice:201",
            "paid_at": dt.datetime(2026, 10, 4, 0, 30, tzinfo=UTC),  # 11:30 AEDT
            "amount": Decimal("50.00"),  # part of 95.00
            "method": "Card",
        }
    ]
