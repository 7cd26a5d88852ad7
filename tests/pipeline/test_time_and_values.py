"""Wall-clock times across DST in three zones, 19-digit ids and Decimal money, end to end."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from pipeline_helpers import register_customer, run_pipeline, site_zones_from_truth, staged_frame

from synthetic import GenerationSummary


@pytest.mark.parametrize("country", ["NZ", "AU", "UK"])
def test_appointments_on_dst_change_days_keep_their_local_time(
    country: str, clean_practices: dict[str, GenerationSummary], migration_home: Path
) -> None:
    practice = clean_practices[country]
    truth = json.loads(practice.truth_file.read_text())
    config = register_customer(
        migration_home,
        f"dst-{country.lower()}",
        practice.out_dir,
        country=country,
        site_zones=site_zones_from_truth(truth),
    )
    run_pipeline(migration_home, config)
    staged = staged_frame(migration_home, f"dst-{country.lower()}", "appointment")
    dst_days = truth["dst_days"]
    assert {d["kind"] for d in dst_days} == {"dst_start", "dst_end"}, "both directions must be exercised"
    by_id = {
        r["source_id"]: r
        for r in staged.filter(pl.col("source_id").is_in([d["source_id"] for d in dst_days])).iter_rows(named=True)
    }
    for day in dst_days:
        row = by_id[day["source_id"]]
        expected_local = datetime.fromisoformat(day["local_start"])
        assert row["time_zone"] == day["time_zone"]
        assert row["starts_local"] == expected_local, day
        # Round trip: the UTC instant, read back in the site's zone, is the same wall time.
        assert row["starts_at"].astimezone(ZoneInfo(row["time_zone"])).replace(tzinfo=None) == expected_local
        assert expected_local.hour == 9 and expected_local.minute == 0


def test_clean_practices_pass_every_check(clean_practices: dict[str, GenerationSummary], migration_home: Path):
    """Negative control: a practice without defects gives no finding at all."""
    practice = clean_practices["AU"]
    truth = json.loads(practice.truth_file.read_text())
    config = register_customer(
        migration_home, "clean-au", practice.out_dir, country="AU", site_zones=site_zones_from_truth(truth)
    )
    outcome = run_pipeline(migration_home, config)
    failing = [(r.key, r.outcome.breakdown) for r in outcome.results if not r.passed]
    assert failing == []
    assert staged_frame(migration_home, "clean-au", "rejects").height == 0


def test_dst_gap_times_are_reported_not_shifted(defective_practice: GenerationSummary, migration_home: Path) -> None:
    truth = json.loads(defective_practice.truth_file.read_text())
    gaps = {d["source_id"] for d in truth["defects"] if d["kind"] == "dst_gap_appointment"}
    config = register_customer(migration_home, "gaps", defective_practice.out_dir)
    run_pipeline(migration_home, config)
    rejects = staged_frame(migration_home, "gaps", "rejects").filter(pl.col("reason") == "dst_gap")
    assert set(rejects["source_id"]) == gaps and set(rejects["entity"]) == {"appointment"}
    assert not set(staged_frame(migration_home, "gaps", "appointment")["source_id"]) & gaps
    assert all("daylight-saving gap" in m for m in rejects["message"])


def test_nineteen_digit_ids_and_decimal_money_survive(defective_practice: GenerationSummary, migration_home: Path):
    config = register_customer(migration_home, "values", defective_practice.out_dir)
    run_pipeline(migration_home, config)
    raw_invoices = [
        json.loads(line) for line in Path(defective_practice.out_dir, "invoices.ndjson").read_text().splitlines()
    ]
    staged = staged_frame(migration_home, "values", "invoice")
    assert staged.schema["total_amount"] == pl.Decimal(18, 2)
    by_id = {r["source_id"]: r for r in staged.iter_rows(named=True)}
    for record in raw_invoices:
        assert len(record["id"]) == 19 and int(record["id"]) > 2**53  # a float would corrupt it
        row = by_id[record["id"]]
        assert row["canonical_id"] == f"cliniko:invoice:{record['id']}"
        assert row["total_amount"] == Decimal(record["total_amount"])
        assert isinstance(row["total_amount"], Decimal)
    patient_ids = {
        json.loads(line)["id"]
        for line in Path(defective_practice.out_dir, "patients.ndjson")
        .read_bytes()
        .decode("utf-8", "replace")
        .splitlines()
    }
    clients = staged_frame(migration_home, "values", "client")
    assert set(clients["source_id"]) <= patient_ids
