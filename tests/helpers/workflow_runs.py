"""Every job of the code location, run once on one real temporary Dagster instance (the session fixture
`workflow_runs` in tests/conftest.py). A run costs about a minute on the two-core machine, so the tests that
need real runs — the delta workflow, the defect detection, the privacy scan of every job — read these instead of
running their own.

Two customers in one migration home, against the Cliniko and Dataverse emulators:

- `delta-nz`, a clean practice: trial from its dump → signoff → live through the Cliniko API →
  `dynamics_migrate` → the practice keeps working (a patient changed, one created, one deleted) → the delta
  sensor → the job it names, `cliniko_delta_pickup_dynamics`, launched whole → `dynamics_rollback` of every load;
- `defects-nz`, the practice with every defect kind: `cliniko_stage` (failing checks, rejects, field issues;
  its ERROR checks fail the step), a signoff refused (a run failure), a live `dynamics_migrate` refused by the
  signoff gate (a step failure), `gensolve_migrate` of its trial into the embedded Gensolve.

The whole sequence takes several minutes on a busy two-core machine: the tests reading it carry
`pytest.mark.timeout(WORKFLOW_TIMEOUT)` (whichever runs first pays for the fixture; the timeout is a guard
against a hang, not a measure of speed).
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml
from dagster_defs import REPOSITORY, SIGNOFF_JOB
from dynamics_load_helpers import canonical_key
from pipeline_helpers import register_customer
from privacy_helpers import event_log_text

from customers import MigrationHome
from customers.endpoints import secret_env_name
from emulators.launcher import start_emulators
from migration_assets.delta import delta_pickup_sensor
from migration_assets.partitions import add_customer_partition
from migration_assets.resources import MigrationHomeResource
from synthetic import GenerationSummary, generate_practice

LIVE_CUSTOMER = "delta-nz"
DEFECTS_CUSTOMER = "defects-nz"
KEY_ENV = secret_env_name(LIVE_CUSTOMER, "CLINIKO_KEY")
SECRET_ENV = secret_env_name(LIVE_CUSTOMER, "DATAVERSE_SECRET")
USER_AGENT = "practice-migrate tests (migrations@example.org)"
WORKFLOW_TIMEOUT = 1800  # seconds; pyproject's 600 s per test is too short for setting up every run
MIGRATE_CONFIG = {"ops": {"dynamics__schema_plan": {"config": {"apply": True}}}}
# What the practice does during the delta window (values a person typed: they are personal too).
CHANGED_OCCUPATION = "Harbour pilot"
CREATED_PATIENT = {
    "first_name": "Aroha",
    "last_name": "Deltawindow",
    "email": "aroha.deltawindow@example.net",
    "date_of_birth": "1983-07-19",
    "address_1": "77 Windowpane Terrace",
}


@dataclass
class WorkflowRuns:
    instance_root: Path
    home: Path
    live_dump: Path
    defects_dump: Path
    # Runs by step name (see the module docstring), in the order they ran.
    results: dict[str, dg.ExecuteInProcessResult] = field(default_factory=dict)
    # The delta sensor: before the live load, after the practice's changes, once more after the delta run.
    sensor: dict[str, dg.SensorResult] = field(default_factory=dict)
    # The org's contacts (by new_sourcesystemid) after the live load, after the delta run, after the rollback.
    contacts: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # Dataverse emulator stats just before and just after the delta run.
    dataverse_stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed_patient: str = ""
    deleted_patient: str = ""
    created_patient: str = ""
    # Every event of every run as the instance serves it, by run id (privacy_helpers.event_log_text).
    event_log: dict[str, str] = field(default_factory=dict)


def _partition(customer: str, run_kind: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"customer": customer, "run": run_kind})


def _contacts(running: Any) -> dict[str, dict[str, Any]]:
    return {canonical_key(r): r for r in running.dataverse_control.dump_table("contact") if r.get("new_sourcesystemid")}


def _register_live_customer(root: Path, home: Path, dump: Path, endpoints: Any) -> None:
    config = {
        "customer_id": LIVE_CUSTOMER,
        "name": "Delta Physio",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": {
            "system": "cliniko",
            "trial": {"dump": str(dump)},
            "live": {
                "api_key_env": KEY_ENV,
                "user_agent": USER_AGENT,
                "base_url": f"{endpoints.cliniko_url}/v1",
                "ca_file": endpoints.ca_file,
            },
        },
        "target": {
            "system": "dynamics365",
            "trial": {"environment": "sandbox", "url": "https://sandbox.invalid", "tenant_id": endpoints.tenant_id},
            "live": endpoints.dataverse_environment("production", SECRET_ENV),
        },
        "fallback_owner_email": "owner@example.org",
        "delta": {"window_hours": 24, "poll_minutes": 1, "deletions": "deactivate"},
    }
    path = root / f"{LIVE_CUSTOMER}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    MigrationHome(home).register(path)


def run_workflow(root: Path, defective: GenerationSummary) -> WorkflowRuns:
    """Run every job (module docstring) and return what the tests read; the emulators are stopped after."""
    live = generate_practice(root / "dump", country="NZ", clients=40, defect_rate=0.0, seed=21)
    home = root / "home"
    (root / "instance").mkdir()
    runs = WorkflowRuns(root / "instance", home, live.out_dir, defective.out_dir)
    with ExitStack() as stack:
        running = stack.enter_context(
            start_emulators(
                time_scale=0.01,
                dataverse_options={"cost_model": False, "key_activation": {"mode": "immediate"}},
                cliniko=True,
                cliniko_dump=live.out_dir,
            )
        )
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        instance = stack.enter_context(dg.instance_for_test(temp_dir=str(runs.instance_root)))
        endpoints = running.endpoints
        patch.setenv("MIGRATION_HOME", str(home))
        patch.setenv(KEY_ENV, endpoints.cliniko_api_key or "")
        patch.setenv(SECRET_ENV, endpoints.client_secret)
        for line in (live.out_dir / "users.ndjson").read_text(encoding="utf-8").splitlines():
            user = json.loads(line)
            if user.get("email"):
                running.dataverse_control.add_user(
                    firstname=user["first_name"], lastname=user["last_name"], internalemailaddress=user["email"]
                )
        running.dataverse_control.add_user(
            firstname="Practice", lastname="Owner", internalemailaddress="owner@example.org"
        )
        _register_live_customer(root, home, live.out_dir, endpoints)
        register_customer(home, DEFECTS_CUSTOMER, defective.out_dir)
        for customer in (LIVE_CUSTOMER, DEFECTS_CUSTOMER):
            add_customer_partition(instance, customer)

        def run(
            name: str,
            job: str,
            customer: str,
            run_kind: str,
            run_config: dict | None = None,
            asset_selection: list[dg.AssetKey] | None = None,
        ) -> None:
            runs.results[name] = REPOSITORY.get_job(job).execute_in_process(
                partition_key=_partition(customer, run_kind),
                instance=instance,
                run_config=run_config or {},
                raise_on_error=False,
                asset_selection=asset_selection,
            )

        def signoff(name: str, customer: str) -> None:
            runs.results[name] = SIGNOFF_JOB.execute_in_process(  # type: ignore[attr-defined]
                partition_key=customer,
                instance=instance,
                run_config={
                    "ops": {"signoff__trial_signoff": {"config": {"approved_by": "practice owner", "comment": "ok"}}}
                },
                raise_on_error=False,
            )

        def sensor(name: str) -> None:
            context = dg.build_sensor_context(
                instance=instance,
                resources={"migration_home": MigrationHomeResource(path=str(home))},
                repository_def=REPOSITORY,  # the run request names the customer's target's assets
            )
            runs.sensor[name] = delta_pickup_sensor(context)

        sensor("before_live")
        run("trial_stage", "cliniko_stage", LIVE_CUSTOMER, "trial")
        signoff("signoff", LIVE_CUSTOMER)
        run("live_stage", "cliniko_stage", LIVE_CUSTOMER, "live")
        run("live_migrate", "dynamics_migrate", LIVE_CUSTOMER, "live", MIGRATE_CONFIG)
        runs.contacts["after_live"] = _contacts(running)

        # The practice keeps working during the delta window.
        control = running.cliniko_control
        patients = [json.loads(line) for line in (live.out_dir / "patients.ndjson").read_text().splitlines()]
        runs.changed_patient, runs.deleted_patient = patients[0]["id"], patients[1]["id"]
        control.update("patients", runs.changed_patient, occupation=CHANGED_OCCUPATION)
        runs.created_patient = str(control.create("patients", **CREATED_PATIENT)["id"])
        control.delete("patients", runs.deleted_patient)
        runs.dataverse_stats["before_delta"] = running.dataverse_control.stats()
        sensor("after_changes")
        # The job the sensor names, launched whole (as from the Launchpad): its system's and target's steps only.
        requested = runs.sensor["after_changes"].run_requests
        run("delta", requested[0].job_name if requested else "cliniko_delta_pickup_dynamics", LIVE_CUSTOMER, "live")
        runs.dataverse_stats["after_delta"] = running.dataverse_control.stats()
        runs.contacts["after_delta"] = _contacts(running)
        sensor("quiet")
        run("rollback", "dynamics_rollback", LIVE_CUSTOMER, "live")
        runs.contacts["after_rollback"] = _contacts(running)

        run("defects_stage", "cliniko_stage", DEFECTS_CUSTOMER, "trial")
        signoff("defects_signoff", DEFECTS_CUSTOMER)
        run("defects_live_migrate", "dynamics_migrate", DEFECTS_CUSTOMER, "live", MIGRATE_CONFIG)
        # The customer has no target block: its trial loads the embedded Gensolve (delta-nz's target is Dynamics).
        # Its trial has open ERROR findings: a sandbox load runs only with them accepted at launch (checks/blocking.py).
        gensolve_config = {
            "ops": {
                "gensolve__schema_plan": {"config": {"apply": True}},
                "gensolve__prepared": {"config": {"accept_findings_of_iteration": 1, "accepted_by": "tests"}},
            }
        }
        run("defects_gensolve", "gensolve_migrate", DEFECTS_CUSTOMER, "trial", gensolve_config)
        runs.event_log = event_log_text(instance)
    return runs
