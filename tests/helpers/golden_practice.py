"""A small practice written out by hand as a Cliniko dump, for the golden tests (issue 23 item 1).

Every value below is chosen so its expected value in each target can be worked out by a person (the expected
rows are written literally in each target's golden test: tests/dynamics_load/test_golden_practice.py,
tests/gensolve/test_golden_rows.py): three sites in three time zones, appointments on the days
their clocks change, a patient entered twice, a cancelled and a did-not-attend booking, a treatment note and an
attached letter, an invoice with a discounted line, a referring doctor.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sources.cliniko.settings import RESOURCES

API = "https://api.au2.cliniko.com/v1"
SITE_ZONES = {"1001": "Pacific/Auckland", "1002": "Australia/Sydney", "1003": "Europe/London"}
LETTER = b"%PDF-1.4\n% golden referral letter\n"
USERS = [
    {"id": "2001", "first_name": "Aroha", "last_name": "Ngata", "email": "aroha.ngata@golden-physio.example"},
    {"id": "2002", "first_name": "James", "last_name": "Cook", "email": "james.cook@golden-physio.example"},
]


def _link(resource: str, record_id: str) -> dict[str, Any]:
    return {"links": {"self": f"{API}/{resource}/{record_id}"}}


def _site(record_id: str, name: str, city: str, country: str, code: str) -> dict[str, Any]:
    return {
        "id": record_id,
        "business_name": f"Golden Physio {name}",
        "display_name": name,
        "address_1": "1 Main Street",
        "city": city,
        "country": country,
        "country_code": code,
        "email_reply_to": f"{name.lower()}@golden-physio.example",
        "archived_at": None,
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z",
    }


def _patient(record_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": record_id,
        "country_code": "NZ",
        "custom_fields": {"sections": []},
        "archived_at": None,
        "updated_at": fields["created_at"],
        **fields,
    }


def _appointment(record_id: str, patient: str, practitioner: str, site: str, kind: str, **fields: Any) -> dict:
    return {
        "id": record_id,
        "did_not_arrive": False,
        "patient_arrived": False,
        "cancelled_at": None,
        "patient": _link("patients", patient),
        "practitioner": _link("practitioners", practitioner),
        "business": _link("businesses", site),
        "appointment_type": _link("appointment_types", kind),
        "created_at": "2026-03-01T00:00:00Z",
        "updated_at": "2026-03-01T00:00:00Z",
        **fields,
    }


def records() -> dict[str, list[dict[str, Any]]]:
    """Every resource's records (resources the practice does not use are empty)."""
    note = {
        "sections": [
            {
                "name": "Subjective",
                "questions": [
                    {"name": "Comments", "type": "paragraph", "answer": "<p>Heel pain, <strong>6/10</strong>.</p>"},
                    {
                        "name": "Progress",
                        "type": "radiobuttons",
                        "answers": [{"value": "Better", "selected": True}, {"value": "Worse"}],
                    },
                ],
            },
            {"name": "Plan", "questions": [{"name": "Home exercises", "type": "paragraph", "answer": "Calf raises"}]},
        ]
    }
    practice: dict[str, list[dict[str, Any]]] = {resource: [] for resource in RESOURCES}
    practice |= {
        "settings": [{"country": "New Zealand", "time_zone": "Pacific/Auckland"}],
        "businesses": [
            _site("1001", "Ponsonby", "Auckland", "New Zealand", "NZ"),
            _site("1002", "Bondi", "Sydney", "Australia", "AU"),
            _site("1003", "Islington", "London", "United Kingdom", "GB"),
        ],
        "users": [{**u, "user_active": True, "created_at": "2020-01-01T00:00:00Z"} for u in USERS],
        "practitioners": [
            {
                "id": f"300{i}",
                "first_name": u["first_name"],
                "last_name": u["last_name"],
                "designation": "Physiotherapist",
                "active": True,
                "user": _link("users", u["id"]),
                "created_at": "2020-01-01T00:00:00Z",
                "updated_at": "2020-01-01T00:00:00Z",
            }
            for i, u in enumerate(USERS, start=1)
        ],
        "contacts": [
            {
                "id": "4001",
                "title": "Dr",
                "first_name": "Mere",
                "last_name": "Parata",
                "company_name": "Ponsonby Medical Centre",
                "type": "Doctor",
                "type_code": 1,
                "provider_number": "123456AB",
                "created_at": "2021-05-04T03:00:00Z",
                "updated_at": "2021-05-04T03:00:00Z",
            }
        ],
        "appointment_types": [
            {"id": "6001", "name": "Initial consultation", "duration_in_minutes": 45},
            {"id": "6002", "name": "Follow-up", "duration_in_minutes": 30},
        ],
        "patients": [
            _patient(
                "5001",
                title="Mrs",
                first_name="Ellen",
                last_name="Muir",
                date_of_birth="1980-04-05",
                sex="Female",
                email="ellen.muir@example.com",
                patient_phone_numbers=[{"phone_type": "Mobile", "number": "021 123 4567"}],
                address_1="12 Ponsonby Road",
                city="Auckland",
                post_code="1011",
                occupation="Teacher",
                referring_doctor=_link("contacts", "4001"),
                accepted_email_marketing=False,
                created_at="2024-03-01T22:15:00Z",
            ),
            # Ellen again, entered a year later with her work number: merged into 5001, which gains the number.
            _patient(
                "5002",
                first_name="Ellen",
                last_name="Muir",
                date_of_birth="1980-04-05",
                sex="Female",
                patient_phone_numbers=[{"phone_type": "Work", "number": "09 303 1234"}],
                created_at="2025-03-02T01:00:00Z",
            ),
            _patient(
                "5003",
                title="Mr",
                first_name="Tom",
                last_name="Baker",
                date_of_birth="1975-10-25",
                sex="Male",
                email="tom.baker@example.co.uk",
                accepted_email_marketing=True,
                created_at="2025-11-20T10:00:00Z",
            ),
            _patient(
                "5004",
                title="Ms",
                first_name="Sarah",
                last_name="Lee",
                date_of_birth="1990-02-28",
                sex="Female",
                email="sarah.lee@example.com.au",
                accepted_email_marketing=False,
                created_at="2026-01-15T23:30:00Z",
            ),
        ],
        "individual_appointments": [
            # Auckland, 09:00 on the day New Zealand daylight time starts (27 Sep 2026, UTC+13) ...
            _appointment(
                "7001",
                "5001",
                "3001",
                "1001",
                "6001",
                starts_at="2026-09-26T20:00:00Z",
                ends_at="2026-09-26T20:45:00Z",
                patient_arrived=True,
            ),
            # ... and 09:00 the day before (UTC+12), booked on the duplicate record.
            _appointment(
                "7002",
                "5002",
                "3001",
                "1001",
                "6002",
                starts_at="2026-09-25T21:00:00Z",
                ends_at="2026-09-25T21:30:00Z",
                patient_arrived=True,
            ),
            # 09:00 on the day daylight time ends (5 Apr 2026, back to UTC+12): the patient did not come.
            _appointment(
                "7003",
                "5001",
                "3001",
                "1001",
                "6002",
                starts_at="2026-04-04T21:00:00Z",
                ends_at="2026-04-04T21:30:00Z",
                did_not_arrive=True,
            ),
            # Sydney, 10:00 on the day daylight time starts (4 Oct 2026, UTC+11), cancelled ("Away").
            _appointment(
                "7004",
                "5004",
                "3002",
                "1002",
                "6001",
                starts_at="2026-10-03T23:00:00Z",
                ends_at="2026-10-03T23:45:00Z",
                cancelled_at="2026-10-01T02:00:00Z",
                cancellation_reason=40,
            ),
            # London, 10:30 on the day British Summer Time starts (29 Mar 2026, UTC+1) ...
            _appointment(
                "7005",
                "5003",
                "3002",
                "1003",
                "6001",
                starts_at="2026-03-29T09:30:00Z",
                ends_at="2026-03-29T10:15:00Z",
                patient_arrived=True,
            ),
            # ... and 10:30 on the day it ends (25 Oct 2026, UTC+0).
            _appointment(
                "7006",
                "5003",
                "3002",
                "1003",
                "6002",
                starts_at="2026-10-25T10:30:00Z",
                ends_at="2026-10-25T11:00:00Z",
                patient_arrived=True,
            ),
        ],
        "treatment_notes": [
            {
                "id": "8001",
                "title": "Initial assessment",
                "author_name": "Aroha Ngata",
                "draft": False,
                "content": note,
                "finalized_at": "2026-09-26T21:00:00Z",
                "patient": _link("patients", "5001"),
                "practitioner": _link("practitioners", "3001"),
                "booking": _link("bookings", "7001"),
                "created_at": "2026-09-26T20:50:00Z",
                "updated_at": "2026-09-26T21:00:00Z",
            }
        ],
        "patient_attachments": [
            {
                "id": "9001",
                "filename": "referral.pdf",
                "content_type": "application/pdf",
                "size": len(LETTER),
                "description": "GP referral",
                "patient": _link("patients", "5004"),
                "created_at": "2026-01-16T00:00:00Z",
                "updated_at": "2026-01-16T00:00:00Z",
            }
        ],
        # Paid invoice 1001: an initial consultation at 95.00 less 10 % (9.50) plus GST 15 % on 85.50 (12.83),
        # and two exercise bands at 12.00 plus GST (3.60).
        "invoices": [
            {
                "id": "10001",
                "number": "1001",
                "issue_date": "2026-09-27",
                "status": 20,
                "total_amount": "125.93",
                "tax_amount": "16.43",
                "net_amount": "109.50",
                "discounted_amount": "9.50",
                "appointment": _link("appointments", "7001"),
                "business": _link("businesses", "1001"),
                "practitioner": _link("practitioners", "3001"),
                "patient": _link("patients", "5001"),
                "created_at": "2026-09-26T21:05:00Z",
                "updated_at": "2026-09-26T21:05:00Z",
            }
        ],
        "invoice_items": [
            {
                "id": "11001",
                "name": "Initial consultation",
                "code": "INIT",
                "quantity": 1,
                "unit_price": "95.00",
                "discount_percentage": "10.00",
                "discounted_amount": "9.50",
                "net_price": "85.50",
                "tax_amount": "12.83",
                "tax_name": "GST",
                "tax_rate": "15.00",
                "total_including_tax": "98.33",
                "invoice": _link("invoices", "10001"),
                "created_at": "2026-09-26T21:05:00Z",
                "updated_at": "2026-09-26T21:05:00Z",
            },
            {
                "id": "11002",
                "name": "Exercise band",
                "code": "BAND",
                "quantity": 2,
                "unit_price": "12.00",
                "discounted_amount": "0.00",
                "net_price": "24.00",
                "tax_amount": "3.60",
                "tax_name": "GST",
                "tax_rate": "15.00",
                "total_including_tax": "27.60",
                "invoice": _link("invoices", "10001"),
                "created_at": "2026-09-26T21:05:00Z",
                "updated_at": "2026-09-26T21:05:00Z",
            },
        ],
    }
    return practice


def write_dump(out: Path) -> Path:
    """The practice as a Cliniko dump folder: one NDJSON file per resource, the letter, manifest.json."""
    out.mkdir(parents=True)
    files = []
    for resource, rows in records().items():
        data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
        (out / f"{resource}.ndjson").write_bytes(data)
        files.append({"path": f"{resource}.ndjson", "bytes": len(data), "sha256": _sha(data), "records": len(rows)})
    letter = out / "attachments" / "9001" / "referral.pdf"
    letter.parent.mkdir(parents=True)
    letter.write_bytes(LETTER)
    files.append({"path": "attachments/9001/referral.pdf", "bytes": len(LETTER), "sha256": _sha(LETTER)})
    manifest = {"system": "cliniko", "format_version": 1, "country": "NZ", "files": files}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
