"""Cliniko's own published example payloads (tests/fixtures/cliniko_docs/) staged end to end: a patient
merged inside Cliniko, "Female to Male", a pre-2018 patient with only `gender`, a group-appointment note,
an invoice line with net_price "81.818" and discounts, a patient's invoice settings (issue 16, item 4)."""

from __future__ import annotations

import hashlib
import json
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from pipeline_helpers import register_customer, run_pipeline, staged_frame

FIXTURE = Path(__file__).parents[1] / "fixtures" / "cliniko_docs"
CUSTOMER = "documented"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("documented-home")
    dump = home / "dump"
    shutil.copytree(FIXTURE, dump, ignore=shutil.ignore_patterns("*.md"))
    files = []
    for path in sorted(dump.glob("*.ndjson")):
        data = path.read_bytes()
        records = sum(1 for line in data.splitlines() if line.strip())
        files.append(
            {"path": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "records": records}
        )
    (dump / "manifest.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    run_pipeline(home, register_customer(home, CUSTOMER, dump, country="AU"))
    return home


def _rows(home: Path, table: str) -> dict[str, dict]:
    return {r["source_id"]: r for r in staged_frame(home, CUSTOMER, table).iter_rows(named=True)}


def test_every_documented_record_is_staged_or_merged_none_rejected(home: Path) -> None:
    assert staged_frame(home, CUSTOMER, "rejects").height == 0
    reconciliation = staged_frame(home, CUSTOMER, "reconciliation")
    assert reconciliation.filter(pl.col("considered") != pl.col("staged") + pl.col("merged")).height == 0
    assert reconciliation["merged"].sum() == 1


def test_a_patient_merged_inside_cliniko_is_merged_into_its_survivor_with_its_references(home: Path) -> None:
    merges = staged_frame(home, CUSTOMER, "merges")
    assert merges.select("canonical_id", "survivor_id", "rule").rows() == [
        ("cliniko:client:1", "cliniko:client:1001", "merged_in_source")
    ]
    clients = _rows(home, "client")
    assert set(clients) == {"1001", "2"}
    survivor = clients["1001"]
    # The survivor keeps its own state: not archived, no merge of its own.
    assert survivor["is_archived"] is False and survivor["archived_at"] is None
    assert survivor["merged_into_id"] is None and survivor["merged_at"] is None
    # What was booked, billed and logged against the merged-away patient now belongs to the survivor.
    appointment = _rows(home, "appointment")
    assert {r["client_id"] for r in appointment.values()} == {"cliniko:client:1001"}
    assert _rows(home, "invoice")["108"]["client_id"] == "cliniko:client:1001"
    assert {r["client_id"] for r in staged_frame(home, CUSTOMER, "communication").iter_rows(named=True)} == {
        "cliniko:client:1001"
    }


def test_sex_values_as_documented_and_the_legacy_gender_are_never_empty(home: Path) -> None:
    clients = _rows(home, "client")
    assert (clients["1001"]["sex"], clients["1001"]["sex_as_recorded"]) == ("unknown", "Female to Male")
    assert clients["1001"]["gender_identity"] == "Transgender"
    assert (clients["2"]["sex"], clients["2"]["sex_as_recorded"]) == ("female", "Female")


def test_patient_invoice_settings_and_preferences_arrive(home: Path) -> None:
    survivor = _rows(home, "client")["1001"]
    assert survivor["invoice_to"] == "Super Insurance"
    assert survivor["invoice_email"] == "super.insurance@example.com"
    assert survivor["invoice_extra_information"] == "Insurance #123456\r\nClaim #123456"
    assert survivor["reminder_preference"] == "SMS & Email"
    assert survivor["is_confirmation_email_accepted"] is True
    assert survivor["country"] == "Australia"


def test_invoice_lines_keep_three_decimal_prices_and_both_kinds_of_discount(home: Path) -> None:
    lines = _rows(home, "invoice_line")
    monetary, percentage = lines["1"], lines["2"]
    assert monetary["net_amount"] == Decimal("81.818") and monetary["unit_price_amount"] == Decimal("100")
    assert (monetary["discount_type"], monetary["discount_amount"], monetary["discount_percentage"]) == (
        "amount",
        Decimal("20"),
        Decimal("18.1818"),
    )
    assert (percentage["discount_type"], percentage["discount_percentage"]) == ("percentage", Decimal("10"))
    assert monetary["billable_item_source_id"] == "1" and monetary["total_amount"] == Decimal("90")
    issues = staged_frame(home, CUSTOMER, "field_issues").filter(pl.col("entity") == "invoice_line")
    assert issues.height == 0


def test_a_group_appointment_note_reaches_its_attendees(home: Path) -> None:
    attendee = next(r for r in _rows(home, "appointment").values() if r["is_group"])
    assert attendee["group_notes"] == "Bring a towel"
    assert attendee["repeat_rule"] is None  # the documented `{}`: no series


def test_a_treatment_note_booked_against_a_group_appointment_is_on_its_patients_attendance(home: Path) -> None:
    notes = _rows(home, "clinical_note")
    assert notes["2"]["appointment_id"] == "cliniko:appointment:attendee-1"
    assert notes["1"]["appointment_id"] is None  # the documented note has no booking
    issues = staged_frame(home, CUSTOMER, "field_issues").filter(pl.col("entity") == "clinical_note")
    assert issues.height == 0


def test_a_case_keeps_its_attendances_and_referral(home: Path) -> None:
    case = _rows(home, "condition")["566562806174843905"]
    assert case["attendance_source_ids"].split("; ") == [
        "372482141335848698",
        "529672213901608572",
        "555656064805111313",
        "555655906260419766",
    ]
    assert case["is_referral"] is False and case["max_sessions"] == 12


def test_business_phone_and_referrer_address_arrive(home: Path) -> None:
    assert next(iter(_rows(home, "site").values()))["contact_information"] == "Phone: 99999 99999"
    referrer = _rows(home, "referrer")["1"]
    assert (referrer["address_line_2"], referrer["country"]) == ("Apt. 735", "Estonia")


def test_a_structured_referral_names_who_or_what_referred_the_patient(home: Path) -> None:
    clients = _rows(home, "client")
    # The list example: referred by another patient (sections/referral_sources.md), patient 1, which Cliniko
    # merged into 1001: the referral points at the survivor.
    referred = clients["2"]
    assert referred["referred_by_client_id"] == "cliniko:client:1001"
    assert (referred["referral_source_type"], referred["referral_notes"]) == (
        "Client",
        "note written about this referral",
    )
    assert referred["referred_by_organisation_id"] is None and referred["referral_subcategory"] is None
    # A practice-defined type with its subcategory (Get Referral Source Types: "internets").
    survivor = clients["1001"]
    assert (survivor["referral_source_type"], survivor["referral_subcategory"]) == ("internets", "the google")
    assert survivor["referred_by_client_id"] is None
    assert survivor["referrer_id"] == "cliniko:referrer:1"  # its referring doctor stays
    issues = staged_frame(home, CUSTOMER, "field_issues").filter(pl.col("entity") == "client")
    assert issues.height == 0


def test_a_completed_patient_form_is_a_clinical_note_with_its_answers_and_signature(home: Path) -> None:
    form = _rows(home, "clinical_note")["564393784322819470"]
    assert form["canonical_id"] == "cliniko:clinical_note:form-564393784322819470"
    assert (form["note_type"], form["title"]) == ("Patient form", "New Patient Intake")
    assert form["client_id"] == "cliniko:client:1001"
    assert form["appointment_id"] == "cliniko:appointment:attendee-1"
    assert form["body_text"] == (
        "Medical History\nPlease describe your medical history.: The answer\n"
        "Current Condition\nWhich of the following symptoms do you suffer from?: Headache; Cough\n"
        "Privacy Policy\nI accept the above privacy policy: Signed"
    )
    assert "565805660088829113" in form["body_original"]  # the signature's id stays with the form
    assert form["is_draft"] is False and form["finalised_at"] is not None
