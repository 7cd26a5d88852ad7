"""Golden rows for the Gensolve target: the hand-written practice (tests/helpers/golden_practice.py) loaded into
the embedded Gensolve database, every table compared column by column — in full: a column a row below does
not list must be empty — with the rows a person worked out from the source (issue 23 item 1). The same
practice's Dynamics rows are in tests/dynamics_load/test_golden_practice.py; the comparison is
tests/helpers/golden_helpers.py.

Lineage (`mig_*`) is the canonical id the row is keyed by, the system and id it came from in the source, and
the canonical id of its first origin. Booleans are NUMBER(1); money NUMBER(p,2); instants TIMESTAMP WITH TIME
ZONE (UTC here), local wall clocks TIMESTAMP without zone.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import golden_practice
import pytest
from golden_helpers import Rows, golden_differences
from pipeline_helpers import register_customer, run_pipeline

from customers import MigrationHome
from mappings import spec as mapping_spec
from targets.base import Partition
from targets.gensolve import target as gensolve_target
from targets.gensolve.catalogue import load_catalogue
from targets.gensolve.target import TARGET, embedded_path

CUSTOMER = "golden-gensolve"


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def _lineage(canonical_id: str) -> dict[str, str]:
    return {
        "mig_key": canonical_id,
        "mig_source_system": "cliniko",
        "mig_source_id": canonical_id.rsplit(":", 1)[1],
        "mig_origin_id": canonical_id,
    }


def _rows(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {key: {**_lineage(key), **columns} for key, columns in rows.items()}


def _site(name: str, city: str, country: str, zone: str) -> dict[str, Any]:
    return {
        "site_name": name,
        "address_line_1": "1 Main Street",
        "city": city,
        "country_code": country,
        "email": f"{name.lower()}@golden-physio.example",
        "time_zone": zone,
        "is_archived": 0,
    }


SITES = {"cliniko:site:1001": "1001", "cliniko:site:1002": "1002", "cliniko:site:1003": "1003"}
ELLEN, TOM, SARAH = "cliniko:client:5001", "cliniko:client:5003", "cliniko:client:5004"
AROHA, JAMES = "cliniko:practitioner:3001", "cliniko:practitioner:3002"
PONSONBY, BONDI, ISLINGTON = SITES
MARCH_1 = _utc(2026, 3, 1)  # when the bookings were entered
# The note as delivered (Cliniko's sections of questions), kept beside its readable body.
NOTE_ORIGINAL = json.dumps(golden_practice.records()["treatment_notes"][0]["content"], separators=(",", ":"))

EXPECTED: Rows = {
    # One vendor per site (targets/gensolve/README.md): its display name, the business's legal name.
    "gpm_vendor": _rows(
        {
            PONSONBY: {"vendor_name": "Ponsonby", "legal_name": "Golden Physio Ponsonby", "country_code": "NZ"},
            BONDI: {"vendor_name": "Bondi", "legal_name": "Golden Physio Bondi", "country_code": "AU"},
            ISLINGTON: {"vendor_name": "Islington", "legal_name": "Golden Physio Islington", "country_code": "GB"},
        }
    ),
    "gpm_site": _rows(
        {
            PONSONBY: {"vendor_key": PONSONBY, **_site("Ponsonby", "Auckland", "NZ", "Pacific/Auckland")},
            BONDI: {"vendor_key": BONDI, **_site("Bondi", "Sydney", "AU", "Australia/Sydney")},
            ISLINGTON: {"vendor_key": ISLINGTON, **_site("Islington", "London", "GB", "Europe/London")},
        }
    ),
    # E-mail from the practitioner's user; profession from the designation.
    "gpm_practitioner": _rows(
        {
            AROHA: {
                "first_name": "Aroha",
                "last_name": "Ngata",
                "email": "aroha.ngata@golden-physio.example",
                "profession": "Physiotherapist",
                "is_active": 1,
            },
            JAMES: {
                "first_name": "James",
                "last_name": "Cook",
                "email": "james.cook@golden-physio.example",
                "profession": "Physiotherapist",
                "is_active": 1,
            },
        }
    ),
    "gpm_organisation": {},
    "gpm_referrer": _rows(
        {
            "cliniko:referrer:4001": {
                "title": "Dr",
                "first_name": "Mere",
                "last_name": "Parata",
                "organisation_name": "Ponsonby Medical Centre",
                "provider_number": "123456AB",
                "referral_type": "doctor",
            }
        }
    ),
    # Ellen entered twice: one client, the first record's, with the work number only the second one had.
    # Phones in E.164 (021 123 4567 and 09 303 1234 in New Zealand); consent from accepted_email_marketing.
    "gpm_client": _rows(
        {
            ELLEN: {
                "title": "Mrs",
                "first_name": "Ellen",
                "last_name": "Muir",
                "date_of_birth": date(1980, 4, 5),
                "sex": "female",
                "email": "ellen.muir@example.com",
                "mobile_phone": "+64211234567",
                "work_phone": "+6493031234",
                "address_line_1": "12 Ponsonby Road",
                "city": "Auckland",
                "postcode": "1011",
                "country_code": "NZ",
                "occupation": "Teacher",
                "referrer_key": "cliniko:referrer:4001",
                "email_consent": 0,
                "is_archived": 0,
                "created_at": _utc(2024, 3, 1, 22, 15),
            },
            TOM: {
                "title": "Mr",
                "first_name": "Tom",
                "last_name": "Baker",
                "date_of_birth": date(1975, 10, 25),
                "sex": "male",
                "email": "tom.baker@example.co.uk",
                "country_code": "NZ",
                "email_consent": 1,
                "is_archived": 0,
                "created_at": _utc(2025, 11, 20, 10, 0),
            },
            SARAH: {
                "title": "Ms",
                "first_name": "Sarah",
                "last_name": "Lee",
                "date_of_birth": date(1990, 2, 28),
                "sex": "female",
                "email": "sarah.lee@example.com.au",
                "country_code": "NZ",
                "email_consent": 0,
                "is_archived": 0,
                "created_at": _utc(2026, 1, 15, 23, 30),
            },
        }
    ),
    "gpm_condition": {},
    "gpm_membership": {},  # no canonical entity yet (mappings/gensolve.yaml not_migrated)
    # Instants in UTC; the site's wall clock on the days its clock changes (NZ 27 Sep 2026 → UTC+13 and
    # 5 Apr 2026 → UTC+12; Sydney 4 Oct 2026 → UTC+11; London 29 Mar 2026 → UTC+1 and 25 Oct 2026 → UTC+0).
    "gpm_appointment": _rows(
        {
            "cliniko:appointment:7001": {
                "client_key": ELLEN,
                "practitioner_key": AROHA,
                "site_key": PONSONBY,
                "appointment_type": "Initial consultation",
                "starts_at": _utc(2026, 9, 26, 20, 0),
                "ends_at": _utc(2026, 9, 26, 20, 45),
                "starts_local": datetime(2026, 9, 27, 9, 0),
                "ends_local": datetime(2026, 9, 27, 9, 45),
                "time_zone": "Pacific/Auckland",
                "status": "completed",
                "is_class": 0,
                "created_at": MARCH_1,
            },
            "cliniko:appointment:7002": {  # booked on the duplicate record: points at the survivor
                "client_key": ELLEN,
                "practitioner_key": AROHA,
                "site_key": PONSONBY,
                "appointment_type": "Follow-up",
                "starts_at": _utc(2026, 9, 25, 21, 0),
                "ends_at": _utc(2026, 9, 25, 21, 30),
                "starts_local": datetime(2026, 9, 26, 9, 0),
                "ends_local": datetime(2026, 9, 26, 9, 30),
                "time_zone": "Pacific/Auckland",
                "status": "completed",
                "is_class": 0,
                "created_at": MARCH_1,
            },
            "cliniko:appointment:7003": {
                "client_key": ELLEN,
                "practitioner_key": AROHA,
                "site_key": PONSONBY,
                "appointment_type": "Follow-up",
                "starts_at": _utc(2026, 4, 4, 21, 0),
                "ends_at": _utc(2026, 4, 4, 21, 30),
                "starts_local": datetime(2026, 4, 5, 9, 0),
                "ends_local": datetime(2026, 4, 5, 9, 30),
                "time_zone": "Pacific/Auckland",
                "status": "did_not_attend",
                "is_class": 0,
                "created_at": MARCH_1,
            },
            "cliniko:appointment:7004": {
                "client_key": SARAH,
                "practitioner_key": JAMES,
                "site_key": BONDI,
                "appointment_type": "Initial consultation",
                "starts_at": _utc(2026, 10, 3, 23, 0),
                "ends_at": _utc(2026, 10, 3, 23, 45),
                "starts_local": datetime(2026, 10, 4, 10, 0),
                "ends_local": datetime(2026, 10, 4, 10, 45),
                "time_zone": "Australia/Sydney",
                "status": "cancelled",
                "cancellation_reason": "Away",  # Cliniko's reason 40
                "cancelled_at": _utc(2026, 10, 1, 2, 0),
                "is_class": 0,
                "created_at": MARCH_1,
            },
            "cliniko:appointment:7005": {
                "client_key": TOM,
                "practitioner_key": JAMES,
                "site_key": ISLINGTON,
                "appointment_type": "Initial consultation",
                "starts_at": _utc(2026, 3, 29, 9, 30),
                "ends_at": _utc(2026, 3, 29, 10, 15),
                "starts_local": datetime(2026, 3, 29, 10, 30),
                "ends_local": datetime(2026, 3, 29, 11, 15),
                "time_zone": "Europe/London",
                "status": "completed",
                "is_class": 0,
                "created_at": MARCH_1,
            },
            "cliniko:appointment:7006": {
                "client_key": TOM,
                "practitioner_key": JAMES,
                "site_key": ISLINGTON,
                "appointment_type": "Follow-up",
                "starts_at": _utc(2026, 10, 25, 10, 30),
                "ends_at": _utc(2026, 10, 25, 11, 0),
                "starts_local": datetime(2026, 10, 25, 10, 30),
                "ends_local": datetime(2026, 10, 25, 11, 0),
                "time_zone": "Europe/London",
                "status": "completed",
                "is_class": 0,
                "created_at": MARCH_1,
            },
        }
    ),
    # One line per answered question under its section's name; markup removed, the chosen option kept.
    "gpm_clinical_note": _rows(
        {
            "cliniko:clinical_note:8001": {
                "client_key": ELLEN,
                "practitioner_key": AROHA,
                "appointment_key": "cliniko:appointment:7001",
                "note_type": "Treatment note",
                "title": "Initial assessment",
                "body": "Subjective\nComments: Heel pain, 6/10.\nProgress: Better\nPlan\nHome exercises: Calf raises",
                "body_original": NOTE_ORIGINAL,
                "author_name": "Aroha Ngata",
                "is_draft": 0,
                "created_at": _utc(2026, 9, 26, 20, 50),
                "finalised_at": _utc(2026, 9, 26, 21, 0),
            }
        }
    ),
    "gpm_form_entry": {},  # no canonical entity yet (mappings/gensolve.yaml not_migrated)
    # The letter's bytes themselves, with their size and sha256.
    "gpm_document": _rows(
        {
            "cliniko:document:9001": {
                "client_key": SARAH,
                "file_name": "referral.pdf",
                "mime_type": "application/pdf",
                "size_bytes": len(golden_practice.LETTER),
                "sha256": hashlib.sha256(golden_practice.LETTER).hexdigest(),
                "content": golden_practice.LETTER,
                "description": "GP referral",
                "created_at": _utc(2026, 1, 16),
            }
        }
    ),
    "gpm_communication": {},
    # 95.00 − 10 % (9.50) + GST 15 % of 85.50 (12.83) = 98.33; 2 × 12.00 + GST (3.60) = 27.60; total 125.93,
    # net 85.50 + 24.00 = 109.50, tax 12.83 + 3.60 = 16.43. New Zealand dollars: the site is in New Zealand.
    "gpm_invoice": _rows(
        {
            "cliniko:invoice:10001": {
                "client_key": ELLEN,
                "practitioner_key": AROHA,
                "site_key": PONSONBY,
                "appointment_key": "cliniko:appointment:7001",
                "invoice_number": "1001",
                "issue_date": date(2026, 9, 27),
                "status": "paid",
                "currency": "NZD",
                "net_amount": Decimal("109.50"),
                "tax_amount": Decimal("16.43"),
                "discount_amount": Decimal("9.50"),
                "total_amount": Decimal("125.93"),
            }
        }
    ),
    "gpm_invoice_line": _rows(
        {
            "cliniko:invoice_line:11001": {
                "invoice_key": "cliniko:invoice:10001",
                "description": "Initial consultation",
                "item_code": "INIT",
                "quantity": Decimal(1),
                "unit_price": Decimal("95.00"),
                "discount_amount": Decimal("9.50"),
                "tax_name": "GST",
                "tax_rate": Decimal(15),
                "tax_amount": Decimal("12.83"),
                "net_amount": Decimal("85.50"),
                "total_amount": Decimal("98.33"),
                "currency": "NZD",
            },
            "cliniko:invoice_line:11002": {
                "invoice_key": "cliniko:invoice:10001",
                "description": "Exercise band",
                "item_code": "BAND",
                "quantity": Decimal(2),
                "unit_price": Decimal("12.00"),
                "discount_amount": Decimal("0.00"),
                "tax_name": "GST",
                "tax_rate": Decimal(15),
                "tax_amount": Decimal("3.60"),
                "net_amount": Decimal("24.00"),
                "total_amount": Decimal("27.60"),
                "currency": "NZD",
            },
        }
    ),
    # The golden practice's lines sell no product (no product link), Cliniko stages no payments, and the
    # canonical model has no write-offs (mappings/gensolve.yaml not_migrated).
    "gpm_product_sale": {},
    "gpm_payment": {},
    "gpm_write_off": {},
    "gpm_custom_field": {},
    "gpm_custom_value": {},
}


def _loaded(root: Path, overrides: dict | None = None) -> Partition:
    """The golden practice staged, mapped onto the import schema and loaded into the embedded database."""
    dump = golden_practice.write_dump(root / "dump")
    home = root / "home"
    config = register_customer(home, CUSTOMER, dump, site_zones=golden_practice.SITE_ZONES, overrides=overrides)
    outcome = run_pipeline(home, config)
    assert not outcome.blocking_failures, [r.definition.name for r in outcome.blocking_failures]
    part = Partition(MigrationHome(home), MigrationHome(home).load(CUSTOMER), "trial")
    TARGET.prepare(part)
    assert TARGET.plan(part, apply=True).ready
    result = TARGET.load(part, "run-golden", "pytest")
    assert result.rejected == 0
    return part


def _target_rows(part: Partition) -> Rows:
    """Every row of every import table, by its mig_key, read from the embedded database."""
    rows: Rows = {}
    with duckdb.connect(str(embedded_path(part)), read_only=True) as con:
        for table in load_catalogue().tables:
            cursor = con.execute(f"select * from {table}")
            names = [d[0] for d in cursor.description]
            rows[table] = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    return rows


@pytest.fixture
def golden(tmp_path: Path) -> Partition:
    return _loaded(tmp_path)


def test_every_import_table_has_its_golden_rows() -> None:
    assert list(EXPECTED) == list(load_catalogue().tables)


def test_the_target_holds_exactly_the_rows_worked_out_from_the_source(golden: Partition) -> None:
    assert golden_differences(EXPECTED, _target_rows(golden), exact_columns=True) == []


def test_a_changed_mapping_expression_fails_the_read_back_and_the_golden_rows(
    golden: Partition, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One expression of the Gensolve mapping changed after the load (first name ← last name): the read-back,
    which compares the target with what the mapping now says, counts every client's first name; loaded
    again, the golden rows name each one."""
    assert TARGET.verify(golden).clean
    original = mapping_spec.load_spec
    mutated = {"gpm_client": {"first_name": "last_name"}}
    monkeypatch.setattr(
        gensolve_target,
        "load_spec",
        lambda system, overrides=None, **kw: original(system, mutated if system == "gensolve" else overrides, **kw),
    )
    TARGET.prepare(golden)
    clients = {t.table: t for t in TARGET.verify(golden).tables}["gpm_client"]
    assert (clients.found, clients.missing, clients.differences) == (3, 0, 3)
    TARGET.load(golden, "run-mutated", "pytest")
    assert sorted(golden_differences(EXPECTED, _target_rows(golden), exact_columns=True)) == [
        ("gpm_client", ELLEN, "first_name", "Ellen", "Muir"),
        ("gpm_client", TOM, "first_name", "Tom", "Baker"),
        ("gpm_client", SARAH, "first_name", "Sarah", "Lee"),
    ]


def test_an_invoice_line_selling_a_product_is_also_a_product_sale(tmp_path: Path) -> None:
    """The exercise-band line given a product link (a customer's mapping override of the Cliniko spec): it lands
    in gpm_product_sale keyed by the line, pointing at its invoice and line; the consultation line does not."""
    overrides = {
        "invoice_line": {
            "product_source_id": {"case": [{"when": {"column": "code", "equals": "BAND"}, "then": {"value": "801"}}]}
        }
    }
    rows = _target_rows(_loaded(tmp_path, overrides))
    band = "cliniko:invoice_line:11002"
    expected = {
        **_lineage(band),
        "invoice_key": "cliniko:invoice:10001",
        "invoice_line_key": band,
        "product_source_id": "801",
        "item_code": "BAND",
        "description": "Exercise band",
        "quantity": Decimal(2),
        "unit_price": Decimal("12.00"),
        "total_amount": Decimal("27.60"),
        "currency": "NZD",
    }
    assert rows["gpm_product_sale"] == {band: expected}
    assert set(rows["gpm_invoice_line"]) == {"cliniko:invoice_line:11001", band}
