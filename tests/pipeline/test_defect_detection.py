"""A generated practice with defects, run as a real Dagster run (the shared session's,
tests/helpers/workflow_runs.py): every injected defect is caught by the expected check or reject reason, and no
clean record is flagged (precision = recall = 1.0)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from pipeline_helpers import defect_findings, staged_outcome_tables
from workflow_runs import DEFECTS_CUSTOMER as CUSTOMER
from workflow_runs import WORKFLOW_TIMEOUT, WorkflowRuns

from synthetic import GenerationSummary

pytestmark = pytest.mark.timeout(WORKFLOW_TIMEOUT)

# How each defect kind must be detected: (where, field or check, code or rule).
EXPECTED: dict[str, tuple[str, str | None, str | None]] = {
    "invalid_email": ("issue", "email", "invalid_email"),
    "invalid_phone": ("issue", "mobile_phone", "invalid_phone"),
    "duplicate_client": ("merge", None, None),
    "orphan_appointment": ("reject", "client_id", "missing_reference"),
    "future_date_of_birth": ("check", "birth_dates", "date_of_birth:in_future"),
    "cp1252_text": ("issue", None, "encoding_repaired"),
    "mojibake_text": ("issue", None, "mojibake_repaired"),
    "dst_gap_appointment": ("reject", "starts_at", "dst_gap"),
    "ends_before_start": ("check", "times", "ends_before_start"),
    "invoice_lines_mismatch": ("check", "lines_sum", "total_differs_from_lines"),
    "invalid_identifier": ("issue", "nhi", "invalid_identifier"),
    "no_contact_method": ("check", "contact_method", "no_email_or_phone"),
    # Merged inside Cliniko (archived, merged_with_patient): merged into the patient it names, by that rule alone.
    "merged_in_source": ("merge", None, "merged_in_source"),
}


@pytest.fixture(scope="module")
def run_outputs(workflow_runs: WorkflowRuns) -> dict:
    """The defective practice's `cliniko_stage` run of the shared session (tests/helpers/workflow_runs.py)."""
    result = workflow_runs.results["defects_stage"]
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    tables = staged_outcome_tables(workflow_runs.home, CUSTOMER)
    return {"result": result, "evaluations": evaluations, "tables": tables, "home": workflow_runs.home}


def test_run_reaches_checklist_and_blocks_on_errors(run_outputs: dict) -> None:
    result = run_outputs["result"]
    # The injected defects include ERROR findings, so the blocking checks fail the staging step…
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.event_specific_data.error.cls_name for e in failures] == ["DagsterAssetCheckFailedError"]
    # … after every entity was staged and every check evaluated for this partition.
    evaluations = run_outputs["evaluations"]
    assert evaluations and {e.partition for e in evaluations} == {f"{CUSTOMER}|trial"}
    # Entities only another system provides (the template's payments) are reported without a check run.
    staged = [e for e in evaluations if e.asset_key.path[0] == "staged" and "provided_by_source" not in e.metadata]
    assert len(staged) == run_outputs["tables"]["check_result"].height
    assert {e.check_name for e in evaluations if e.asset_key.path[0] == "raw_cliniko"} == {"undeclared_fields"}
    assert (
        run_outputs["home"] / "customers" / CUSTOMER / "reports" / "trial" / "iteration-001" / "approval-report.html"
    ).exists()


def test_every_defect_caught_and_nothing_clean_flagged(run_outputs: dict, defective_practice: GenerationSummary):
    truth = json.loads(defective_practice.truth_file.read_text())
    defects = truth["defects"]
    assert {d["kind"] for d in defects} == set(EXPECTED), "the generator must inject every kind"
    found = defect_findings(run_outputs["tables"])
    expected_keys = {(d["entity"], d["source_id"]) for d in defects}
    flagged_keys = set(found.select("entity", "source_id").unique().iter_rows())
    missed = expected_keys - flagged_keys
    false_positives = flagged_keys - expected_keys
    assert not missed, f"recall < 1: {len(missed)} injected defects not caught, e.g. {sorted(missed)[:5]}"
    assert not false_positives, (
        f"precision < 1: {len(false_positives)} clean records flagged, e.g. {sorted(false_positives)[:5]}"
    )
    by_key = {key: group for key, group in found.group_by("entity", "source_id")}
    for defect in defects:
        kind, what, code = EXPECTED[defect["kind"]]
        rows = by_key[(defect["entity"], defect["source_id"])]
        matching = rows.filter(pl.col("kind") == kind)
        if what is not None:
            matching = matching.filter(pl.col("what") == what)
        if code is not None:
            matching = matching.filter(pl.col("code") == code)
        assert matching.height, (
            f"{defect['kind']} {defect['source_id']} flagged, but not as {(kind, what, code)}: "
            f"{rows.select('kind', 'what', 'code').rows()}"
        )


def test_metadata_carries_counts_and_ids_only(run_outputs: dict, defective_practice: GenerationSummary) -> None:
    """No personal value reaches Dagster: check metadata is counts, rule names and canonical ids."""
    patients = Path(defective_practice.out_dir, "patients.ndjson").read_bytes().decode("utf-8", "replace")
    names = {json.loads(line)["last_name"] for line in patients.splitlines()[:50] if '"last_name"' in line}
    for evaluation in run_outputs["evaluations"]:
        text = json.dumps({k: str(v.value) for k, v in evaluation.metadata.items()}) + str(evaluation.description)
        assert not any(name and name in text for name in names)
