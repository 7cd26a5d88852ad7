"""No personal value anywhere Dagster keeps what a run did, for every job (issue 23 item 4): stage (trial from a
dump, live through the Cliniko API), signoff (given and refused), `dynamics_migrate` (loaded, and refused by the
gate), `delta_pickup`, `dynamics_rollback`, `gensolve_migrate` — the shared session's runs
(tests/helpers/workflow_runs.py) over a clean practice and one with every defect kind (invalid e-mails and
phones, malformed identifiers, dates of birth in the future, mis-encoded names).

Looked for: every personal value of both practices and of the patient created during the delta window
(tests/helpers/privacy_helpers.py: names, e-mails, phones, dates of birth in the forms they print, health
identifiers, addresses, note, message, case and attachment text). Looked in: every file of the instance (event
log with materialisation and check metadata, run-failure and step-failure events, run storage, the compute
logs holding the steps' captured stdout/stderr) and every event as the instance serves it.
"""

from __future__ import annotations

import dagster as dg
import pytest
from privacy_helpers import instance_files, leaks, personal_values
from workflow_runs import CREATED_PATIENT, DEFECTS_CUSTOMER, WORKFLOW_TIMEOUT, WorkflowRuns

from customers import MigrationHome
from store import TableRef, Warehouse, read_partition

EXPECTED_OUTCOME = {
    "trial_stage": True,
    "signoff": True,
    "live_stage": True,
    "live_migrate": True,
    "delta": True,
    "rollback": True,
    "defects_stage": False,  # its ERROR checks fail, blocking the staging step
    "defects_signoff": False,  # its trial has failing ERROR checks
    "defects_live_migrate": False,  # no signoff: the live gate fails the step
    "defects_gensolve": True,
}
pytestmark = pytest.mark.timeout(WORKFLOW_TIMEOUT)


@pytest.fixture(scope="module")
def values(workflow_runs: WorkflowRuns) -> set[str]:
    created = {v for k, v in CREATED_PATIENT.items() if k != "first_name"}
    return personal_values(workflow_runs.live_dump) | personal_values(workflow_runs.defects_dump) | created


Kind = dg.DagsterEventType


def _events(result: dg.ExecuteInProcessResult, kind: dg.DagsterEventType) -> list[dg.DagsterEvent]:
    return [e for e in result.all_events if e.event_type == kind]


def test_every_job_ran_as_the_scan_needs(workflow_runs: WorkflowRuns, values: set[str]) -> None:
    """The scan means something only if every job ran, failed where intended and wrote what is scanned."""
    results = workflow_runs.results
    failures = {name: [str(e.message) for e in _events(r, Kind.STEP_FAILURE)] for name, r in results.items()}
    assert {name: r.success for name, r in results.items()} == EXPECTED_OUTCOME, failures
    jobs = {r.job_def.name for r in results.values()}
    assert {
        "cliniko_stage",
        "trial_signoff_job",
        "dynamics_migrate",
        "cliniko_delta_pickup_dynamics",
        "dynamics_rollback",
    } <= jobs
    assert "gensolve_migrate" in jobs
    for name in ("defects_stage", "defects_signoff", "defects_live_migrate"):
        assert _events(results[name], Kind.STEP_FAILURE) and _events(results[name], Kind.RUN_FAILURE), name
    # Check results with findings (the defects' invalid e-mails and phones flagged) are part of what is scanned.
    failed_checks = [e.event_specific_data for e in _events(results["defects_stage"], Kind.ASSET_CHECK_EVALUATION)]
    assert sum(not c.passed for c in failed_checks) >= 5
    # The rollback undid every load: the org holds none of the migration's contacts any more.
    assert workflow_runs.contacts["after_live"] and workflow_runs.contacts["after_rollback"] == {}
    files = instance_files(workflow_runs.instance_root)
    # Every run's captured stdout/stderr is among the files scanned (storage/<run id>/compute_logs/…).
    captured = {path.split("/compute_logs/")[0].rsplit("/", 1)[1] for path in files if "/compute_logs/" in path}
    assert captured >= {r.run_id for r in results.values()}
    assert set(workflow_runs.event_log) >= {r.run_id for r in results.values()}
    assert len(values) > 5000
    assert {"invalid_email", "invalid_phone"} <= _issue_codes(workflow_runs)


def _issue_codes(workflow_runs: WorkflowRuns) -> set[str]:
    """The field-issue codes the defective practice's staging reported (so its invalid values were seen)."""
    warehouse = Warehouse.for_customer(MigrationHome(workflow_runs.home).customer_dir(DEFECTS_CUSTOMER))
    with warehouse.connect(read_only=True) as con:
        return set(read_partition(con, TableRef("staged", "field_issues"), "trial")["code"].to_list())


def test_no_personal_value_in_any_file_of_the_instance(workflow_runs: WorkflowRuns, values: set[str]) -> None:
    found = leaks(values, instance_files(workflow_runs.instance_root))
    assert not found, f"{len(found)} personal values in the instance's files, e.g. {sorted(found)[:3]}"


def test_no_personal_value_in_any_event_the_instance_serves(workflow_runs: WorkflowRuns, values: set[str]) -> None:
    found = leaks(values, workflow_runs.event_log)
    assert not found, f"{len(found)} personal values in events, e.g. {sorted(found)[:3]}"
