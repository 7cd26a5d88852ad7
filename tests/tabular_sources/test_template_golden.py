"""A golden practice for the vendor-export family (docs/adding-a-source.md item 7): a few records written by hand
as the generic template's CSV files, staged, and every staged value compared column by column with the rows a
person works out from them, written literally below. The synthetic end-to-end tests compare the pipeline with
itself (its ground truth); only values worked out independently catch a wrong mapping expression — this one
found appointments at a site with its own zone read in the practice's zone (mappings/template.yaml now joins
the site's `time_zone`).

Another vendor-export system adds its own the same way: its files as text, `stage_export` and EXPECTED rows
compared by `staged_differences` (tests/helpers/export_staging_helpers.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from export_staging_helpers import stage_export, staged_differences, staged_table, write_export

from store import Warehouse

UTC = dt.UTC
REFERRAL_PDF = b"%PDF-1.4\n% golden referral (synthetic)\n"

# The practice as a person fills the template (NZ): day-first dates, local times, mixed-case emails, spaced
# phone numbers, a placeholder date of birth, a multi-line note, a site on the Chatham Islands (UTC+13:45 in
# summer) and an appointment the morning New Zealand's daylight saving ended (5 April 2026, 03:00 → 02:00).
FILES: dict[str, str | bytes] = {
    "sites.csv": (
        "id,name,address_line_1,city,state,postcode,phone,email,time_zone\n"
        "S1,Harbour Clinic,12 Quay Street,Auckland,Auckland,1010,09 555 0100,Reception@Harbour.example,\n"
        "S2,Chatham Rooms,1 Tuku Road,Waitangi,Chatham Islands,8942,,,Pacific/Chatham\n"
    ),
    "practitioners.csv": (
        "id,title,first_name,last_name,email,profession,registration_number,active\n"
        "P1,Dr,Aroha,Ngata,aroha@harbour.example,Physiotherapist,70-12345,yes\n"
        "P2,,Liam,Walker,,Osteopath,,no\n"
    ),
    "referrers.csv": (
        "id,title,first_name,last_name,organisation,provider_number,email,phone\n"
        "R1,Dr,James,Walker,City Medical Centre,2345678A,,09 555 0200\n"
    ),
    "clients.csv": (
        "id,title,first_name,middle_name,last_name,preferred_name,date_of_birth,sex,email,mobile_phone,home_phone,"
        "work_phone,address_line_1,address_line_2,city,state,postcode,nhi,medicare_number,nhs_number,"
        "emergency_contact,occupation,notes,referrer_id,archived\n"
        "C1,Ms,Mere,,Parata,,02/03/1980,F,Mere@Example.org,021 555 0101,,,4 Kauri Road,,Auckland,,0610,ZZZ0016,,,"
        ",,,R1,no\n"
        "C2,Mr,Tama,,Kereama,,00/00/0000,male,,,(09) 555 0123,,,,,,,,,,,Builder,Prefers mornings,,yes\n"
    ),
    "conditions.csv": (
        "id,client_id,name,claim_number,injury_date,referrer_id,max_sessions,closed\n"
        "K1,C1,Left ankle sprain,AB12345,01/02/2026,R1,6,no\n"
    ),
    "appointments.csv": (
        "id,client_id,practitioner_id,site_id,condition_id,appointment_type,starts,ends,status,"
        "cancellation_reason,notes\n"
        "A1,C1,P1,S1,K1,Initial consultation,03/02/2026 09:00,03/02/2026 09:45,completed,,\n"
        "A2,C2,P2,S2,,Follow-up,10/02/2026 10:00,10/02/2026 10:30,DNA,,\n"
        "A3,C1,P1,S1,,Follow-up,05/04/2026 10:00,05/04/2026 10:30,cancelled,Clinic closed,\n"
    ),
    "clinical_notes.csv": (
        "id,client_id,practitioner_id,appointment_id,title,body,written\n"
        'N1,C1,P1,A1,Initial assessment,"Subjective: sore ankle.\nObjective: mild swelling.",03/02/2026 10:00\n'
    ),
    "invoices.csv": (
        "id,client_id,practitioner_id,appointment_id,invoice_number,issue_date,status,tax_amount,total_amount\n"
        "I1,C1,P1,A1,1001,03/02/2026,paid,11.74,90.00\n"
    ),
    "invoice_lines.csv": (
        "id,invoice_id,description,item_code,quantity,unit_price,total_amount\n"
        "L1,I1,Initial consultation,PI1,1,90.00,90.00\n"
    ),
    "payments.csv": "id,invoice_id,client_id,paid,amount,method,reference\nY1,I1,C1,03/02/2026 10:05,90.00,eftpos,\n",
    "documents.csv": "id,client_id,file_name,description\nD1,C1,referral.pdf,GP referral\n",
    "documents/referral.pdf": REFERRAL_PDF,
}


def _id(entity: str, source_id: str) -> str:
    return f"template:{entity}:{source_id}"


C1, C2 = _id("client", "C1"), _id("client", "C2")
P1, P2 = _id("practitioner", "P1"), _id("practitioner", "P2")
S1, S2 = _id("site", "S1"), _id("site", "S2")
R1, A1, I1 = _id("referrer", "R1"), _id("appointment", "A1"), _id("invoice", "I1")
NZD = {"currency": "NZD"}

EXPECTED: dict[str, dict[str, dict[str, Any]]] = {
    "site": {
        S1: {
            "name": "Harbour Clinic",
            "address_line_1": "12 Quay Street",
            "city": "Auckland",
            "postcode": "1010",
            "country_code": "NZ",
            "phone": "+6495550100",
            "email": "reception@harbour.example",
            "time_zone": "Pacific/Auckland",  # none stated: the practice's
            "is_archived": False,
        },
        S2: {"name": "Chatham Rooms", "phone": None, "email": None, "time_zone": "Pacific/Chatham"},
    },
    "practitioner": {
        P1: {
            "title": "Dr",
            "first_name": "Aroha",
            "last_name": "Ngata",
            "email": "aroha@harbour.example",
            "profession": "Physiotherapist",
            "registration_numbers": "70-12345",
            "is_active": True,
        },
        P2: {"title": None, "first_name": "Liam", "email": None, "registration_numbers": None, "is_active": False},
    },
    "referrer": {
        R1: {
            "title": "Dr",
            "last_name": "Walker",
            "organisation_name": "City Medical Centre",
            "provider_number": "2345678A",
            "referral_type": "doctor",
            "email": None,
            "phone": "+6495550200",
        }
    },
    "client": {
        C1: {
            "title": "Ms",
            "first_name": "Mere",
            "middle_name": None,
            "last_name": "Parata",
            "date_of_birth": dt.date(1980, 3, 2),  # 02/03/1980 in an NZ template: 2 March
            "sex": "female",  # "F"
            "email": "mere@example.org",
            "mobile_phone": "+64215550101",
            "home_phone": None,
            "address_line_1": "4 Kauri Road",
            "city": "Auckland",
            "postcode": "0610",
            "country_code": "NZ",
            "nhi": "ZZZ0016",
            "referrer_id": R1,
            "is_archived": False,
        },
        C2: {
            "first_name": "Tama",
            "last_name": "Kereama",
            "date_of_birth": None,  # 00/00/0000: the old system had none
            "sex": "male",
            "mobile_phone": None,
            "home_phone": "+6495550123",
            "occupation": "Builder",
            "notes": "Prefers mornings",
            "referrer_id": None,
            "is_archived": True,
        },
    },
    "condition": {
        _id("condition", "K1"): {
            "client_id": C1,
            "name": "Left ankle sprain",
            "claim_number": "AB12345",
            "injury_date": dt.date(2026, 2, 1),
            "referrer_id": R1,
            "max_sessions": 6,
            "is_closed": False,
        }
    },
    "appointment": {
        A1: {
            "client_id": C1,
            "practitioner_id": P1,
            "site_id": S1,
            "condition_id": _id("condition", "K1"),
            "appointment_type": "Initial consultation",
            "time_zone": "Pacific/Auckland",
            "starts_at": dt.datetime(2026, 2, 2, 20, 0, tzinfo=UTC),  # 09:00 NZDT, +13:00
            "ends_at": dt.datetime(2026, 2, 2, 20, 45, tzinfo=UTC),
            "starts_local": dt.datetime(2026, 2, 3, 9, 0),
            "status": "completed",
            "cancellation_reason": None,
        },
        _id("appointment", "A2"): {
            "site_id": S2,
            "condition_id": None,
            "time_zone": "Pacific/Chatham",  # the site's own zone
            "starts_at": dt.datetime(2026, 2, 9, 20, 15, tzinfo=UTC),  # 10:00 Chatham daylight time, +13:45
            "ends_at": dt.datetime(2026, 2, 9, 20, 45, tzinfo=UTC),
            "starts_local": dt.datetime(2026, 2, 10, 10, 0),
            "status": "did_not_attend",  # "DNA"
        },
        _id("appointment", "A3"): {
            "starts_at": dt.datetime(2026, 4, 4, 22, 0, tzinfo=UTC),  # 10:00 NZST, +12:00 (DST ended at 03:00)
            "ends_at": dt.datetime(2026, 4, 4, 22, 30, tzinfo=UTC),
            "status": "cancelled",
            "cancellation_reason": "Clinic closed",
        },
    },
    "clinical_note": {
        _id("clinical_note", "N1"): {
            "client_id": C1,
            "practitioner_id": P1,
            "appointment_id": A1,
            "note_type": "Clinical note",
            "title": "Initial assessment",
            "body_text": "Subjective: sore ankle.\nObjective: mild swelling.",  # the quoted line break kept
            "is_draft": False,
            "created_at": dt.datetime(2026, 2, 2, 21, 0, tzinfo=UTC),  # 10:00 in the practice's zone
        }
    },
    "invoice": {
        I1: {
            "client_id": C1,
            "practitioner_id": P1,
            "appointment_id": A1,
            "invoice_number": "1001",
            "issue_date": dt.date(2026, 2, 3),
            "status": "paid",
            "tax_amount": Decimal("11.74"),
            "total_amount": Decimal("90.00"),
            **NZD,
        }
    },
    "invoice_line": {
        _id("invoice_line", "L1"): {
            "invoice_id": I1,
            "description": "Initial consultation",
            "item_code": "PI1",
            "quantity": Decimal(1),
            "unit_price_amount": Decimal("90.00"),
            "total_amount": Decimal("90.00"),
            **NZD,
        }
    },
    "payment": {
        _id("payment", "Y1"): {
            "invoice_id": I1,
            "client_id": C1,
            "paid_at": dt.datetime(2026, 2, 2, 21, 5, tzinfo=UTC),
            "amount": Decimal("90.00"),
            "method": "eftpos",
            "reference": None,
            **NZD,
        }
    },
    "document": {
        _id("document", "D1"): {
            "client_id": C1,
            "file_name": "referral.pdf",
            "description": "GP referral",
            "size_bytes": 39,
            "sha256": "078bd7062035d2031f563fdb6c1199f6a78cea5347c2e014d824e274dbc5f1ba",
        }
    },
}


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    export = write_export(tmp_path_factory.mktemp("template-golden") / "export", FILES)
    return stage_export(export, "template", country="NZ")


def test_every_staged_value_is_the_one_worked_out_by_hand(golden: Warehouse) -> None:
    assert staged_differences(golden, EXPECTED) == []


def test_nothing_was_rejected_or_merged(golden: Warehouse) -> None:
    assert staged_table(golden, "rejects").height == 0
    assert staged_table(golden, "merges").height == 0


def test_a_document_whose_file_is_not_delivered_is_rejected_for_the_file_not_as_an_empty_field(
    tmp_path: Path,
) -> None:
    """Issue #18: the size of a document is read from its file, so a file missing from the export (or a name
    leaving it) left `size_bytes` empty; the rejection said "a required field has no value" instead of why."""
    files = FILES | {
        "documents.csv": (
            "id,client_id,file_name,description\n"
            "D1,C1,referral.pdf,GP referral\n"
            "D2,C1,scan-not-sent.pdf,Scan\n"
            "D3,C1,../sites.csv,Outside the documents folder\n"
        )
    }
    warehouse = stage_export(write_export(tmp_path / "export", files), "template", country="NZ")
    rejects = staged_table(warehouse, "rejects").sort("canonical_id")
    assert rejects.select("canonical_id", "reason", "field").rows() == [
        (_id("document", "D2"), "missing_file", "size_bytes"),
        (_id("document", "D3"), "unsafe_path", "size_bytes"),
    ]
    assert rejects["message"].to_list() == [
        "size_bytes: attached file is not in the dump",
        "size_bytes: file path leaves the dump or goes through a symbolic link (refused, never read)",
    ]
    assert staged_table(warehouse, "document")["canonical_id"].to_list() == [_id("document", "D1")]
