"""Intrahealth Profile (SQL Server extract; SYNTHETIC, layout from the public Profile 7 scaffold): the
extract with defects runs through `profile_stage` as a real Dagster run with precision and recall 1.0 and
exact reconciliation; soft-deleted rows are not migrated and are counted; a patient Profile merged into
another is recorded as a merge; NHI is validated; alerts reach the client; the same tables exported by the
export wizard instead of bcp stage identically."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from pipeline_helpers import assert_defects_found, defect_findings, register_customer, run_pipeline, staged_frame
from stage_job_helpers import SMALL_PRACTICE_EXPECTED, staged_by_dagster

from sources.coverage import UNKNOWN_FILE, files_not_read
from sources.profile import SYSTEM
from synthetic.profile import write_profile_extract
from synthetic.template import TemplateSummary

CUSTOMER = "profile-nz"
# How each defect kind must be detected: (where, field or check, code or rule). The small practice's kinds
# on the tables Profile has (test_template_end_to_end.py), with Profile's raw column names, and its own.
PROFILE_EXPECTED = {
    **{k: v for k, v in SMALL_PRACTICE_EXPECTED.items() if k != "invoice_lines_mismatch"},
    "mojibake_text": ("issue", "ptnt_surname", "mojibake_repaired"),
    "placeholder_date": ("issue", "ptnt_dob", "placeholder_date"),
    "soft_deleted": ("reject", None, "deleted_in_source"),
    "merged_in_source": ("merge", None, "merged_in_source"),
}
# Provenance differs between the two styles (the wizard's header is line 1, its files are .csv).
_PROVENANCE = ["source_record", "_read_issues"]


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    practice = write_profile_extract(tmp_path_factory.mktemp("profile"), clients=40, seed=3)
    home = tmp_path_factory.mktemp("home-profile")
    with staged_by_dagster("profile", CUSTOMER, practice.out_dir, home, "NZ") as run:
        yield {"practice": practice, **run}


def _truth(practice: TemplateSummary, kind: str) -> list[str]:
    return [d["source_id"] for d in json.loads(practice.truth_file.read_text())["defects"] if d["kind"] == kind]


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    defects = json.loads(staged["practice"].truth_file.read_text())["defects"]
    assert {d["kind"] for d in defects} >= {"soft_deleted", "merged_in_source", "invalid_identifier"}
    assert_defects_found(defect_findings(staged["tables"]), defects, PROFILE_EXPECTED)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    failures = [e for e in staged["result"].all_events if e.is_step_failure]
    assert [e.event_specific_data.error.cls_name for e in failures] == ["DagsterAssetCheckFailedError"]
    reconciliation = staged["tables"]["check_result"].filter(pl.col("check_name") == "reconciliation")
    assert reconciliation.height and reconciliation["passed"].all(), reconciliation


def test_soft_deleted_rows_are_not_migrated_and_are_counted(staged: dict) -> None:
    deleted = staged["tables"]["rejects"].filter(pl.col("reason") == "deleted_in_source")
    assert sorted(deleted["source_id"].to_list()) == sorted(_truth(staged["practice"], "soft_deleted"))
    clients = staged_frame(staged["home"], CUSTOMER, "client")
    assert not set(deleted["source_id"].to_list()) & set(clients["source_id"].to_list())
    counts = staged_frame(staged["home"], CUSTOMER, "reconciliation")
    patient = counts.filter((pl.col("entity") == "client") & (pl.col("source_table") == "patient")).row(0, named=True)
    # Every delivered patient is accounted for: staged, merged or rejected (the deleted one among them).
    assert patient["considered"] == patient["staged"] + patient["merged"] + patient["rejected"]
    assert patient["rejected"] >= 1


def test_a_patient_profile_merged_is_recorded_as_a_merge_into_its_master(staged: dict) -> None:
    (merged_id,) = _truth(staged["practice"], "merged_in_source")
    merges = staged["tables"]["merges"].filter(pl.col("source_id") == merged_id)
    assert merges.select("rule", "survivor_id").rows() == [("merged_in_source", "profile:client:1001")]


def test_nhi_is_validated_and_alerts_reach_the_client(staged: dict) -> None:
    clients = staged_frame(staged["home"], CUSTOMER, "client")
    (invalid,) = _truth(staged["practice"], "invalid_identifier")
    assert clients.filter(pl.col("source_id") == invalid)["nhi"].to_list() == [None]
    valid = clients.filter(pl.col("nhi").is_not_null())
    assert valid.height > 30 and valid["nhi"].str.contains(r"^[A-Z]{3}\d{4}$").all()
    # Client 6's problem list holds an alert (type 7) and a diagnosis: only the alert is shown with bookings.
    assert clients.filter(pl.col("source_id") == "1006")["appointment_notes"].to_list() == ["Allergic to latex"]


def test_a_wizard_extract_of_the_same_tables_stages_identically(staged: dict, tmp_path: Path) -> None:
    wizard = write_profile_extract(tmp_path / "wizard", clients=40, seed=3, style="wizard", definitions="script")
    assert sorted(p.suffix for p in wizard.out_dir.iterdir() if p.stem.isupper()) == [".csv"] * 9
    home = tmp_path / "home"
    config = register_customer(home, "profile-wizard", wizard.out_dir, country="NZ", system="profile")
    run_pipeline(home, config)
    for entity in ("client", "appointment", "practitioner", "referrer", "site", "condition"):
        from_bcp = staged_frame(staged["home"], CUSTOMER, entity).drop(["customer_id", *_PROVENANCE], strict=False)
        from_wizard = staged_frame(home, "profile-wizard", entity).drop(["customer_id", *_PROVENANCE], strict=False)
        assert from_bcp.height and from_bcp.sort("canonical_id").equals(from_wizard.sort("canonical_id")), entity


def test_delivered_files_are_matched_to_their_tables_and_the_rest_reported(tmp_path: Path) -> None:
    extract = write_profile_extract(tmp_path / "x", clients=5, seed=1, defects=False)
    (extract.out_dir / "CDO_TRANS.dat").write_text("1\t2\r\n", encoding="ascii")
    (extract.out_dir / "dbo.ACC_CLAIM.dat").write_text("1\t2\r\n", encoding="ascii")
    not_read = {f.name: f.reason for f in files_not_read(extract.out_dir, SYSTEM)}
    # PATIENT.dat … are read as their resources; the CDO store is declared, an unknown table is reported.
    assert set(not_read) == {"CDO_TRANS.dat", "dbo.ACC_CLAIM.dat"}
    assert "not public" in not_read["CDO_TRANS.dat"] and not_read["dbo.ACC_CLAIM.dat"] == UNKNOWN_FILE
