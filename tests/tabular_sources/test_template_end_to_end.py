"""The generic template end to end: a SYNTHETIC practice filled into the template (as one XLSX workbook,
and as CSV files) with injected defects runs through validate → raw → staged → checks as a real Dagster
run of `template_stage`; every defect is caught as expected and no clean record is flagged (precision =
recall = 1.0), and every delivered row reconciles."""

from __future__ import annotations

import json
from collections.abc import Iterator

import dagster as dg
import polars as pl
import pytest
from pipeline_helpers import assert_defects_found, defect_findings, register_customer, staged_outcome_tables

from migration_assets.definitions import defs
from migration_assets.partitions import add_customer_partition
from sources.template.workbook import validate_template
from synthetic.template import DEFECT_KINDS, TemplateSummary, write_filled_template

# How each defect kind must be detected: (where, field or check, code or rule).
EXPECTED: dict[str, tuple[str, str | None, str | None]] = {
    "invalid_email": ("issue", "email", "invalid_email"),
    "invalid_phone": ("issue", "mobile_phone", "invalid_phone"),
    "invalid_identifier": ("issue", "nhi", "invalid_identifier"),
    "future_date_of_birth": ("check", "birth_dates", "date_of_birth:in_future"),
    "no_contact_method": ("check", "contact_method", "no_email_or_phone"),
    "duplicate_client": ("merge", None, None),
    "mojibake_text": ("issue", "last_name", "mojibake_repaired"),
    "placeholder_date": ("issue", "date_of_birth", "placeholder_date"),
    "orphan_appointment": ("reject", "client_id", "missing_reference"),
    "dst_gap_appointment": ("reject", "starts_at", "dst_gap"),
    "ends_before_start": ("check", "times", "ends_before_start"),
    "invoice_lines_mismatch": ("check", "lines_sum", "total_differs_from_lines"),
}


@pytest.fixture(scope="module", params=["xlsx", "csv"])
def staged(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    fmt = request.param
    practice = write_filled_template(tmp_path_factory.mktemp(f"template-{fmt}"), clients=40, seed=3, fmt=fmt)
    home = tmp_path_factory.mktemp(f"home-template-{fmt}")
    customer = f"template-{fmt}"
    with pytest.MonkeyPatch.context() as patch, dg.instance_for_test() as instance:
        patch.setenv("MIGRATION_HOME", str(home))
        register_customer(home, customer, practice.out_dir, system="template")
        add_customer_partition(instance, customer)
        result = (
            defs()
            .resolve_job_def("template_stage")
            .execute_in_process(
                partition_key=dg.MultiPartitionKey({"customer": customer, "run": "trial"}),
                instance=instance,
                raise_on_error=False,
            )
        )
        yield {"practice": practice, "result": result, "tables": staged_outcome_tables(home, customer)}


def test_the_filled_template_validates_except_for_its_orphan_appointment(staged: dict) -> None:
    practice: TemplateSummary = staged["practice"]
    defects = json.loads(practice.truth_file.read_text())["defects"]
    orphan = next(d["source_id"] for d in defects if d["kind"] == "orphan_appointment")
    problems = validate_template(practice.out_dir)
    # Validation names the cells a person fixes in the template (here the appointment whose client does
    # not exist); bad emails, duplicates and the like are the approval checks' business.
    assert len(problems) == 1, problems
    where = "appointments.csv: line" if practice.out_dir.joinpath("clients.csv").exists() else "#appointments: row"
    assert where in problems[0]
    assert problems[0].endswith("column 'client_id': expected the id of a row of clients")
    assert orphan not in problems[0]  # the message names where, never a value


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    practice: TemplateSummary = staged["practice"]
    defects = json.loads(practice.truth_file.read_text())["defects"]
    assert {d["kind"] for d in defects} == set(DEFECT_KINDS) == set(EXPECTED)
    assert_defects_found(defect_findings(staged["tables"]), defects, EXPECTED)


def test_the_run_stages_everything_and_blocks_only_on_failed_checks(staged: dict) -> None:
    result = staged["result"]
    assert not result.success  # the injected defects include ERROR findings
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.event_specific_data.error.cls_name for e in failures] == ["DagsterAssetCheckFailedError"]


def test_every_delivered_row_reconciles(staged: dict) -> None:
    results = staged["tables"]["check_result"]
    reconciliation = results.filter(pl.col("check_name") == "reconciliation")
    assert reconciliation.height and reconciliation["passed"].all(), reconciliation
    evaluations = [
        e.event_specific_data
        for e in staged["result"].all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.asset_key.path[0] == "raw_template"
    ]
    assert len(evaluations) == 11 and all(e.passed for e in evaluations)  # no undeclared column in any table
