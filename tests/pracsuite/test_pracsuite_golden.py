"""A golden PracSuite practice: a few records written by hand in the API's form, and the staged rows a person
works out from them, written literally (docs/adding-a-source.md item 7). The read goes through the emulator,
the extractor, the raw layer and the mapping, so a wrong mapping expression shows here."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from golden_staging import staged_rows
from markupsafe import escape
from pracsuite_helpers import make_settings, stage_dump

from checks.report import ReportContext, write_approval_report
from emulators.launcher import start_emulators
from mappings.spec import load_spec
from sources.pracsuite import SYSTEM
from sources.pracsuite.api import extract
from store import Warehouse

STAMP = {"tenant_id": 77, "created": "2026-01-02T03:04:05.000006Z", "modified": "2026-01-02T03:04:05.000006Z"}


def _r(**values: Any) -> dict[str, Any]:
    return {**STAMP, **values}


_APPOINTMENT = {"client_id": 11, "practitioner_id": 7, "appointment_type_id": 1, "account_id": 11, "notes": ""}
GOLDEN: dict[str, list[dict[str, Any]]] = {
    "businesses": [
        _r(
            business_id=1,
            business_name="Harbour Clinic",
            display_name="Harbour Clinic",
            suburb="Newtown",
            address_state="NSW",
            postcode="2042",
            phone="02 9555 0100",
            archive=False,
        ),
        _r(
            business_id=2,
            business_name="West Clinic Pty Ltd",
            display_name="West Clinic",
            suburb="Perth",
            address_state="WA",
            postcode="6000",
            phone=None,
            archive=False,
        ),
    ],
    "practitioners": [
        _r(
            practitioner_id=7,
            title="Dr",
            first_name="Jo",
            surname="Example",
            email="JO@Example.org",
            provider_no="2345678A",
            archive=False,
        ),
    ],
    "referrers": [
        _r(
            referrer_id=3,
            title="Dr",
            first_name="Ian",
            surname="Fox",
            description="City GP",
            provider_no="2345678B",
            phone="02 9555 0111",
            email="",
            archive=False,
        ),
    ],
    "patients": [
        _r(
            client_id=11,
            title="Ms",
            first_name="Avery",
            middle_name="",
            surname="Quill",
            preferred_name="",
            date_of_birth="1972-07-02",
            email="",
            gender="Female",
            address_1="12 Example Lane",
            suburb="Newtown",
            address_state="NSW",
            postcode="2042",
            country="Australia",
            mobile="0412 345 678",
            medicare_no="2123456701",
            medicare_ref_no="1",
            referrer_id=3,
            patient_notes="Prefers mornings",
            patient_warnings="Latex allergy",
            file_no="F-0042",
            accepted_privacy_policy=False,
            time_zone=None,
            archive=False,
        ),
    ],
    "patient_accounts": [_r(account_id=11, client_id=11, account_name="Private", archive=False)],
    "appointment_types": [_r(appointment_type_id=1, description="Initial consultation", duration=60)],
    "appointment_statuses": [
        _r(appointment_status_id=3, description="Completed"),
        _r(appointment_status_id=4, description="Did Not Arrive"),
    ],
    "appointment_cancellation_reasons": [_r(appointment_cancellation_reason_id=2, reason="Clinic closed")],
    "appointments": [
        # The morning Sydney's daylight saving ended (03:00 → 02:00): 09:00 is +10:00.
        _r(
            appointment_id=101,
            app_time="2026-04-05T09:00:00",
            duration=45,
            business_id=1,
            appointment_status_id=3,
            **_APPOINTMENT,
        ),
        # app_time is in the tenant's zone (Sydney, +11:00 in January); the Perth site shows it at 06:00.
        _r(
            appointment_id=102,
            app_time="2026-01-15T09:00:00",
            duration=30,
            business_id=2,
            appointment_status_id=4,
            **_APPOINTMENT,
        ),
    ],
    "cancelled_appointments": [
        _r(
            appointment_id=103,
            app_time="2026-10-05T10:30:00",
            duration=30,
            business_id=1,
            appointment_status_id=1,
            appointment_cancellation_reason_id=2,
            cancelled="2026-10-01T03:04:05.123456Z",
            **_APPOINTMENT,
        ),
    ],
    "notes": [
        _r(
            note_id=5,
            client_id=11,
            practitioner_id=7,
            appointment_id=101,
            title="Treatment",
            note="Range of motion improving.",
            note_date="2026-04-05T09:50:00",
        ),
    ],
    "patient_attachments": [
        _r(
            attachment_id=9,
            client_id=11,
            file_name="referral.pdf",
            description="Referral",
            mime_type="application/pdf",
            file_size=1234,
        ),
    ],
}
CREATED = dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    work = tmp_path_factory.mktemp("pracsuite-golden")
    (work / "practice.json").write_text(json.dumps(GOLDEN), encoding="utf-8")
    with start_emulators(
        dataverse=False, entra=False, pracsuite=True, pracsuite_practice=work / "practice.json"
    ) as running:
        extract(make_settings(running), work / "dump")
    return stage_dump(work / "dump", site_time_zones={"2": "Australia/Perth"})


def _rows(warehouse: Warehouse, entity: str, *columns: str) -> list[dict[str, Any]]:
    return staged_rows(warehouse, entity, *columns)


def test_golden_client(golden: Warehouse) -> None:
    columns = (
        "canonical_id",
        "title",
        "first_name",
        "last_name",
        "date_of_birth",
        "sex_as_recorded",
        "email",
        "mobile_phone",
        "address_line_1",
        "city",
        "state",
        "postcode",
        "country_code",
        "country",
        "medicare_number",
        "medicare_irn",
        "referrer_id",
        "notes",
        "appointment_notes",
        "legacy_reference",
        "is_privacy_policy_accepted",
        "is_archived",
        "created_at",
    )
    assert _rows(golden, "client", *columns) == [
        {
            "canonical_id": "pracsuite:client:11",
            "title": "Ms",
            "first_name": "Avery",
            "last_name": "Quill",
            "date_of_birth": dt.date(1972, 7, 2),
            "sex_as_recorded": "Female",
            "email": None,
            "mobile_phone": "+61412345678",
            "address_line_1": "12 Example Lane",
            "city": "Newtown",
            "state": "NSW",
            "postcode": "2042",
            "country_code": "AU",
            "country": "Australia",
            "medicare_number": "2123456701",
            "medicare_irn": "1",
            "referrer_id": "pracsuite:referrer:3",
            "notes": "Prefers mornings",
            "appointment_notes": "Latex allergy",
            "legacy_reference": "F-0042",
            "is_privacy_policy_accepted": False,
            "is_archived": False,
            "created_at": CREATED,
        }
    ]


def test_golden_sites_practitioner_and_referrer(golden: Warehouse) -> None:
    assert _rows(golden, "site", "canonical_id", "name", "legal_name", "phone", "time_zone") == [
        {
            "canonical_id": "pracsuite:site:1",
            "name": "Harbour Clinic",
            "legal_name": "Harbour Clinic",
            "phone": "+61295550100",
            "time_zone": "Australia/Sydney",  # the practice's
        },
        {
            "canonical_id": "pracsuite:site:2",
            "name": "West Clinic",
            "legal_name": "West Clinic Pty Ltd",
            "phone": None,
            "time_zone": "Australia/Perth",  # the customer's per-site setting
        },
    ]
    assert _rows(golden, "practitioner", "last_name", "email", "registration_numbers", "is_active") == [
        {"last_name": "Example", "email": "jo@example.org", "registration_numbers": "2345678A", "is_active": True}
    ]
    assert _rows(golden, "referrer", "canonical_id", "last_name", "organisation_name", "phone", "referral_type") == [
        {
            "canonical_id": "pracsuite:referrer:3",
            "last_name": "Fox",
            "organisation_name": "City GP",
            "phone": "+61295550111",
            "referral_type": "doctor",
        }
    ]


def test_golden_appointments_in_the_tenants_zone_and_cancelled_apart(golden: Warehouse) -> None:
    columns = (
        "canonical_id",
        "site_id",
        "appointment_type",
        "starts_at",
        "ends_at",
        "starts_local",
        "ends_local",
        "status",
        "cancellation_reason",
        "cancelled_at",
    )
    booked = {"appointment_type": "Initial consultation", "cancellation_reason": None, "cancelled_at": None}
    assert _rows(golden, "appointment", *columns) == [
        {
            **booked,
            "canonical_id": "pracsuite:appointment:101",
            "site_id": "pracsuite:site:1",
            "starts_at": dt.datetime(2026, 4, 4, 23, 0, tzinfo=dt.UTC),  # 09:00 +10:00
            "ends_at": dt.datetime(2026, 4, 4, 23, 45, tzinfo=dt.UTC),  # + 45 minutes
            "starts_local": dt.datetime(2026, 4, 5, 9, 0),
            "ends_local": dt.datetime(2026, 4, 5, 9, 45),
            "status": "completed",
        },
        {
            **booked,
            "canonical_id": "pracsuite:appointment:102",
            "site_id": "pracsuite:site:2",
            "starts_at": dt.datetime(2026, 1, 14, 22, 0, tzinfo=dt.UTC),  # 09:00 Sydney, +11:00
            "ends_at": dt.datetime(2026, 1, 14, 22, 30, tzinfo=dt.UTC),
            "starts_local": dt.datetime(2026, 1, 15, 6, 0),  # the same instant in Perth, +08:00
            "ends_local": dt.datetime(2026, 1, 15, 6, 30),
            "status": "did_not_attend",  # the practice's own "Did Not Arrive"
        },
        {
            "canonical_id": "pracsuite:appointment:cancelled-103",
            "site_id": "pracsuite:site:1",
            "appointment_type": "Initial consultation",
            "starts_at": dt.datetime(2026, 10, 4, 23, 30, tzinfo=dt.UTC),  # 10:30 +11:00 (DST from 4 October)
            "ends_at": dt.datetime(2026, 10, 5, 0, 0, tzinfo=dt.UTC),
            "starts_local": dt.datetime(2026, 10, 5, 10, 30),
            "ends_local": dt.datetime(2026, 10, 5, 11, 0),
            "status": "cancelled",
            "cancellation_reason": "Clinic closed",
            "cancelled_at": dt.datetime(2026, 10, 1, 3, 4, 5, 123456, tzinfo=dt.UTC),
        },
    ]


def test_golden_note_and_attachment(golden: Warehouse) -> None:
    assert _rows(golden, "clinical_note", "client_id", "appointment_id", "note_type", "title", "body_text") == [
        {
            "client_id": "pracsuite:client:11",
            "appointment_id": "pracsuite:appointment:101",
            "note_type": "Appointment note",
            "title": "Treatment",
            "body_text": "Range of motion improving.",
        }
    ]
    assert _rows(golden, "document", "client_id", "file_name", "mime_type", "size_bytes", "sha256", "storage_uri") == [
        {
            "client_id": "pracsuite:client:11",
            "file_name": "referral.pdf",
            "mime_type": "application/pdf",
            "size_bytes": 1234,  # as the API states it: no bytes to verify (README)
            "sha256": None,
            "storage_uri": None,
        }
    ]


def test_the_approval_report_says_what_the_practice_must_export_separately(golden: Warehouse, tmp_path: Path) -> None:
    """Invoices, payments and attachment files are not in the public API (§2.5): the spec declares the
    entities not migrated and the report lists each with what the practice sends apart."""
    spec = load_spec("pracsuite")
    assert set(spec.not_migrated) == {"invoice", "invoice_line", "payment"}
    context = ReportContext("pracsuite-test", "PracSuite Golden", "trial", "pracsuite", spec.version)
    report = write_approval_report(golden, tmp_path, spec, [], context, dump_dir=golden.path.parent / "dump")
    page = report.read_text(encoding="utf-8")
    for resource, reason in SYSTEM.not_migrated_resources.items():
        assert f'<td><code>{resource}</code></td><td class="num">not delivered</td><td>{escape(reason)}</td>' in page
    assert set(SYSTEM.not_migrated_resources) == {"invoices", "payments", "attachment_files"}
