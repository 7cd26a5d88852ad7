"""A golden Core Plus practice: a few records written by hand in the API's form, and the staged rows a person
works out from them, written literally (docs/adding-a-source.md item 7). The read goes through the emulator,
the extractor, the raw layer and the mapping, so a wrong mapping expression shows here."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from coreplus_helpers import make_settings, stage_dump

from emulators.launcher import start_emulators
from mappings.spec import load_spec
from sources.coreplus.api import extract
from sources.coreplus.settings import RESOURCES
from sources.coverage import delivered_not_migrated
from sources.registry import get_system
from store import TableRef, Warehouse, read_partition

SYDNEY = "5b0f3b0e-7d52-4b8e-9a51-0c6f2d0a1001"  # the emulator's id for Australia/Sydney
LOCATION = "0c9d2f4e-1111-4a5b-8c6d-000000000001"
PRACTITIONER = "0c9d2f4e-2222-4a5b-8c6d-000000000002"
CLIENT = "0c9d2f4e-3333-4a5b-8c6d-000000000003"
INVOICE = "0c9d2f4e-4444-4a5b-8c6d-000000000004"
ADDRESS = {"streetAddress": "12 Example Lane", "city": "Newtown", "postcode": "2042", "state": "NSW"}

GOLDEN: dict[str, list[dict[str, Any]]] = {
    "locations": [{"locationId": LOCATION, "name": "Harbour Clinic", "timezoneId": SYDNEY}],
    "practitioners": [
        {
            "practitionerId": PRACTITIONER,
            "title": "Dr",
            "firstName": "Jo",
            "lastName": "Example",
            "email": None,
            "providerNumber": "2345678A",
        }
    ],
    "clients": [
        {
            "clientId": CLIENT,
            "title": "Ms",
            "practitionerId": PRACTITIONER,
            "preferredName": "",
            "culture": "",
            "pronouns": "she",
            "firstName": "Avery",
            "middleName": "",
            "lastName": "Quill",
            "dateOfBirth": "1972-07-02T00:00:00",
            "gender": "Female",
            "medicareCardNumber": "2123456701",  # 2·1+1·3+2·7+3·9+4·1+5·3+6·7+7·9 = 170 → check digit 0, issue 1
            "medicareCardIRN": "1",
            "medicareCardExpireDate": "2029-10-01",
            "dvaCardNumber": "",
            "phoneNumberHome": "",
            "phoneNumberWork": "",
            "phoneNumberMobile": "0412 345 678",
            "email": "",
            "Status": "Deceased",
            "addressResidential": ADDRESS,
            "addressPostal": ADDRESS,
            "notes1": "Prefers mornings",
            "ExternalId": "EXT-1",
        }
    ],
    "clientFamilies": [
        {
            "clientId": CLIENT,
            "familyId": "0c9d2f4e-5555-4a5b-8c6d-000000000005",
            "title": "",
            "firstName": "Sam",
            "surname": "Quill",
            "relationship": "Partner",
            "address": "",
            "suburb": "",
            "postcode": "",
            "homePhone": "",
            "workPhone": "",
            "mobile": "0400000001",
            "email": "",
            "notes": "",
            "medicareCardNumber": "",
            "medicareCardIRN": "",
            "emergencyContact": True,
            "invoiceRecipient": False,
            "mainContact": False,
        }
    ],
    "appointments": [
        {  # the day after Sydney's clocks went forward (4 Oct 2026): +11:00
            "appointmentId": "0c9d2f4e-6666-4a5b-8c6d-000000000006",
            "appointmentReferenceNumber": "100001",
            "status": "Attended",
            "practitionerId": PRACTITIONER,
            "subject": "QUILL Avery",
            "notes": "",
            "locationId": LOCATION,
            "appointmentTypeId": "0c9d2f4e-7777-4a5b-8c6d-000000000007",
            "start": "2026-10-05T09:00:00",
            "end": "2026-10-05T09:45:00",
            "clientId": CLIENT,
        },
        {  # the day after they went back (5 Apr 2026): +10:00
            "appointmentId": "0c9d2f4e-8888-4a5b-8c6d-000000000008",
            "appointmentReferenceNumber": "100002",
            "status": "Did not attend",
            "practitionerId": PRACTITIONER,
            "subject": "QUILL Avery",
            "notes": "",
            "locationId": LOCATION,
            "appointmentTypeId": "0c9d2f4e-7777-4a5b-8c6d-000000000007",
            "start": "2026-04-06T09:00:00",
            "end": "2026-04-06T09:30:00",
            "clientId": CLIENT,
        },
    ],
    "invoices": [
        {
            "invoiceId": INVOICE,
            "invoiceNumber": "261005-1",
            "clientId": CLIENT,
            "generatedAt": "2026-10-05",
            "lineItems": [
                {
                    "lineItemId": "0c9d2f4e-9999-4a5b-8c6d-000000000009",
                    "productId": "0c9d2f4e-aaaa-4a5b-8c6d-00000000000a",
                    "description": "Initial consult",
                    "itemNumber": "10960",
                    "unitAmount": 85.5,
                    "taxAmount": 0.0,
                    "lineAmount": 85.5,
                    "quantity": 1,
                },
                {
                    "lineItemId": "0c9d2f4e-bbbb-4a5b-8c6d-00000000000b",
                    "productId": "0c9d2f4e-cccc-4a5b-8c6d-00000000000c",
                    "description": "Exercise band",
                    "itemNumber": "E01",
                    "unitAmount": 10.0,
                    "taxAmount": 1.82,
                    "lineAmount": 20.0,
                    "quantity": 2,
                },
            ],
            "amountOwing": "20.0",
            "locked": False,
        }
    ],
}


def _served_and_staged(practice: dict[str, list[dict[str, Any]]], work: Path) -> Warehouse:
    """The practice served by the emulator, extracted through the API and staged (trial)."""
    (work / "practice.json").write_text(json.dumps(practice), encoding="utf-8")
    with start_emulators(
        dataverse=False, entra=False, coreplus=True, coreplus_practice=work / "practice.json"
    ) as running:
        extract(make_settings(running), work / "dump")
    warehouse, _ = stage_dump(work / "dump")
    return warehouse


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return _served_and_staged(GOLDEN, tmp_path_factory.mktemp("coreplus-golden"))


def _rows(warehouse: Warehouse, entity: str, *columns: str) -> list[dict[str, Any]]:
    with warehouse.connect(read_only=True) as con:
        frame: pl.DataFrame = read_partition(con, TableRef("staged", entity), "trial")
    return frame.sort("source_id").select(columns).to_dicts()


def test_golden_client(golden: Warehouse) -> None:
    assert _rows(
        golden,
        "client",
        "canonical_id",
        "title",
        "first_name",
        "last_name",
        "date_of_birth",
        "sex",
        "pronouns",
        "mobile_phone",
        "address_line_1",
        "city",
        "state",
        "postcode",
        "country_code",
        "medicare_number",
        "medicare_irn",
        "emergency_contact",
        "notes",
        "legacy_reference",
        "is_archived",
    ) == [
        {
            "canonical_id": f"coreplus:client:{CLIENT}",
            "title": "Ms",
            "first_name": "Avery",
            "last_name": "Quill",
            "date_of_birth": dt.date(1972, 7, 2),
            "sex": "female",
            "pronouns": "she",
            "mobile_phone": "+61412345678",
            "address_line_1": "12 Example Lane",
            "city": "Newtown",
            "state": "NSW",
            "postcode": "2042",
            "country_code": "AU",
            "medicare_number": "2123456701",
            "medicare_irn": "1",
            "emergency_contact": "Sam | Quill | Partner | 0400000001",
            "notes": "Prefers mornings",
            "legacy_reference": "EXT-1",  # ExternalId
            "is_archived": True,  # Status "Deceased"
        }
    ]


def test_golden_appointments_across_both_dst_changes(golden: Warehouse) -> None:
    assert _rows(
        golden, "appointment", "client_id", "site_id", "starts_at", "ends_at", "starts_local", "ends_local", "status"
    ) == [
        {
            "client_id": f"coreplus:client:{CLIENT}",
            "site_id": f"coreplus:site:{LOCATION}",
            "starts_at": dt.datetime(2026, 10, 4, 22, 0, tzinfo=dt.UTC),  # 09:00 +11:00
            "ends_at": dt.datetime(2026, 10, 4, 22, 45, tzinfo=dt.UTC),
            "starts_local": dt.datetime(2026, 10, 5, 9, 0),
            "ends_local": dt.datetime(2026, 10, 5, 9, 45),
            "status": "completed",
        },
        {
            "client_id": f"coreplus:client:{CLIENT}",
            "site_id": f"coreplus:site:{LOCATION}",
            "starts_at": dt.datetime(2026, 4, 5, 23, 0, tzinfo=dt.UTC),  # 09:00 +10:00
            "ends_at": dt.datetime(2026, 4, 5, 23, 30, tzinfo=dt.UTC),
            "starts_local": dt.datetime(2026, 4, 6, 9, 0),
            "ends_local": dt.datetime(2026, 4, 6, 9, 30),
            "status": "did_not_attend",
        },
    ]


def test_golden_invoice_and_lines(golden: Warehouse) -> None:
    assert _rows(
        golden, "invoice", "invoice_number", "issue_date", "status", "currency", "tax_amount", "total_amount"
    ) == [
        {
            "invoice_number": "261005-1",
            "issue_date": dt.date(2026, 10, 5),
            "status": "open",  # amountOwing "20.0"
            "currency": "AUD",
            "tax_amount": Decimal("1.82"),
            "total_amount": Decimal("105.50"),  # 85.5 + 20.0
        }
    ]
    assert _rows(
        golden,
        "invoice_line",
        "invoice_id",
        "description",
        "item_code",
        "quantity",
        "unit_price_amount",
        "total_amount",
    ) == [
        {
            "invoice_id": f"coreplus:invoice:{INVOICE}",
            "description": "Initial consult",
            "item_code": "10960",
            "quantity": Decimal("1"),
            "unit_price_amount": Decimal("85.50"),
            "total_amount": Decimal("85.50"),
        },
        {
            "invoice_id": f"coreplus:invoice:{INVOICE}",
            "description": "Exercise band",
            "item_code": "E01",
            "quantity": Decimal("2"),
            "unit_price_amount": Decimal("10.00"),
            "total_amount": Decimal("20.00"),
        },
    ]


def test_golden_fields_without_a_canonical_place_are_listed_for_the_approval_review(golden: Warehouse) -> None:
    """The postal address, an appointment's subject and a family member's other details have no place in the
    canonical model: each is declared not migrated with its reason and listed with the records holding a value
    (the approval report's "Delivered but not migrated"); ExternalId is staged (legacy_reference), not listed."""
    with golden.connect(read_only=True) as con:
        listed = delivered_not_migrated(con, get_system("coreplus"), "trial", load_spec("coreplus").columns_read())
    found = {(f.resource, f.field): (f.records_with_value, f.reason) for f in listed}
    expected = {
        ("clients", "address_postal"): 1,
        ("appointments", "subject"): len(GOLDEN["appointments"]),
        ("client_family", "family_id"): 1,
        ("client_family", "emergency_contact"): 1,  # True
        ("client_family", "invoice_recipient"): 1,  # False is a value too
    }
    for (resource, field), count in expected.items():
        assert found[(resource, field)] == (count, RESOURCES[resource].not_migrated[field]), (resource, field)
    # Delivered empty (""), so nothing to review: not listed.
    assert ("client_family", "email") not in found and ("clients", "culture") not in found
    assert not [key for key in found if key[1] == "external_id"]


DELETED_CLIENT = "0c9d2f4e-dddd-4a5b-8c6d-00000000000d"
CLOSED_CLIENT = "0c9d2f4e-eeee-4a5b-8c6d-00000000000e"


def test_a_deleted_client_is_rejected_as_deleted_in_source_and_a_closed_one_archived(tmp_path: Path) -> None:
    """Issue #20: §2.3 lists Status Current, Closed, Deleted, Deceased. A Deleted client is a record the
    practice deleted (the API still lists it): not migrated, with the project's reason for that
    (`deleted_in_source`, as Profile's soft-deleted rows), and its bookings and invoices go with it. A Closed
    one is a real client, archived — as the Deceased golden client is."""
    (client,) = GOLDEN["clients"]
    # Copies of the golden client told apart by first name, without its Medicare card (else merged with it).
    (invoice,) = GOLDEN["invoices"]
    practice = GOLDEN | {
        "clients": [
            client,
            {
                **client,
                "clientId": DELETED_CLIENT,
                "firstName": "Rowan",
                "medicareCardNumber": "",
                "ExternalId": "",
                "Status": "Deleted",
            },
            {
                **client,
                "clientId": CLOSED_CLIENT,
                "firstName": "Morgan",
                "medicareCardNumber": "",
                "ExternalId": "",
                "Status": "Closed",
            },
        ],
        "clientFamilies": [],
        "appointments": [
            *GOLDEN["appointments"],
            {
                **GOLDEN["appointments"][0],
                "appointmentId": "0c9d2f4e-ffff-4a5b-8c6d-00000000000f",
                "clientId": DELETED_CLIENT,
            },
        ],
        "invoices": [
            invoice,
            {
                **invoice,
                "invoiceId": "0c9d2f4e-1212-4a5b-8c6d-000000000012",
                "invoiceNumber": "261005-2",
                "clientId": DELETED_CLIENT,
                "lineItems": [{**invoice["lineItems"][0], "lineItemId": "0c9d2f4e-1313-4a5b-8c6d-000000000013"}],
            },
        ],
    }
    warehouse = _served_and_staged(practice, tmp_path)
    assert _rows(warehouse, "client", "source_id", "is_archived") == [
        {"source_id": CLIENT, "is_archived": True},  # Deceased
        {"source_id": CLOSED_CLIENT, "is_archived": True},
    ]
    with warehouse.connect(read_only=True) as con:
        rejects = read_partition(con, TableRef("staged", "rejects"), "trial")
    deleted = f"coreplus:client:{DELETED_CLIENT}"
    assert sorted(rejects.select("entity", "reason", "field", "related_id").rows()) == [
        ("appointment", "parent_rejected", "client_id", deleted),
        ("client", "deleted_in_source", None, None),
        ("invoice", "parent_rejected", "client_id", deleted),
        ("invoice_line", "parent_rejected", "invoice_id", "coreplus:invoice:0c9d2f4e-1212-4a5b-8c6d-000000000012"),
    ]
    assert rejects.filter(pl.col("entity") == "client")["canonical_id"].to_list() == [deleted]
