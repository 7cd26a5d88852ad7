"""A Core Plus practice with one defect of each kind (synthetic/coreplus.py DEFECT_KINDS: the neutral small practice's
kinds the API can deliver and the writer's own `unmapped_status`; ground truth written beside the practice) taken
through the API by a real `coreplus_stage` Dagster run: precision and recall 1.0 against the ground truth, and every
delivered row reconciles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest
from coreplus_helpers import register_api_customer
from dagster_defs import REPOSITORY
from pipeline_helpers import assert_defects_found, defect_findings, staged_outcome_tables

from emulators.launcher import start_emulators
from migration_assets.partitions import add_customer_partition
from synthetic.coreplus import (
    DEFECT_KINDS,
    NOT_DELIVERABLE,
    TRUTH_FILE,
    UNMAPPED_STATUS,
    write_export,
    write_practice,
)

pytestmark = pytest.mark.timeout(1200)
CUSTOMER = "coreplus-defects"
EXPECTED: dict[str, tuple[str, str | None, str | None]] = {
    "invalid_email": ("issue", "email", "invalid_email"),
    "invalid_phone": ("issue", "mobile_phone", "invalid_phone"),
    "invalid_identifier": ("issue", "medicare_number", "invalid_identifier"),
    "future_date_of_birth": ("check", "birth_dates", "date_of_birth:in_future"),
    "no_contact_method": ("check", "contact_method", "no_email_or_phone"),
    "duplicate_client": ("merge", None, None),
    "mojibake_text": ("issue", "last_name", "mojibake_repaired"),  # neutral: "Mülle<n>" read as cp1252
    "orphan_appointment": ("reject", "client_id", "missing_reference"),
    "unmapped_status": ("reject", "status", "unmapped_value"),  # status is required: rejected, never guessed
    "ends_before_start": ("check", "times", "ends_before_start"),
}


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("coreplus-defects")
    practice = write_practice(work / "practice.json", defects=True, clients=20, seed=3)
    home = work / "home"
    (work / "instance").mkdir()
    served = work / "practice.json"
    with (
        start_emulators(dataverse=False, entra=False, coreplus=True, coreplus_practice=served) as running,
        pytest.MonkeyPatch.context() as patch,
        dg.instance_for_test(temp_dir=str(work / "instance")) as instance,
    ):
        register_api_customer(home, running, CUSTOMER, practice, patch)
        add_customer_partition(instance, CUSTOMER)
        result = REPOSITORY.get_job("coreplus_stage").execute_in_process(
            partition_key=dg.MultiPartitionKey({"customer": CUSTOMER, "run": "trial"}),
            instance=instance,
            raise_on_error=False,
        )
        yield {
            "truth": json.loads((work / TRUTH_FILE).read_text(encoding="utf-8")),
            "result": result,
            "tables": staged_outcome_tables(home, CUSTOMER),
        }


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict[str, Any]) -> None:
    truth = staged["truth"]
    assert truth["synthetic"].startswith("SYNTHETIC")
    assert {d["kind"] for d in truth["defects"]} == set(DEFECT_KINDS) == set(EXPECTED)
    assert_defects_found(defect_findings(staged["tables"]), truth["defects"], EXPECTED)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict[str, Any]) -> None:
    result = staged["result"]
    failures = [e for e in result.all_events if e.is_step_failure]
    # The injected defects include ERROR findings (a future birth date, an appointment ending before it starts).
    assert failures and {e.event_specific_data.error.cls_name for e in failures} == {"DagsterAssetCheckFailedError"}
    reconciliation = staged["tables"]["check_result"].filter(pl.col("check_name") == "reconciliation")
    assert reconciliation.height and reconciliation["passed"].all(), reconciliation


def test_the_ground_truth_names_records_the_practice_holds(tmp_path: Path) -> None:
    practice = write_practice(tmp_path / "practice.json", defects=True, clients=12, seed=1)
    truth = json.loads((tmp_path / TRUTH_FILE).read_text(encoding="utf-8"))
    ids = {c["clientId"] for c in practice["clients"]} | {a["appointmentId"] for a in practice["appointments"]}
    assert all(d["source_id"] in ids for d in truth["defects"])
    assert len({d["source_id"] for d in truth["defects"]}) == len(DEFECT_KINDS)  # one record, one defect
    assert not {d["kind"] for d in truth["defects"]} & NOT_DELIVERABLE
    # The neutral practice's 12 clients and the copy of one (duplicate_client); 2 visits each and the 4 DST-day
    # visits of clients 1-4, less the visit at a time Sydney's clock skipped (dst_gap_appointment: not written).
    assert len(practice["clients"]) == 13
    assert len(practice["appointments"]) == 12 * 2 + 4 - 1
    [unmapped] = [d["source_id"] for d in truth["defects"] if d["kind"] == "unmapped_status"]
    assert next(a for a in practice["appointments"] if a["appointmentId"] == unmapped)["status"] == UNMAPPED_STATUS
    # Its note would be rejected with it: the export leaves it out, so the defect is the appointment's alone.
    notes = write_export(tmp_path / "export", defects=True, clients=12, seed=1)["clinical_notes"]
    assert unmapped not in {n["appointment_id"] for n in notes} and notes
