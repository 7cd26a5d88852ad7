"""PPMP (AU; SYNTHETIC, ASSUMED layout): the PMPDATA extract (bcp files typed by a CREATE TABLE script) and
the shared PPMP folder with defects run through `ppmp_stage` as a real Dagster run with precision and recall
1.0 and exact reconciliation; the letters in the shared folder become documents with their bytes verified."""

from __future__ import annotations

import json
from collections.abc import Iterator

import polars as pl
import pytest
from pipeline_helpers import assert_defects_found, defect_findings, staged_frame
from stage_job_helpers import SMALL_PRACTICE_EXPECTED, staged_by_dagster

from synthetic.ppmp import write_ppmp_extract

CUSTOMER = "ppmp-au"
# How each defect kind must be detected: (where, field or check, code or rule); raw read issues name the
# extract's columns (Surname, DOB).
PPMP_EXPECTED = {
    **SMALL_PRACTICE_EXPECTED,
    "invalid_identifier": ("issue", "medicare_number", "invalid_identifier"),
    "mojibake_text": ("issue", "surname", "mojibake_repaired"),
    "placeholder_date": ("issue", "dob", "placeholder_date"),
}


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    practice = write_ppmp_extract(tmp_path_factory.mktemp("ppmp"), clients=40, seed=3)
    home = tmp_path_factory.mktemp("home-ppmp")
    with staged_by_dagster("ppmp", CUSTOMER, practice.out_dir, home, "AU") as run:
        yield {"practice": practice, **run}


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    defects = json.loads(staged["practice"].truth_file.read_text())["defects"]
    assert len(defects) == len(PPMP_EXPECTED)
    assert_defects_found(defect_findings(staged["tables"]), defects, PPMP_EXPECTED)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    failures = [e for e in staged["result"].all_events if e.is_step_failure]
    assert [e.event_specific_data.error.cls_name for e in failures] == ["DagsterAssetCheckFailedError"]
    reconciliation = staged["tables"]["check_result"].filter(pl.col("check_name") == "reconciliation")
    assert reconciliation.height and reconciliation["passed"].all(), reconciliation


def test_letters_in_the_shared_folder_become_documents_with_verified_bytes(staged: dict) -> None:
    documents = staged_frame(staged["home"], CUSTOMER, "document")
    assert documents.height == 4  # every tenth of 40 clients has a referral letter
    assert documents["storage_uri"].str.contains("/PPMP/Letters/referral-").all()
    assert (documents["size_bytes"] > 0).all() and documents["sha256"].str.len_chars().eq(64).all()


def test_money_is_exact_and_times_are_localised_in_the_site_zone(staged: dict) -> None:
    invoices = staged_frame(staged["home"], CUSTOMER, "invoice")
    assert str(invoices.filter(pl.col("source_id") == "200001")["total_amount"][0]) == "90.00"
    appointments = staged_frame(staged["home"], CUSTOMER, "appointment")
    first = appointments.filter(pl.col("source_id") == "11").row(0, named=True)
    # Client 1's first visit: 09:00 + 1 h local on 3 March 2026 in Sydney (UTC+11, daylight saving).
    assert first["time_zone"] == "Australia/Sydney" and str(first["starts_local"]).startswith("2026-03-03 10:00")
