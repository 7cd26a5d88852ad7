"""MedTech (NZ; Medtech32 on InterBase; SYNTHETIC, ASSUMED layout): a vendor extract — CSV files with a
header beside InterBase `isql -x` DDL — with defects runs through `medtech_stage` as a real Dagster run with
precision and recall 1.0 and exact reconciliation; InterBase's types type the raw columns."""

from __future__ import annotations

import json
from collections.abc import Iterator

import polars as pl
import pytest
from pipeline_helpers import assert_defects_found, defect_findings, staged_frame
from stage_job_helpers import SMALL_PRACTICE_EXPECTED, staged_by_dagster

from customers import MigrationHome
from store import Warehouse
from synthetic.medtech import write_medtech_extract

CUSTOMER = "medtech-nz"
MEDTECH_EXPECTED = {
    **SMALL_PRACTICE_EXPECTED,
    "mojibake_text": ("issue", "family_name", "mojibake_repaired"),
    "placeholder_date": ("issue", "dob", "placeholder_date"),
}


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    practice = write_medtech_extract(tmp_path_factory.mktemp("medtech"), clients=40, seed=3)
    home = tmp_path_factory.mktemp("home-medtech")
    with staged_by_dagster("medtech", CUSTOMER, practice.out_dir, home, "NZ") as run:
        yield {"practice": practice, **run}


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    defects = json.loads(staged["practice"].truth_file.read_text())["defects"]
    assert len(defects) == len(MEDTECH_EXPECTED)
    assert_defects_found(defect_findings(staged["tables"]), defects, MEDTECH_EXPECTED)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    failures = [e for e in staged["result"].all_events if e.is_step_failure]
    assert [e.event_specific_data.error.cls_name for e in failures] == ["DagsterAssetCheckFailedError"]
    reconciliation = staged["tables"]["check_result"].filter(pl.col("check_name") == "reconciliation")
    assert reconciliation.height and reconciliation["passed"].all(), reconciliation


def test_interbase_types_type_the_raw_columns_and_notes_stage(staged: dict) -> None:
    warehouse = Warehouse.for_customer(MigrationHome(staged["home"]).customer_dir(CUSTOMER))
    with warehouse.connect(read_only=True) as con:
        types = dict(con.execute("select column_name, column_type from (describe raw_medtech.appointment)").fetchall())
        flags = dict(con.execute("select column_name, column_type from (describe raw_medtech.patient)").fetchall())
    assert types["appt_start"] == "TIMESTAMP" and flags["inactive"] == "BOOLEAN" and flags["dob"] == "DATE"
    notes = staged_frame(staged["home"], CUSTOMER, "clinical_note")
    assert notes.height > 60 and notes["body_text"].str.contains("range of motion").all()
