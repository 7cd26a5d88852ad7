"""A generated practice with defects, run as a real Dagster run: every injected defect is caught by
the expected check or reject reason, and no clean record is flagged (precision = recall = 1.0)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from workflow_runs import DEFECTS_CUSTOMER as CUSTOMER
from workflow_runs import WORKFLOW_TIMEOUT, WorkflowRuns

from customers import MigrationHome
from store import TableRef, Warehouse, read_partition
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
}
# Checks whose findings restate the tables above; counted once, from the tables.
_RESTATING = {"rejects", "field_issues", "duplicates"}


@pytest.fixture(scope="module")
def run_outputs(workflow_runs: WorkflowRuns) -> dict:
    """The defective practice's `cliniko_stage` run of the shared session (tests/helpers/workflow_runs.py)."""
    result = workflow_runs.results["defects_stage"]
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    warehouse = Warehouse.for_customer(MigrationHome(workflow_runs.home).customer_dir(CUSTOMER))
    with warehouse.connect(read_only=True) as con:
        tables = {
            name: read_partition(con, TableRef(schema, name), "trial")
            for schema, name in [
                ("staged", "rejects"),
                ("staged", "field_issues"),
                ("staged", "merges"),
                ("audit", "check_finding"),
                ("audit", "check_result"),
            ]
        }
    return {"result": result, "evaluations": evaluations, "tables": tables, "home": workflow_runs.home}


def _findings(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every flagged (entity, source id) with how it was flagged. Rows exploded out of a record
    (custom field values of a patient) are attributed to that record."""
    parts = [
        tables["rejects"].select(
            "entity",
            "source_id",
            pl.lit("reject").alias("kind"),
            pl.col("field").alias("what"),
            pl.col("reason").alias("code"),
        ),
        tables["field_issues"].select(
            "entity", "source_id", pl.lit("issue").alias("kind"), pl.col("field").alias("what"), "code"
        ),
        tables["merges"].select(
            "entity",
            "source_id",
            pl.lit("merge").alias("kind"),
            pl.lit(None, dtype=pl.String).alias("what"),
            pl.col("rule").alias("code"),
        ),
        tables["check_finding"]
        .filter(~pl.col("check_name").is_in(list(_RESTATING)))
        .select(
            "entity",
            "source_id",
            pl.lit("check").alias("kind"),
            pl.col("check_name").alias("what"),
            pl.col("detail").alias("code"),
        ),
    ]
    found = pl.concat(parts)
    derived = pl.col("entity") == "custom_field_value"
    return found.with_columns(
        pl.when(derived).then(pl.lit("client")).otherwise(pl.col("entity")).alias("entity"),
        pl.when(derived)
        .then(pl.col("source_id").str.split("/").list.first())
        .otherwise(pl.col("source_id"))
        .alias("source_id"),
    )


def test_run_reaches_checklist_and_blocks_on_errors(run_outputs: dict) -> None:
    result = run_outputs["result"]
    # The injected defects include ERROR findings, so the blocking checks fail the staging step…
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.event_specific_data.error.cls_name for e in failures] == ["DagsterAssetCheckFailedError"]
    # … after every entity was staged and every check evaluated for this partition.
    evaluations = run_outputs["evaluations"]
    assert evaluations and {e.partition for e in evaluations} == {f"{CUSTOMER}|trial"}
    staged = [e for e in evaluations if e.asset_key.path[0] == "staged"]
    assert len(staged) == run_outputs["tables"]["check_result"].height
    assert {e.check_name for e in evaluations if e.asset_key.path[0] == "raw_cliniko"} == {"undeclared_fields"}
    assert (run_outputs["home"] / "customers" / CUSTOMER / "reports" / "trial" / "approval-report.html").exists()


def test_every_defect_caught_and_nothing_clean_flagged(run_outputs: dict, defective_practice: GenerationSummary):
    truth = json.loads(defective_practice.truth_file.read_text())
    defects = truth["defects"]
    assert {d["kind"] for d in defects} == set(EXPECTED), "the generator must inject every kind"
    found = _findings(run_outputs["tables"])
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
