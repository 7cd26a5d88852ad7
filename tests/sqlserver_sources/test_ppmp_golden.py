"""A golden PPMP practice (AU; the PMPDATA layout is ASSUMED, sources/ppmp/README.md): a few rows written by
hand as bcp writes them (`|` between fields, detected), a letter in the shared PPMP folder, and the staged
rows a person works out from them, written literally and compared column by column.

Worked out by hand: Sydney's clocks went back on Sunday 5 April 2026 at 03:00 (AEDT +11 → AEST +10) and
forward on Sunday 4 October 2026 at 02:00 (→ +11). Invoice 201: 85.00 + 2 × 7.00 = 99.00, GST 9.00 of it."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from golden_staging import stage_delivery, staged_rows, write_golden_extract

from sources.ppmp.settings import LETTERS_FOLDER, SCHEMA
from store import Warehouse

LETTER = b"%PDF-1.4\n% golden referral letter\n"
_APPOINTMENT = {"PatientID": "11", "PractitionerID": "3", "LocationID": "1", "ApptType": "Initial consultation"}
GOLDEN: dict[str, list[dict[str, str]]] = {
    "LOCATIONS": [{"LocationID": "1", "LocationName": "Harbour Physio Sydney", "Phone": "02 9555 0100",
                   "Inactive": "0"}],
    "PRACTITIONERS": [{"PractitionerID": "3", "FirstName": "Jo", "Surname": "Example", "Email": "JO@Example.org",
                       "ProviderNo": "2345678A", "Active": "1"}],
    "REFERRERS": [{"ReferrerID": "4", "Title": "Dr", "FirstName": "Ian", "Surname": "Fox", "Practice": "City GP"}],
    "PATIENTS": [
        {"PatientID": "11", "Title": "Ms", "FirstName": "Avery", "Surname": "Quill", "DOB": "1972-07-02",
         "Sex": "F", "Mobile": "0412 345 678", "Suburb": "Newtown", "MedicareNo": "2123 45670 1",
         "ReferrerID": "4", "Archived": "0"},
        {"PatientID": "12", "FirstName": "Sam", "Surname": "Lee", "DOB": "1985-12-31", "Sex": "M",
         "Email": "Sam.Lee@Example.org", "Archived": "1"},
    ],
    "APPOINTMENTS": [
        # The morning the clocks went back: 09:00 is AEST, +10.
        {**_APPOINTMENT, "ApptID": "101", "StartTime": "2026-04-05 09:00:00.000", "EndTime": "2026-04-05 10:00:00.000",
         "Status": "Attended"},
        # The morning the clocks went forward (02:00 → 03:00): 10:30 is AEDT, +11.
        {**_APPOINTMENT, "ApptID": "102", "StartTime": "2026-10-04 10:30:00.000", "EndTime": "2026-10-04 11:00:00.000",
         "Status": "DNA"},
    ],
    "CLINICALNOTES": [{"NoteID": "5", "PatientID": "11", "PractitionerID": "3", "ApptID": "101",
                       "NoteDate": "2026-04-05 09:50:00.000", "NoteText": "Range of motion improving."}],
    "INVOICES": [{"InvoiceID": "201", "PatientID": "11", "InvoiceNo": "INV-0201", "InvoiceDate": "2026-04-05",
                  "Status": "Paid", "GST": "9.0000", "Total": "99.0000"}],
    "INVOICEITEMS": [
        {"ItemID": "301", "InvoiceID": "201", "Description": "Initial consultation", "Qty": "1.00",
         "UnitPrice": "85.0000", "Amount": "85.0000"},
        {"ItemID": "302", "InvoiceID": "201", "Description": "Theraband", "Qty": "2.00", "UnitPrice": "7.0000",
         "Amount": "14.0000"},
    ],
    "PAYMENTS": [{"PaymentID": "401", "InvoiceID": "201", "PatientID": "11", "PaidOn": "2026-04-05 10:05:00.000",
                  "Amount": "99.0000", "Method": "EFTPOS"}],
    "LETTERS": [{"LetterID": "601", "PatientID": "11", "FileName": "referral-11.pdf", "Description": "Referral"}],
}  # fmt: skip
UTC = dt.UTC


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    out = tmp_path_factory.mktemp("ppmp-golden") / "extract"
    delivery = write_golden_extract(out, SCHEMA, GOLDEN, style="bcp", definitions="script", terminator="|")
    (delivery / LETTERS_FOLDER).mkdir(parents=True)
    (delivery / LETTERS_FOLDER / "referral-11.pdf").write_bytes(LETTER)
    return stage_delivery("ppmp", delivery, country="AU", time_zone="Australia/Sydney")


def test_golden_clients(golden: Warehouse) -> None:
    columns = ("canonical_id", "title", "first_name", "last_name", "date_of_birth", "sex", "email", "mobile_phone",
               "city", "country_code", "medicare_number", "referrer_id", "is_archived")  # fmt: skip
    assert staged_rows(golden, "client", *columns) == [
        {
            "canonical_id": "ppmp:client:11",
            "title": "Ms",
            "first_name": "Avery",
            "last_name": "Quill",
            "date_of_birth": dt.date(1972, 7, 2),
            "sex": "female",
            "email": None,
            "mobile_phone": "+61412345678",
            "city": "Newtown",
            "country_code": "AU",
            "medicare_number": "2123456701",  # as printed on the card, spaces dropped
            "referrer_id": "ppmp:referrer:4",
            "is_archived": False,
        },
        {
            "canonical_id": "ppmp:client:12",
            "title": None,
            "first_name": "Sam",
            "last_name": "Lee",
            "date_of_birth": dt.date(1985, 12, 31),
            "sex": "male",
            "email": "sam.lee@example.org",
            "mobile_phone": None,
            "city": None,
            "country_code": "AU",
            "medicare_number": None,
            "referrer_id": None,
            "is_archived": True,
        },
    ]
    assert staged_rows(golden, "rejects", "source_id") == []


def test_golden_site_practitioner_and_referrer(golden: Warehouse) -> None:
    assert staged_rows(golden, "site", "canonical_id", "name", "phone", "time_zone", "is_archived") == [
        {
            "canonical_id": "ppmp:site:1",
            "name": "Harbour Physio Sydney",
            "phone": "+61295550100",
            "time_zone": "Australia/Sydney",
            "is_archived": False,
        }
    ]
    columns = ("canonical_id", "first_name", "last_name", "email", "registration_numbers", "is_active")
    assert staged_rows(golden, "practitioner", *columns) == [
        {
            "canonical_id": "ppmp:practitioner:3",
            "first_name": "Jo",
            "last_name": "Example",
            "email": "jo@example.org",
            "registration_numbers": "2345678A",
            "is_active": True,
        }
    ]
    assert staged_rows(golden, "referrer", "canonical_id", "title", "last_name", "organisation_name") == [
        {"canonical_id": "ppmp:referrer:4", "title": "Dr", "last_name": "Fox", "organisation_name": "City GP"}
    ]


def test_golden_appointments_and_note_in_the_sites_zone(golden: Warehouse) -> None:
    columns = ("canonical_id", "client_id", "starts_at", "ends_at", "starts_local", "ends_local", "status")
    assert staged_rows(golden, "appointment", *columns) == [
        {
            "canonical_id": "ppmp:appointment:101",
            "client_id": "ppmp:client:11",
            "starts_at": dt.datetime(2026, 4, 4, 23, 0, tzinfo=UTC),  # 09:00 AEST (+10)
            "ends_at": dt.datetime(2026, 4, 5, 0, 0, tzinfo=UTC),
            "starts_local": dt.datetime(2026, 4, 5, 9, 0),
            "ends_local": dt.datetime(2026, 4, 5, 10, 0),
            "status": "completed",  # "Attended"
        },
        {
            "canonical_id": "ppmp:appointment:102",
            "client_id": "ppmp:client:11",
            "starts_at": dt.datetime(2026, 10, 3, 23, 30, tzinfo=UTC),  # 10:30 AEDT (+11)
            "ends_at": dt.datetime(2026, 10, 4, 0, 0, tzinfo=UTC),
            "starts_local": dt.datetime(2026, 10, 4, 10, 30),
            "ends_local": dt.datetime(2026, 10, 4, 11, 0),
            "status": "did_not_attend",  # "DNA"
        },
    ]
    columns = ("canonical_id", "appointment_id", "practitioner_id", "body_text", "created_at")
    assert staged_rows(golden, "clinical_note", *columns) == [
        {
            "canonical_id": "ppmp:clinical_note:5",
            "appointment_id": "ppmp:appointment:101",
            "practitioner_id": "ppmp:practitioner:3",
            "body_text": "Range of motion improving.",
            "created_at": dt.datetime(2026, 4, 4, 23, 50, tzinfo=UTC),  # 09:50 AEST
        }
    ]


def test_golden_invoice_lines_payment_and_letter(golden: Warehouse) -> None:
    columns = ("canonical_id", "client_id", "invoice_number", "issue_date", "status", "currency", "tax_amount",
               "total_amount")  # fmt: skip
    assert staged_rows(golden, "invoice", *columns) == [
        {
            "canonical_id": "ppmp:invoice:201",
            "client_id": "ppmp:client:11",
            "invoice_number": "INV-0201",
            "issue_date": dt.date(2026, 4, 5),
            "status": "paid",
            "currency": "AUD",
            "tax_amount": Decimal("9.00"),
            "total_amount": Decimal("99.00"),  # 85.00 + 14.00
        }
    ]
    columns = ("canonical_id", "invoice_id", "description", "quantity", "unit_price_amount", "total_amount")
    assert staged_rows(golden, "invoice_line", *columns) == [
        {
            "canonical_id": "ppmp:invoice_line:301",
            "invoice_id": "ppmp:invoice:201",
            "description": "Initial consultation",
            "quantity": Decimal("1.00"),
            "unit_price_amount": Decimal("85.00"),
            "total_amount": Decimal("85.00"),
        },
        {
            "canonical_id": "ppmp:invoice_line:302",
            "invoice_id": "ppmp:invoice:201",
            "description": "Theraband",
            "quantity": Decimal("2.00"),
            "unit_price_amount": Decimal("7.00"),
            "total_amount": Decimal("14.00"),
        },
    ]
    assert staged_rows(golden, "payment", "canonical_id", "invoice_id", "paid_at", "amount", "method") == [
        {
            "canonical_id": "ppmp:payment:401",
            "invoice_id": "ppmp:invoice:201",
            "paid_at": dt.datetime(2026, 4, 5, 0, 5, tzinfo=UTC),  # 10:05 AEST
            "amount": Decimal("99.00"),
            "method": "EFTPOS",
        }
    ]
    columns = ("canonical_id", "client_id", "file_name", "size_bytes", "sha256", "description")
    assert staged_rows(golden, "document", *columns) == [
        {
            "canonical_id": "ppmp:document:601",
            "client_id": "ppmp:client:11",
            "file_name": "referral-11.pdf",
            "size_bytes": len(LETTER),  # the file in PPMP/Letters, read and hashed
            "sha256": hashlib.sha256(LETTER).hexdigest(),
            "description": "Referral",
        }
    ]
