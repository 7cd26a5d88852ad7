"""The synthetic practice's structured referrals, patient forms and discount kinds staged end to end, counted
against the generator's ground truth (issue 16, items 3 and 6): every referral reaches its client, every form is
a note, every discount keeps its kind."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import polars as pl
from pipeline_helpers import register_customer, run_pipeline, site_zones_from_truth, staged_frame

from sources.cliniko.settings import SIGNATURES
from synthetic import GenerationSummary


def _records(practice: GenerationSummary, resource: str) -> list[dict]:
    lines = (practice.out_dir / f"{resource}.ndjson").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _tail(link: dict | None) -> str | None:
    return None if link is None else link["links"]["self"].rsplit("/", 1)[-1]


def test_staged_referrals_and_forms_equal_the_ground_truth(
    clean_practices: dict[str, GenerationSummary], migration_home: Path
) -> None:
    practice = clean_practices["NZ"]
    truth = json.loads(practice.truth_file.read_text())
    config = register_customer(
        migration_home, "forms-nz", practice.out_dir, country="NZ", site_zones=site_zones_from_truth(truth)
    )
    outcome = run_pipeline(migration_home, config)
    assert outcome.blocking_failures == []
    counts = truth["counts"]
    assert counts["referral_sources"] > 0 and counts["patient_forms"] > 0

    clients = staged_frame(migration_home, "forms-nz", "client")
    referred = clients.filter(pl.col("referral_source_type").is_not_null())
    assert referred.height == counts["referral_sources"]
    referrals = {_tail(r["patient"]): r for r in _records(practice, "referral_sources")}
    contacts = {c["id"]: c for c in _records(practice, "contacts")}
    doctors = {i for i, c in contacts.items() if c["type_code"] == 1}
    by_patient = {r["source_id"]: r for r in referred.iter_rows(named=True)}
    assert set(by_patient) == set(referrals)
    referrers: Counter[str] = Counter()
    for patient_id, referral in referrals.items():
        row, referrer = by_patient[patient_id], _tail(referral["referrer"])
        assert row["referral_subcategory"] == referral["subcategory"]
        assert row["referral_notes"] == referral["notes"]
        if referral["referrer_type"] == "Patient":
            referrers["patient"] += 1
            assert row["referred_by_client_id"] == f"cliniko:client:{referrer}"
        elif referrer in doctors:
            referrers["doctor"] += 1
            assert row["referrer_id"] is not None  # this doctor, or the patient's own referring doctor
        elif referrer is not None:
            referrers["organisation"] += 1
            assert row["referred_by_organisation_id"] == f"cliniko:client_organisation:{referrer}"
    assert all(referrers[k] > 0 for k in ("patient", "doctor", "organisation")), referrers

    notes = staged_frame(migration_home, "forms-nz", "clinical_note").filter(pl.col("note_type") == "Patient form")
    forms = _records(practice, "patient_forms")
    assert notes.height == counts["patient_forms"] == len(forms)
    assert notes["is_draft"].sum() == sum(1 for f in forms if f["completed_at"] is None)
    assert notes.filter(pl.col("appointment_id").is_null()).height == 0  # each sent with a booking
    signed = notes.filter(pl.col("body_text").str.contains(": Signed"))
    assert signed.height == sum(1 for f in forms if f["signatures"]) > 0
    assert staged_frame(migration_home, "forms-nz", "rejects").height == 0

    # Concession discounts of both kinds: entered as an amount off or as a percentage (is_monetary_discount).
    items = [i for i in _records(practice, "invoice_items") if i["discounted_amount"] != "0.00"]
    kinds = Counter("amount" if i["is_monetary_discount"] else "percentage" for i in items)
    lines = staged_frame(migration_home, "forms-nz", "invoice_line").filter(pl.col("discount_type").is_not_null())
    assert dict(lines["discount_type"].value_counts().iter_rows()) == dict(kinds) and len(kinds) == 2

    # The approval report says what of it the customer's target (Gensolve, the default) has no place for.
    behind = pl.read_csv(outcome.report_path.parent / "not-migrated-to-target.csv")
    referral_types = behind.filter((pl.col("entity") == "client") & (pl.col("field") == "referral_source_type"))
    assert referral_types["records_with_value"].to_list() == [counts["referral_sources"]]
    assert referral_types["reason"][0].startswith("no column for the structured referral's category")
    html = outcome.report_path.read_text(encoding="utf-8")
    assert "Not migrated to gensolve" in html and "<code>referral_source_type</code>" in html

    # Signature images are not downloadable (no documented endpoint): the report counts the forms carrying one.
    delivered = pl.read_csv(outcome.report_path.parent / "not-migrated.csv")
    signatures = delivered.filter((pl.col("resource") == "patient_forms") & (pl.col("field") == "signatures"))
    assert signatures.select("records_with_value", "reason").rows() == [
        (sum(1 for f in forms if f["signatures"]), SIGNATURES)
    ]

    # Product sales: invoice items linking a product, not a billable item, staged as lines with the product's id.
    sold = {i["id"]: _tail(i["product"]) for i in _records(practice, "invoice_items") if i["product"]}
    product_lines = staged_frame(migration_home, "forms-nz", "invoice_line").filter(
        pl.col("product_source_id").is_not_null()
    )
    assert dict(product_lines.select("source_id", "product_source_id").iter_rows()) == sold and sold
    assert product_lines["billable_item_source_id"].null_count() == product_lines.height

    # Patients with only the legacy `gender` (sex null) keep it as their sex, worded as recorded.
    legacy = {p["id"]: p["gender"] for p in _records(practice, "patients") if p["sex"] is None and p["gender"]}
    staged_legacy = clients.filter(pl.col("source_id").is_in(list(legacy)))
    assert legacy and staged_legacy.height == len(legacy)
    for row in staged_legacy.iter_rows(named=True):
        assert (row["sex"], row["sex_as_recorded"]) == (legacy[row["source_id"]].lower(), legacy[row["source_id"]])
