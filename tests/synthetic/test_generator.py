"""The synthetic practice generator: dump format, clean-data invariants, injected defects, determinism."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
import validators
import yaml
from ftfy.badness import is_bad

from checks.identifiers import (
    is_valid_dva_number,
    is_valid_medicare,
    is_valid_medicare_irn,
    is_valid_nhi,
    is_valid_nhs_number,
)
from sources.base import FieldType
from sources.cliniko.api_settings import SOURCE_LIST_FIELD
from sources.cliniko.settings import CANCELLATION_REASONS, DOCUMENTED_FIELDS_FILE, INVOICE_STATUSES, RESOURCES
from synthetic import GenerationSummary, generate_practice
from synthetic import cli as generate_cli
from synthetic.defects import KINDS
from synthetic.dump import DUMP_RESOURCES
from synthetic.generator import _generate
from synthetic.practice import EXTRAS

AS_OF = date(2026, 11, 1)
DOCUMENTED = yaml.safe_load(DOCUMENTED_FIELDS_FILE.read_text(encoding="utf-8"))["resources"]
AS_OF_TS = "2026-11-01T00:00:00Z"
SHARDS = {"NZ": "au2", "AU": "au1", "UK": "uk1"}
REGIONS = {"NZ": "NZ", "AU": "AU", "UK": "GB"}
UTC_TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ID = re.compile(r"[1-9]\d{18}")
MONEY = re.compile(r"-?\d+\.\d{2}")
# Cliniko's own e-mail validation (research: redguava/cliniko-api sections/patients.md).
CLINIKO_EMAIL = re.compile(r"[A-Z0-9!#$%&'*+\-/=?^_`{|}~.]+@[A-Z0-9.-]+\.[A-Z]{2,63}", re.IGNORECASE)
LINK_TARGETS = {
    "user": "users",
    "default_appointment_type": "appointment_types",
    "business": "businesses",
    "practitioner": "practitioners",
    "billable_item": "billable_items",
    "tax": "taxes",
    "treatment_note_template": "treatment_note_templates",
    "concession_type": "concession_types",
    "referring_doctor": "contacts",
    "patient": "patients",
    "merged_with_patient": "patients",
    "product": "products",
    "contact": "contacts",
    "appointment_type": "appointment_types",
    "patient_case": "patient_cases",
    "repeated_from": "individual_appointments",
    "invoice": "invoices",
    "referral_source_type": "referral_source_types",
    "attendee": "attendees",
}
SPECIAL_LINKS = {  # (resource, field) → (URL collection, resource whose ids it holds)
    ("attendees", "booking"): ("bookings", "group_appointments"),
    ("treatment_notes", "booking"): ("bookings", "individual_appointments"),
    ("invoices", "appointment"): ("appointments", "individual_appointments"),
    ("patient_forms", "booking"): ("bookings", "individual_appointments"),
}


@dataclass
class Dump:
    """A generated dump read back: records per resource, ids of non-UTF-8 lines, truth, manifest."""

    summary: GenerationSummary
    records: dict[str, list[dict[str, Any]]]
    not_utf8: set[str]
    truth: dict[str, Any]
    manifest: dict[str, Any]

    @property
    def dir(self) -> Path:
        return self.summary.out_dir

    def by_id(self, resource: str) -> dict[str, dict[str, Any]]:
        return {r["id"]: r for r in self.records[resource]}

    def defect_ids(self, kind: str | None = None, resource: str | None = None) -> set[str]:
        return {
            d["source_id"]
            for d in self.truth["defects"]
            if (kind is None or d["kind"] == kind) and (resource is None or d["resource"] == resource)
        }

    def clean(self, resource: str) -> list[dict[str, Any]]:
        bad = self.defect_ids(resource=resource)
        return [r for r in self.records[resource] if r.get("id") not in bad]


def load(summary: GenerationSummary) -> Dump:
    records: dict[str, list[dict[str, Any]]] = {}
    not_utf8: set[str] = set()
    for resource in DUMP_RESOURCES:
        rows = []
        for raw in (summary.out_dir / f"{resource}.ndjson").read_bytes().splitlines():
            try:
                rows.append(json.loads(raw.decode("utf-8")))
            except UnicodeDecodeError:
                row = json.loads(raw.decode("cp1252"))
                not_utf8.add(row["id"])
                rows.append(row)
        records[resource] = rows
    truth = json.loads(summary.truth_file.read_text("utf-8"))
    manifest = json.loads(summary.manifest_file.read_text("utf-8"))
    return Dump(summary, records, not_utf8, truth, manifest)


def tail(link: dict[str, Any] | None) -> str | None:
    return None if link is None else link["links"]["self"].rsplit("/", 1)[1]


BUILDS = {  # one large NZ practice, two smaller AU and UK ones
    "NZ": {"clients": 2000, "defect_rate": 0.02, "seed": 7},
    "AU": {"clients": 600, "defect_rate": 0.03, "seed": 11},
    "UK": {"clients": 600, "defect_rate": 0.03, "seed": 11},
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Dump]:
    cache: dict[str, Dump] = {}

    def get(country: str) -> Dump:
        if country not in cache:
            out = tmp_path_factory.mktemp(country) / "dump"
            cache[country] = load(generate_practice(out, country=country, as_of=AS_OF, **BUILDS[country]))
        return cache[country]

    return get


@pytest.fixture(params=list(BUILDS))
def dump(request: pytest.FixtureRequest, built: Callable[[str], Dump]) -> Dump:
    return built(request.param)


@pytest.fixture
def nz(built: Callable[[str], Dump]) -> Dump:
    return built("NZ")


# --- format -------------------------------------------------------------------------------------------


def test_every_record_has_exactly_the_declared_fields_with_their_json_types(dump: Dump) -> None:
    shard = SHARDS[dump.truth["country"]]
    link_url = re.compile(rf"https://api\.{shard}\.cliniko\.com/v1/[a-z_]+/\d{{19}}(/content)?")
    for resource, spec in RESOURCES.items():
        rows = dump.records[resource]
        assert (dump.dir / f"{resource}.ndjson").is_file()
        for row in rows:
            assert list(row) == [f for f in spec.fields if f != SOURCE_LIST_FIELD], resource
            for name, kind in spec.fields.items():
                value = row.get(name)
                if value is None:
                    continue
                if kind is FieldType.STRING:
                    assert isinstance(value, str), (resource, name)
                elif kind is FieldType.INTEGER:
                    assert isinstance(value, int) and not isinstance(value, bool), (resource, name)
                elif kind is FieldType.NUMBER:
                    assert isinstance(value, int | float) and not isinstance(value, bool), (resource, name)
                elif kind is FieldType.BOOLEAN:
                    assert isinstance(value, bool), (resource, name)
                elif kind is FieldType.LINK:
                    assert list(value) == ["links"] and list(value["links"]) == ["self"], (resource, name)
                    assert link_url.fullmatch(value["links"]["self"]), (resource, name, value)
                elif kind is FieldType.OBJECT:
                    assert isinstance(value, dict), (resource, name)
                else:
                    assert isinstance(value, list), (resource, name)
    assert len(dump.records["settings"]) == 1


def test_ids_are_unique_19_digit_strings_below_int64_max(dump: Dump) -> None:
    for resource, spec in RESOURCES.items():
        if spec.key is None:
            continue
        ids = [r["id"] for r in dump.records[resource]]
        assert len(ids) == len(set(ids)), resource
        for value in ids:
            assert ID.fullmatch(value) and int(value) < 2**63 - 1, (resource, value)
        # Above 2**53 a double keeps only multiples of 128: a reader that goes through floats corrupts them.
        survivors = sum(int(float(v)) == int(v) for v in ids)
        assert survivors <= max(1, len(ids) // 50), resource


def test_timestamps_dates_and_money_are_cliniko_shaped(dump: Dump) -> None:
    bad_appointments = dump.defect_ids(resource="individual_appointments")
    for resource in RESOURCES:
        for row in dump.records[resource]:
            for name in (
                "created_at",
                "updated_at",
                "cancelled_at",
                "archived_at",
                "deleted_at",
                "closed_at",
                "finalized_at",
            ):
                if row.get(name) is not None:
                    assert UTC_TS.fullmatch(row[name]), (resource, name, row[name])
                    assert row[name] <= AS_OF_TS, (resource, name, row[name])
            if "created_at" in row:
                assert row["created_at"] <= row["updated_at"], (resource, row["id"])
            for name in ("starts_at", "ends_at"):
                if name in row and row["id"] not in bad_appointments:
                    assert UTC_TS.fullmatch(row[name]), (resource, name)
            for name in ("issue_date", "expiry_date"):
                if row.get(name) is not None:
                    assert DATE.fullmatch(row[name])
    for name in ("total_amount", "tax_amount", "net_amount", "discounted_amount"):
        assert all(MONEY.fullmatch(r[name]) for r in dump.records["invoices"])
    for name in (
        "unit_price",
        "net_price",
        "tax_amount",
        "total_including_tax",
        "tax_rate",
        "discount_percentage",
    ):
        assert all(MONEY.fullmatch(r[name]) for r in dump.records["invoice_items"])


def test_links_resolve_to_existing_records(dump: Dump) -> None:
    ids = {r: {row["id"] for row in rows} for r, rows in dump.records.items() if r not in RESOURCES or RESOURCES[r].key}
    orphans = dump.defect_ids("orphan_appointment")
    products: set[str] = set()
    for resource, spec in RESOURCES.items():
        for row in dump.records[resource]:
            for name, kind in spec.fields.items():
                if kind is not FieldType.LINK or row[name] is None:
                    continue
                url = row[name]["links"]["self"]
                if name == "content":
                    assert url.endswith(f"/patient_attachments/{row['id']}/content")
                    continue
                if name == "product":  # a product sale links the product, not a billable item
                    assert row["billable_item"] is None, (resource, url)
                    products.add(tail(row[name]))
                if (resource, name) == ("referral_sources", "referrer"):  # a patient or a contact, as its type says
                    collection = target = "patients" if row["referrer_type"] == "Patient" else "contacts"
                elif (resource, name) in SPECIAL_LINKS:
                    collection, target = SPECIAL_LINKS[resource, name]
                else:
                    collection = target = LINK_TARGETS[name]
                assert f"/{collection}/" in url, (resource, name, url)
                if resource == "individual_appointments" and name == "patient" and row["id"] in orphans:
                    assert tail(row[name]) not in ids["patients"]
                else:
                    assert tail(row[name]) in ids[target], (resource, name, url)
    # The delivered products catalogue (not read: declared not migrated) holds the practice's retail products
    # (synthetic/practice.py EXTRAS) with the documented fields, and invoice items sell them.
    catalogue = dump.records["products"]
    assert len(catalogue) == sum(1 for *_item, is_product in EXTRAS if is_product) and products
    assert all(set(p) == set(DOCUMENTED["products"]) - {"links"} for p in catalogue)


def test_settings_define_exactly_the_custom_fields_patients_use(dump: Dump) -> None:
    definition = dump.records["settings"][0]["patient_custom_fields_definition"]
    names = [s["name"] for s in definition["sections"]]
    country = dump.truth["country"]
    assert names == (["Intake"] if country == "AU" else ["Health identifiers", "Intake"])
    intake = definition["sections"][-1]["fields"]
    assert [(f["name"], f["type"]) for f in intake] == [
        ("How did you hear about us?", "radiobuttons"),
        ("Preferred contact", "checkboxes"),
        ("GP practice", "text"),
    ]
    tokens = {s["token"] for s in definition["sections"]}
    tokens |= {f["token"] for s in definition["sections"] for f in s["fields"]}
    tokens |= {o["token"] for s in definition["sections"] for f in s["fields"] for o in f.get("options", [])}
    used = 0
    for patient in dump.records["patients"]:
        for section in (patient["custom_fields"] or {}).get("sections", []):
            assert section["token"] in tokens
            for f in section["fields"]:
                used += 1
                assert f["token"] in tokens
                assert all(o["token"] in tokens for o in f.get("options", []))
                if f["type"] == "radiobuttons":
                    assert sum(bool(o.get("selected")) for o in f["options"]) == 1
    assert used > 0


def test_manifest_lists_every_file_with_matching_checksums(dump: Dump) -> None:
    m = dump.manifest
    assert (m["system"], m["format_version"], m["country"], m["generated_at"]) == (
        "cliniko",
        1,
        dump.truth["country"],
        AS_OF_TS,
    )
    paths = [f["path"] for f in m["files"]]
    assert paths == sorted(paths)
    on_disk = {p.relative_to(dump.dir).as_posix() for p in dump.dir.rglob("*") if p.is_file()}
    assert set(paths) == on_disk - {"manifest.json", "ground_truth.json"}
    assert {f"{r}.ndjson" for r in RESOURCES} <= set(paths)
    for entry in m["files"]:
        data = (dump.dir / entry["path"]).read_bytes()
        assert entry["bytes"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest(), entry["path"]
        if entry["path"].endswith(".ndjson"):
            assert entry["records"] == len(data.splitlines()) == len(dump.records[entry["path"][:-7]])
    assert dump.truth["counts"] == {r: len(rows) for r, rows in dump.records.items()}


def test_attachments_are_real_small_files_of_their_declared_size(dump: Dump) -> None:
    magic = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG\r\n\x1a\n", "text/plain": b"Consent"}
    rows = dump.records["patient_attachments"]
    assert rows
    for row in rows:
        data = (dump.dir / "attachments" / row["id"] / row["filename"]).read_bytes()
        assert row["size"] == len(data) and 100 <= len(data) <= 20 * 1024, row["filename"]
        assert data.startswith(magic[row["content_type"]])


# --- clean data -----------------------------------------------------------------------------------------


def _valid_phone(number: str, region: str) -> bool:
    parsed = phonenumbers.parse("+" + number)
    return phonenumbers.is_valid_number(parsed) and phonenumbers.region_code_for_number(parsed) == region


def _valid_email(email: str) -> bool:
    return validators.email(email) is True and CLINIKO_EMAIL.fullmatch(email) is not None


def _identifier(patient: dict[str, Any]) -> str | None:
    for section in (patient["custom_fields"] or {}).get("sections", []):
        if section["name"] == "Health identifiers":
            return section["fields"][0]["value"]
    return None


def test_clean_patients_are_reachable_valid_and_unique(dump: Dump) -> None:
    country = dump.truth["country"]
    region = REGIONS[country]
    clean = dump.clean("patients")
    # Each of the 8 patient kinds takes about `defect_rate` of the clients; the rest stay clean.
    assert len(clean) >= 0.8 * (1 - 8 * dump.truth["defect_rate"]) * dump.truth["clients"]
    keys, contact_keys, identifiers = Counter(), Counter(), Counter()
    for p in clean:
        mobiles = [n for n in p["patient_phone_numbers"] if n["phone_type"] == "Mobile"]
        assert p["email"] or mobiles, p["id"]
        assert all(_valid_phone(n["number"], region) for n in p["patient_phone_numbers"]), p["id"]
        assert all(not n["number"].startswith("+") for n in p["patient_phone_numbers"])
        assert p["email"] is None or _valid_email(p["email"]), p["email"]
        assert not is_bad(p["first_name"]) and not is_bad(p["last_name"]), p["id"]
        assert p["date_of_birth"] <= AS_OF.isoformat()
        key = (" ".join(p["first_name"].split()).casefold(), " ".join(p["last_name"].split()).casefold())
        keys[(*key, p["date_of_birth"])] += 1
        if p["email"]:
            contact_keys[(p["email"].casefold(), p["date_of_birth"])] += 1
        if country == "AU":
            if p["medicare"]:
                assert is_valid_medicare(p["medicare"]) and is_valid_medicare_irn(p["medicare_reference_number"])
                identifiers[(p["medicare"], p["medicare_reference_number"])] += 1
            assert p["dva_card_number"] is None or is_valid_dva_number(p["dva_card_number"])
        else:
            value = _identifier(p)
            if value is not None:
                assert (is_valid_nhi if country == "NZ" else is_valid_nhs_number)(value), value
                identifiers[value] += 1
    assert max(keys.values()) == 1
    assert max(contact_keys.values()) == 1
    assert identifiers and max(identifiers.values()) == 1
    assert sum(v for v in keys.values()) == len(clean)


def test_contacts_and_sites_have_valid_phones_and_emails(dump: Dump) -> None:
    region = REGIONS[dump.truth["country"]]
    doctors = [c for c in dump.records["contacts"] if c["type_code"] == 1]
    assert doctors and all(c["type"] == "Doctor" and c["provider_number"] for c in doctors)
    assert any(c["type_code"] == 0 and c["company_name"] for c in dump.records["contacts"])
    for c in dump.records["contacts"]:
        assert all(_valid_phone(n["number"], region) for n in c["phone_numbers"])
        assert _valid_email(c["email"])
    for user in dump.records["users"]:
        assert _valid_email(user["email"])
    assert any(u["role"] == "Receptionist" for u in dump.records["users"])
    practitioner_users = {tail(p["user"]) for p in dump.records["practitioners"]}
    assert any(u["id"] not in practitioner_users for u in dump.records["users"])
    assert any(not p["active"] for p in dump.records["practitioners"])


def _local(ts: str, zone: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))


def test_clean_appointments_are_in_business_hours_and_end_after_they_start(dump: Dump) -> None:
    zones = {s["source_id"]: s["time_zone"] for s in dump.truth["sites"]}
    statuses = Counter()
    for a in dump.clean("individual_appointments"):
        start, end = (
            _local(a["starts_at"], zones[tail(a["business"])]),
            _local(a["ends_at"], zones[tail(a["business"])]),
        )
        assert end > start
        assert start.minute % 15 == 0 and time_of(start) >= 7 * 60 and time_of(end) <= 19 * 60, a["id"]
        assert a["created_at"] <= a["starts_at"] or a["starts_at"] < a["created_at"] <= AS_OF_TS
        if a["cancelled_at"]:
            statuses["cancelled"] += 1
            assert a["cancellation_reason"] in CANCELLATION_REASONS
            assert a["cancellation_reason_description"] == CANCELLATION_REASONS[a["cancellation_reason"]]
        elif a["did_not_arrive"]:
            statuses["did_not_arrive"] += 1
        elif a["patient_arrived"]:
            statuses["arrived"] += 1
            assert a["ends_at"] <= AS_OF_TS
        else:
            statuses["booked"] += 1
    assert all(statuses[s] > 0 for s in ("cancelled", "did_not_arrive", "arrived", "booked")), statuses
    assert any(a["repeat_rule"] for a in dump.records["individual_appointments"])
    assert any(a["repeated_from"] for a in dump.records["individual_appointments"])


def time_of(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def test_records_happen_in_a_possible_order(dump: Dump) -> None:
    """Booked after the patient registered and before it starts; notes and invoices after it ends; staff
    see patients only while employed; messages after the patient registered."""
    patients = dump.by_id("patients")
    practitioners = dump.by_id("practitioners")
    zones = {s["source_id"]: s["time_zone"] for s in dump.truth["sites"]}
    clean = dump.clean("individual_appointments")
    appointments = {a["id"]: a for a in clean}
    for a in clean:
        assert patients[tail(a["patient"])]["created_at"] <= a["created_at"] < a["starts_at"], a["id"]
        if a["cancelled_at"]:
            assert a["created_at"] <= a["cancelled_at"], a["id"]
        staff = practitioners[tail(a["practitioner"])]
        assert staff["created_at"] <= a["starts_at"], a["id"]
        assert staff["active"] or a["starts_at"] < staff["updated_at"], a["id"]
    for note in dump.records["treatment_notes"]:
        if note["booking"]:
            assert appointments[tail(note["booking"])]["ends_at"] <= note["created_at"]
    for inv in dump.records["invoices"]:
        a = appointments[tail(inv["appointment"])]
        assert a["patient_arrived"] and a["ends_at"] <= inv["created_at"]
        assert inv["issue_date"] == _local(a["starts_at"], zones[tail(a["business"])]).date().isoformat()
        assert tail(inv["patient"]) == tail(a["patient"])
    for message in dump.records["communications"]:
        assert patients[tail(message["patient"])]["created_at"] <= message["created_at"]
    classes = dump.by_id("group_appointments")
    for attendee in dump.records["attendees"]:
        assert patients[tail(attendee["patient"])]["created_at"] <= attendee["created_at"]
        booking = classes[tail(attendee["booking"])]
        assert booking["created_at"] <= attendee["created_at"] < booking["starts_at"]


def test_group_classes_have_attendees_within_capacity(dump: Dump) -> None:
    per_class = Counter(tail(a["booking"]) for a in dump.records["attendees"])
    assert per_class
    for g in dump.records["group_appointments"]:
        assert per_class[g["id"]] <= g["max_attendees"]
        assert g["max_attendees"] > 1
    for a in dump.records["attendees"]:
        assert a["cancellation_reason"] is None or a["cancelled_at"] is not None


def test_dst_days_round_trip_to_nine_local(dump: Dump) -> None:
    appointments = dump.by_id("individual_appointments")
    entries = dump.truth["dst_days"]
    per_day: dict[tuple[str, str], int] = Counter()
    for e in entries:
        a = appointments[e["source_id"]]
        assert e["source_id"] not in dump.defect_ids()
        zone = ZoneInfo(e["time_zone"])
        local = _local(a["starts_at"], e["time_zone"])
        assert local.strftime("%Y-%m-%dT%H:%M") == e["local_start"]
        day = local.date()
        before = datetime(day.year, day.month, day.day, tzinfo=zone).utcoffset()
        after = (datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(hours=23)).utcoffset()
        assert before != after and (e["kind"] == "dst_start") == (after > before), e  # type: ignore[operator]
        per_day[(e["local_start"][:10], e["kind"])] += 1
    assert {k for _, k in per_day} == {"dst_start", "dst_end"}
    assert min(per_day.values()) >= 2
    assert len(per_day) >= 10  # about two changes a year over five years and three months


def test_clean_invoices_add_up(dump: Dump) -> None:
    items = defaultdict(list)
    for item in dump.records["invoice_items"]:
        net = Decimal(item["unit_price"]) * item["quantity"] - Decimal(item["discounted_amount"])
        assert Decimal(item["net_price"]) == net
        assert Decimal(item["total_including_tax"]) == net + Decimal(item["tax_amount"])
        items[tail(item["invoice"])].append(item)
    mismatched = dump.defect_ids("invoice_lines_mismatch")
    for inv in dump.records["invoices"]:
        lines = items[inv["id"]]
        assert 1 <= len(lines) <= 3
        assert inv["status_description"] == INVOICE_STATUSES[inv["status"]]
        total = sum(Decimal(i["total_including_tax"]) for i in lines)
        assert (Decimal(inv["total_amount"]) != total) == (inv["id"] in mismatched), inv["id"]
        assert Decimal(inv["tax_amount"]) == sum(Decimal(i["tax_amount"]) for i in lines)
        assert Decimal(inv["net_amount"]) == sum(Decimal(i["net_price"]) for i in lines)
    rates = {i["tax_rate"] for i in dump.records["invoice_items"]}
    assert rates == {"NZ": {"15.00"}, "AU": {"0.00", "10.00"}, "UK": {"0.00", "20.00"}}[dump.truth["country"]]


def test_treatment_notes_follow_the_sections_questions_schema(dump: Dump) -> None:
    notes = dump.records["treatment_notes"]
    arrived = [a for a in dump.records["individual_appointments"] if a["patient_arrived"]]
    assert 0.5 < len([n for n in notes if n["booking"]]) / len(arrived) < 0.8
    assert any(n["draft"] and n["finalized_at"] is None for n in notes)
    assert any(n["booking"] is None for n in notes)
    html = 0
    for note in notes:
        for section in note["content"]["sections"]:
            for q in section["questions"]:
                assert q["type"] in {"paragraph", "text", "checkboxes", "radiobuttons", "date"}
                if q["type"] in ("checkboxes", "radiobuttons"):
                    assert all(set(a) <= {"value", "selected"} for a in q["answers"])
                    assert all(a.get("selected", True) is True for a in q["answers"])
                elif q["type"] == "date":
                    assert DATE.fullmatch(q["answer"])
                else:
                    html += q["type"] == "paragraph" and q["answer"].startswith(("<p>", "<div>", "<ul>"))
    assert html > 0


# --- defects --------------------------------------------------------------------------------------------


def test_every_kind_is_injected_and_present_in_the_files(dump: Dump) -> None:
    truth = dump.truth["defects"]
    assert {d["kind"] for d in truth} == set(KINDS)
    keys = [(d["resource"], d["source_id"]) for d in truth]
    assert len(keys) == len(set(keys)), "a record carries two defects"
    for d in truth:
        assert (d["entity"], d["resource"]) == KINDS[d["kind"]]
    patients = dump.by_id("patients")
    country = dump.truth["country"]
    region = REGIONS[country]

    assert dump.not_utf8 == dump.defect_ids("cp1252_text")
    for d in truth:
        if d["resource"] != "patients":
            continue
        p = patients[d["source_id"]]
        kind, name = d["kind"], d["field"]
        if kind == "invalid_email":
            assert name == "email" and not _valid_email(p["email"])
        elif kind == "invalid_phone":
            mobile = p["patient_phone_numbers"][0]
            assert mobile["phone_type"] == "Mobile" and not _valid_phone(mobile["number"], region)
        elif kind == "future_date_of_birth":
            assert p["date_of_birth"] > AS_OF.isoformat()
        elif kind == "mojibake_text":
            assert is_bad(p[name])
        elif kind == "cp1252_text":
            assert name in ("first_name", "last_name", "address_1") and not p[name].isascii()
        elif kind == "no_contact_method":
            assert p["email"] is None and p["patient_phone_numbers"] == []
        elif kind == "invalid_identifier":
            if country == "AU":
                assert name == "medicare" and not is_valid_medicare(p["medicare"])
            else:
                assert name == "custom_fields"
                assert not (is_valid_nhi if country == "NZ" else is_valid_nhs_number)(_identifier(p))
        elif kind == "merged_in_source":
            # Archived when merged inside Cliniko, naming the original, which stays; nothing else links them.
            survivor = patients[tail(p["merged_with_patient"])]
            assert name == "merged_with_patient" and p["archived_at"] == p["merged_at"] is not None
            assert survivor["merged_at"] is None and survivor["created_at"] < p["created_at"]
            assert survivor["first_name"].casefold() != p["first_name"].casefold() and p["email"] is None
        else:
            originals = [
                o
                for o in dump.clean("patients")
                if o["date_of_birth"] == p["date_of_birth"]
                and o["first_name"].casefold() == p["first_name"].strip().casefold()
                and o["last_name"].casefold() == p["last_name"].strip().casefold()
            ]
            assert len(originals) == 1 and originals[0]["created_at"] < p["created_at"]
            assert (p["first_name"], p["last_name"]) != (
                originals[0]["first_name"],
                originals[0]["last_name"],
            )
    bad_by_check = {p["id"] for p in dump.records["patients"] if is_bad(p["first_name"]) or is_bad(p["last_name"])}
    assert bad_by_check == dump.defect_ids("mojibake_text")


def test_defective_appointments_are_present_and_nothing_depends_on_them(dump: Dump) -> None:
    appointments = dump.by_id("individual_appointments")
    zones = {s["source_id"]: s["time_zone"] for s in dump.truth["sites"]}
    broken = dump.defect_ids(resource="individual_appointments")
    for d in dump.truth["defects"]:
        if d["resource"] != "individual_appointments":
            continue
        a = appointments[d["source_id"]]
        if d["kind"] == "ends_before_start":
            assert UTC_TS.fullmatch(a["ends_at"]) and a["ends_at"] < a["starts_at"]
        elif d["kind"] == "dst_gap_appointment":
            naive = datetime.fromisoformat(a["starts_at"])
            assert naive.tzinfo is None and not a["starts_at"].endswith("Z")
            zone = ZoneInfo(zones[tail(a["business"])])
            local = naive.replace(tzinfo=zone)
            assert local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive, a["starts_at"]
    referenced = {tail(n["booking"]) for n in dump.records["treatment_notes"]}
    referenced |= {tail(i["appointment"]) for i in dump.records["invoices"]}
    referenced |= {tail(a["repeated_from"]) for a in dump.records["individual_appointments"]}
    assert not referenced & broken


def test_defect_counts_follow_the_rate(nz: Dump) -> None:
    per_kind = Counter(d["kind"] for d in nz.truth["defects"])
    clients, appointments = 2000, len(nz.records["individual_appointments"])
    for kind in ("invalid_email", "future_date_of_birth", "mojibake_text", "duplicate_client"):
        assert 0.5 * 0.02 * clients <= per_kind[kind] <= 1.6 * 0.02 * clients, (kind, per_kind[kind])
    for kind in ("orphan_appointment", "ends_before_start", "dst_gap_appointment"):
        expected = 0.02 * appointments
        assert 0.6 * expected <= per_kind[kind] <= 1.4 * expected, (kind, per_kind[kind])
    expected = 0.02 * len(nz.records["invoices"])
    assert 0.6 * expected <= per_kind["invoice_lines_mismatch"] <= 1.4 * expected


def test_small_practice_still_gets_one_of_each_kind(tmp_path: Path) -> None:
    dump = load(generate_practice(tmp_path / "d", country="UK", clients=60, defect_rate=0.001, seed=3, as_of=AS_OF))
    assert Counter(d["kind"] for d in dump.truth["defects"]).keys() == KINDS.keys()


@pytest.mark.parametrize("country", ["NZ", "AU", "UK"])
def test_other_seeds_at_a_high_defect_rate_keep_every_invariant(country: str, tmp_path: Path) -> None:
    for seed in (101, 202, 303):
        out = tmp_path / str(seed)
        dump = load(generate_practice(out, country=country, clients=150, defect_rate=0.1, seed=seed, as_of=AS_OF))
        test_every_kind_is_injected_and_present_in_the_files(dump)
        test_defective_appointments_are_present_and_nothing_depends_on_them(dump)
        test_clean_patients_are_reachable_valid_and_unique(dump)
        test_clean_invoices_add_up(dump)
        test_links_resolve_to_existing_records(dump)
        test_records_happen_in_a_possible_order(dump)
        test_every_record_has_exactly_the_declared_fields_with_their_json_types(dump)


def test_clean_run_has_no_defects_and_keeps_every_invariant(tmp_path: Path) -> None:
    dump = load(generate_practice(tmp_path / "d", country="AU", clients=250, seed=5, as_of=AS_OF))
    assert dump.truth["defects"] == [] and dump.summary.defects == 0 and not dump.not_utf8
    test_clean_patients_are_reachable_valid_and_unique(dump)
    test_clean_invoices_add_up(dump)
    test_links_resolve_to_existing_records(dump)
    test_clean_appointments_are_in_business_hours_and_end_after_they_start(dump)
    test_dst_days_round_trip_to_nine_local(dump)
    test_records_happen_in_a_possible_order(dump)


# --- determinism, scale, arguments, command line -----------------------------------------------------------


def _digests(summary: GenerationSummary) -> tuple[str, str]:
    return tuple(hashlib.sha256(f.read_bytes()).hexdigest() for f in (summary.manifest_file, summary.truth_file))


def test_same_arguments_give_identical_bytes_whatever_the_workers(tmp_path: Path) -> None:
    args = {
        "system": "cliniko",
        "country": "NZ",
        "clients": 700,
        "defect_rate": 0.05,
        "seed": 42,
        "as_of": AS_OF,
        "progress": None,
    }
    one = _generate(tmp_path / "one", workers=1, **args)
    two = _generate(tmp_path / "two", workers=2, **args)
    assert _digests(one) == _digests(two)
    again = _generate(tmp_path / "one", workers=1, **args)  # regenerating over a previous dump
    assert _digests(again) == _digests(one)
    other = _generate(tmp_path / "seed", workers=1, **{**args, "seed": 43})
    assert _digests(other)[0] != _digests(one)[0]


def test_counts_scale_with_clients(nz: Dump, tmp_path: Path) -> None:
    small = generate_practice(tmp_path / "s", country="NZ", clients=500, defect_rate=0.02, seed=7, as_of=AS_OF)
    big = nz.summary.counts
    for resource in (
        "patients",
        "individual_appointments",
        "treatment_notes",
        "invoices",
        "invoice_items",
        "communications",
        "contacts",
        "group_appointments",
    ):
        ratio = big[resource] / small.counts[resource]
        assert 3.0 < ratio < 5.0, (resource, ratio)
    assert 8.5 <= big["individual_appointments"] / 2000 <= 11.5
    assert 2.0 <= big["communications"] / 2000 <= 4.0
    assert big["practitioners"] >= 2 and big["businesses"] == 3


def test_bad_arguments_raise_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="valid systems: cliniko"):
        generate_practice(tmp_path / "x", system="tm3")
    with pytest.raises(ValueError, match="valid countries"):
        generate_practice(tmp_path / "x", country="US")
    with pytest.raises(ValueError, match="defect rate"):
        generate_practice(tmp_path / "x", defect_rate=1.5)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        generate_practice(tmp_path / "busy", clients=50)
    assert (tmp_path / "busy" / "notes.txt").read_text() == "keep me"


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="practice-migrate generate")
    generate_cli.add_arguments(parser)
    try:
        return generate_cli.run(parser.parse_args(argv))
    except SystemExit as exc:
        return int(exc.code or 0)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    code = _cli(
        [
            "--system",
            "cliniko",
            "--country",
            "UK",
            "--clients",
            "80",
            "--defects",
            "0.05",
            "--seed",
            "9",
            "--as-of",
            "2026-11-01",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert "individual_appointments" in captured.out and "ground_truth.json" in captured.out
    assert json.loads((out / "ground_truth.json").read_text())["clients"] == 80
    assert _cli(["--country", "UK", "--clients", "80", "--defects", "2", str(tmp_path / "x")]) == 2
    assert _cli(["--country", "FR", "--clients", "80", str(tmp_path / "x")]) == 2
    assert _cli(["--country", "NZ", "--clients", "80", "--as-of", "01/11/2026", str(tmp_path / "x")]) == 2
    assert _cli(["--system", "tm3", "--country", "NZ", "--clients", "80", str(tmp_path / "x")]) == 2
    assert "error" in capsys.readouterr().err
