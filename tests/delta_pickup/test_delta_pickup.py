"""The migration workflow through Dagster on a real instance, against the Cliniko and Dataverse emulators:
trial from a dump → signoff → live through the Cliniko API → delta window: the practice keeps working
(a patient changed, one created, one deleted), the delta sensor requests one run, the run loads exactly
those changes (deleted → deactivated), the delta check passes, and a quiet source requests nothing."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster_defs import assert_run_succeeded, check_outcomes
from pipeline_helpers import ledger_writes
from workflow_runs import CHANGED_OCCUPATION, LIVE_CUSTOMER, WORKFLOW_TIMEOUT, WorkflowRuns

from customers import MigrationHome
from migration_assets.delta import DELTA_CHECK, DELTA_KEY, EXTRACT_KEY

pytestmark = pytest.mark.timeout(WORKFLOW_TIMEOUT)


def test_delta_window_from_live_load_to_verified_changes(workflow_runs: WorkflowRuns) -> None:
    """The runs are the shared session's (tests/helpers/workflow_runs.py: trial, signoff, live through the
    Cliniko API, the practice's changes, the delta sensor and run, in that order)."""
    runs = workflow_runs
    # Before any live load the window is closed: the sensor asks nothing.
    assert not runs.sensor["before_live"].run_requests
    for step in ("trial_stage", "signoff", "live_stage", "live_migrate", "delta"):
        assert_run_succeeded(runs.results[step])
    extracts = [e for e in runs.results["live_stage"].get_asset_materialization_events() if e.asset_key == EXTRACT_KEY]
    assert extracts
    # What the extraction had to work around is in the extract's metadata (ids only): nothing here.
    findings = extracts[0].materialization.metadata["extraction_findings"].value
    assert findings == {
        "settings_read_from": "settings",
        "missing_attachments": [],
        "attachments_processing": [],
        "sub_resource_errors": [],
    }
    live = runs.results["live_migrate"]
    assert all(check_outcomes(live).values()), {k: v for k, v in check_outcomes(live).items() if not v}
    # The post-migration checklist rolled the load's checks into one verdict and its report.
    assert check_outcomes(live)[("dynamics/post_migration", "passed")] is True
    reports = MigrationHome(runs.home).reports_dir(LIVE_CUSTOMER, "live")
    report = reports / f"load-{runs.results['live_migrate'].run_id}" / "post-migration.html"
    assert "PASSED" in report.read_text(encoding="utf-8")
    assert runs.contacts["after_live"]

    # The practice kept working during the window (a patient changed, one created, one deleted): one run.
    result = runs.sensor["after_changes"]
    assert len(result.run_requests) == 1, result.skip_reason
    request = result.run_requests[0]
    assert request.partition_key == dg.MultiPartitionKey({"customer": LIVE_CUSTOMER, "run": "live"})
    # The sensor names the job of the customer's system and target; launched whole, it ran the customer's
    # target (Dynamics) only.
    assert request.job_name == "cliniko_delta_pickup_dynamics"
    delta = runs.results["delta"]
    stepped = {e.asset_key.path[0] for e in delta.get_asset_materialization_events()}
    assert {"dynamics", "delta", "staged"} <= stepped and "gensolve" not in stepped
    checks = check_outcomes(delta)
    assert checks[(DELTA_KEY.to_user_string(), DELTA_CHECK)] is True
    assert checks[("dynamics/post_migration", "passed")] is True
    assert not _failing_errors(delta)
    # The deleted patient's appointments, notes and invoices are rejected (their parent is gone): a warning.
    assert {k for k, v in checks.items() if not v} <= {
        (f"staged/{entity}", "rejects")
        for entity in ("appointment", "clinical_note", "invoice", "invoice_line", "document", "communication")
    }

    changed, created, deleted = runs.changed_patient, runs.created_patient, runs.deleted_patient
    after = runs.contacts["after_delta"]
    assert after[f"cliniko:client:{changed}"]["jobtitle"] == CHANGED_OCCUPATION
    assert f"cliniko:client:{created}" in after
    assert after[f"cliniko:client:{deleted}"]["statecode"] == 1  # deactivated, as configured
    # Only the changes were sent: the ledger's writes of the delta run are the changed and the new patient,
    # and the only record created in the org is the new patient.
    ops = _ledger_ops(runs, delta.run_id)
    assert {k for k, op in ops if op in ("create", "update")} == {
        f"cliniko:client:{changed}",
        f"cliniko:client:{created}",
    }
    assert (f"cliniko:client:{deleted}", "deactivated") in ops
    before, stats = runs.dataverse_stats["before_delta"], runs.dataverse_stats["after_delta"]
    assert stats["records"]["created"] - before["records"]["created"] == 1

    # Nothing changed since: the next poll requests no run.
    quiet = runs.sensor["quiet"]
    assert not quiet.run_requests
    assert "no changes" in (quiet.skip_reason.skip_message if quiet.skip_reason else "")


def _ledger_ops(runs: WorkflowRuns, run_id: str) -> set[tuple[str, str]]:
    return ledger_writes(runs.home, LIVE_CUSTOMER, run_id)


def _failing_errors(result: dg.ExecuteInProcessResult) -> list[tuple[str, str]]:
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    return [
        (c.asset_key.to_user_string(), c.check_name)
        for c in evaluations
        if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
    ]
