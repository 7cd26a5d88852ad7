"""Front Desk desktop (AU; Smartsoft's decrypted export; SYNTHETIC, ASSUMED layout): the export wizard's CSV
files with an INFORMATION_SCHEMA export, with defects, run through `frontdesk_stage` as a real Dagster run
with precision and recall 1.0 and exact reconciliation."""

from __future__ import annotations

import json
from collections.abc import Iterator

import polars as pl
import pytest
from pipeline_helpers import assert_defects_found, defect_findings, staged_frame
from stage_job_helpers import SMALL_PRACTICE_EXPECTED, staged_by_dagster

from synthetic.frontdesk import write_frontdesk_export

CUSTOMER = "frontdesk-au"
FRONTDESK_EXPECTED = {
    **SMALL_PRACTICE_EXPECTED,
    "invalid_identifier": ("issue", "medicare_number", "invalid_identifier"),
    "mojibake_text": ("issue", "surname", "mojibake_repaired"),
    "placeholder_date": ("issue", "date_of_birth", "placeholder_date"),
}


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    practice = write_frontdesk_export(tmp_path_factory.mktemp("frontdesk"), clients=40, seed=3)
    home = tmp_path_factory.mktemp("home-frontdesk")
    with staged_by_dagster("frontdesk", CUSTOMER, practice.out_dir, home, "AU") as run:
        yield {"practice": practice, **run}


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    defects = json.loads(staged["practice"].truth_file.read_text())["defects"]
    assert len(defects) == len(FRONTDESK_EXPECTED)
    assert_defects_found(defect_findings(staged["tables"]), defects, FRONTDESK_EXPECTED)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    failures = [e for e in staged["result"].all_events if e.is_step_failure]
    assert [e.event_specific_data.error.cls_name for e in failures] == ["DagsterAssetCheckFailedError"]
    reconciliation = staged["tables"]["check_result"].filter(pl.col("check_name") == "reconciliation")
    assert reconciliation.height and reconciliation["passed"].all(), reconciliation


def test_the_wizard_files_stage_every_entity_the_export_holds(staged: dict) -> None:
    for entity in ("site", "practitioner", "referrer", "client", "appointment", "clinical_note", "payment"):
        assert staged_frame(staged["home"], CUSTOMER, entity).height, entity
    clients = staged_frame(staged["home"], CUSTOMER, "client")
    assert set(clients["sex"].drop_nulls()) == {"female", "male"}  # "Female"/"Male" as the export writes them
