"""The production profile (deploy/dagster.yaml) on a real PostgreSQL: a partitioned staging run, a Dynamics
load that waits for its target pool, and the daemon turning dump deliveries into queued runs — one run per
customer at a time. Everything Dagster records is read back from the database as well as through Dagster."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest
import yaml
from daemon_helpers import REPO, WORKSPACE, running_daemon
from dagster_defs import REPOSITORY
from pipeline_helpers import register_customer
from postgres_helpers import ProductionHome

from emulators.launcher import start_emulators
from emulators.provision import provision_practice_users
from migration_assets.partitions import add_customer_partition, customer_partitions
from migration_assets.run_coordinator import CustomerQueuedRunCoordinator
from migration_assets.targets import load_pool
from synthetic import GenerationSummary, generate_practice

FALLBACK_OWNER = "owner@example.org"  # what pipeline_helpers.register_customer writes
# The customer's own prefix: a customer may name only PM_<CUSTOMER>__* secrets (customers/config.py).
SECRET_ENV = "PM_PG_LOAD__DATAVERSE_SECRET"
# Generous: the machine is shared; only a hang should reach these.
DEADLINE_SECONDS = 480


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate_practice(tmp_path_factory.mktemp("pg-dump"), country="NZ", clients=30, defect_rate=0.0, seed=21)


def _partition(customer: str, run_kind: str = "trial") -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"customer": customer, "run": run_kind})


def _failures(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        f"{e.step_key}: {e.event_specific_data.error.message}"
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    ]


def _stage(instance: dg.DagsterInstance, customer: str) -> dg.ExecuteInProcessResult:
    result = REPOSITORY.get_job("cliniko_stage").execute_in_process(
        partition_key=_partition(customer), instance=instance, raise_on_error=False
    )
    assert result.success, _failures(result)
    return result


def test_a_partitioned_staging_run_lands_in_postgres(
    production_home: ProductionHome,
    production_instance: dg.DagsterInstance,
    practice: GenerationSummary,
    migration_home: Path,
) -> None:
    instance = production_instance
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
    # the run queue with every customer's runs (the customer-only signoff too) under its one-run limit
    assert isinstance(instance.run_coordinator, CustomerQueuedRunCoordinator)

    register_customer(migration_home, "pg-staging", practice.out_dir)
    add_customer_partition(instance, "pg-staging")
    result = _stage(instance, "pg-staging")

    run = instance.get_run_by_id(result.run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags["dagster/partition/customer"] == "pg-staging"
    latest = instance.get_latest_materialization_event(dg.AssetKey(["staged", "client"]))
    assert latest is not None and latest.dagster_event.partition == "pg-staging|trial"

    # The same facts, straight from the database.
    assert production_home.sql("select run_id, status from runs") == [(result.run_id, "SUCCESS")]
    assert production_home.sql("select partition from dynamic_partitions where partitions_def_name = 'customer'") == [
        ("pg-staging",)
    ]
    staged = production_home.sql(
        "select distinct asset_key from event_logs where dagster_event_type = 'ASSET_MATERIALIZATION' "
        "and asset_key like '%staged%' and partition = 'pg-staging|trial'"
    )
    assert '["staged", "client"]' in {row[0] for row in staged}
    checks = production_home.sql(
        "select count(*) from event_logs where dagster_event_type = 'ASSET_CHECK_EVALUATION' and run_id = "
        f"'{result.run_id}'"
    )
    assert checks[0][0] > 0


def _launch_queued(env: dict[str, str], customer: str, run_config: Path) -> None:
    """`dagster job launch` of the customer's trial `dynamics_migrate`: submitted to the run queue, as a UI
    launch or a sensor's request would be."""
    tags = {
        "dagster/partition": f"{customer}|trial",
        "dagster/partition/customer": customer,
        "dagster/partition/run": "trial",
    }
    command = ["job", "launch", *WORKSPACE, "-j", "dynamics_migrate", "-c", str(run_config), "--tags", json.dumps(tags)]
    launched = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), *command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
        check=False,
    )
    assert launched.returncode == 0, launched.stderr[-2000:]


def _eventually(what: str, until: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not until():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(1)


def test_a_dynamics_load_waits_for_a_target_pool_slot_then_loads_and_reads_back(
    production_home: ProductionHome,
    production_instance: dg.DagsterInstance,
    practice: GenerationSummary,
    migration_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Pools at run granularity (deploy/dagster.yaml): a load whose pool is full waits QUEUED, without a
    process; the queued run coordinator in the real `dagster-daemon` dequeues it once the pool has room."""
    instance = production_instance
    storage = instance.event_log_storage
    # The profile's pools.default_limit reaches the shared database.
    storage.initialize_concurrency_limit_to_default(load_pool("dynamics365"))
    assert storage.get_concurrency_info(load_pool("dynamics365")).slot_count == 2

    with start_emulators(
        time_scale=0.01, dataverse_options={"cost_model": False, "key_activation": {"mode": "immediate"}}
    ) as running:
        monkeypatch.setenv(SECRET_ENV, running.endpoints.client_secret)
        target = {
            "system": "dynamics365",
            "trial": running.endpoints.dataverse_environment("sandbox", SECRET_ENV),
            "live": {"environment": "production", "url": "https://production.invalid"},
        }
        register_customer(migration_home, "pg-load", practice.out_dir, target=target)
        provision_practice_users(running.dataverse_control, practice.out_dir, FALLBACK_OWNER)
        add_customer_partition(instance, "pg-load")
        _stage(instance, "pg-load")

        # The pool is full: at run granularity the queue counts the pool's limit against the runs in progress
        # that need it (claimed op slots do not count), so limit 0 is a full pool with no other run to stage.
        storage.set_concurrency_slots(load_pool("dynamics365"), 0)
        run_config = tmp_path / "apply.yaml"
        run_config.write_text(yaml.safe_dump({"ops": {"dynamics__schema_plan": {"config": {"apply": True}}}}))
        env = dict(os.environ)  # DAGSTER_HOME, DAGSTER_PG_*, MIGRATION_HOME and the org's secret, set above
        _launch_queued(env, "pg-load", run_config)
        (queued,) = instance.get_runs(filters=dg.RunsFilter(job_name="dynamics_migrate"))
        assert queued.status == dg.DagsterRunStatus.QUEUED

        daemon_log = tmp_path / "daemon.log"
        with running_daemon(env, [], log=daemon_log):
            # The daemon's own word that it looked at the run and left it queued for the pool (no sleep); a run
            # it dequeued instead ends the wait too, and fails the next assertion.
            held = f"Run {queued.run_id} is blocked by global concurrency limits"
            _eventually(
                "the queue to hold the load for its pool",
                lambda: (
                    held in daemon_log.read_text(encoding="utf-8")
                    or instance.get_run_by_id(queued.run_id).status != dg.DagsterRunStatus.QUEUED
                ),
            )
            run = instance.get_run_by_id(queued.run_id)
            assert run is not None and run.status == dg.DagsterRunStatus.QUEUED
            migrated = [r for r in running.dataverse_control.dump_table("contact") if r.get("new_sourcesystemid")]
            assert migrated == []  # nothing written while waiting

            storage.set_concurrency_slots(load_pool("dynamics365"), 1)
            _eventually(
                "the load to be dequeued and finish",
                lambda: (r := instance.get_run_by_id(queued.run_id)) is not None and r.is_finished,
            )
        run = instance.get_run_by_id(queued.run_id)
        assert run is not None
        failures = [
            e.dagster_event.event_specific_data.error.message
            for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        ]
        assert run.status == dg.DagsterRunStatus.SUCCESS, failures[:3]
        migrated = [r for r in running.dataverse_control.dump_table("contact") if r.get("new_sourcesystemid")]
        events = [e.dagster_event for e in instance.all_logs(run.run_id) if e.dagster_event]
        created = next(
            e.event_specific_data.materialization.metadata["created"].value
            for e in events
            if e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key == dg.AssetKey(["dynamics", "contact"])
        )
        assert len(migrated) == created > 0

    evaluations = {
        e.event_specific_data.check_name: e.event_specific_data.passed
        for e in events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.asset_key.path == ["dynamics", "contact"]
    }
    assert evaluations["loaded"] and evaluations["readback"]
    info = storage.get_concurrency_info(load_pool("dynamics365"))
    assert info.slot_count == 1 and info.active_slot_count == 0  # nothing left holding the pool
    stored = production_home.sql(
        "select count(*) from event_logs where dagster_event_type = 'ASSET_MATERIALIZATION' "
        f"and asset_key = '[\"dynamics\", \"contact\"]' and run_id = '{run.run_id}'"
    )
    assert stored[0][0] == 1


def _deliver(home: Path, dump: Path, customer: str, run_kinds: list[str]) -> None:
    """Deliveries of `dump` for each run kind, with a customer.yaml naming each delivery's folder (the
    registered configuration is rebuilt from this file at every delivery: a placeholder for one run kind
    would replace the other's registered dump)."""
    folder = home / "landing" / customer
    deliveries = {kind: folder / kind / "2026-12-01" for kind in run_kinds}
    config = {
        "customer_id": customer,
        "name": f"Practice {customer}",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": {"system": "cliniko", **{kind: {"dump": str(path)} for kind, path in deliveries.items()}},
        "fallback_owner_email": FALLBACK_OWNER,
    }
    for path in deliveries.values():
        shutil.copytree(dump, path)
    (folder / "customer.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")


def test_the_daemon_turns_deliveries_into_queued_runs_one_per_customer_at_a_time(
    production_home: ProductionHome, practice: GenerationSummary, tmp_path: Path
) -> None:
    """`dagster-daemon run` on the production profile: the dump-arrival sensor's tick requests a trial and a
    live run of one customer and a trial of another; the queued run coordinator launches them under the
    per-customer limit, so the first customer's two runs never overlap."""
    home = tmp_path / "home"
    _deliver(home, practice.out_dir, "pg-a", ["trial", "live"])
    _deliver(home, practice.out_dir, "pg-b", ["trial"])
    env = {**os.environ, "MIGRATION_HOME": str(home)}  # DAGSTER_HOME and DAGSTER_PG_* set by the fixture
    with (
        running_daemon(env, ["dump_arrival"]),
        dg.DagsterInstance.from_config(str(production_home.dagster_home)) as instance,
    ):
        deadline = time.monotonic() + DEADLINE_SECONDS
        records: list[dg.RunRecord] = []
        while time.monotonic() < deadline:
            records = instance.get_run_records()
            if len(records) == 3 and all(r.dagster_run.is_finished for r in records):
                break
            time.sleep(2)
        by_partition = {r.dagster_run.tags["dagster/partition"]: r for r in records}
        assert set(by_partition) == {"pg-a|trial", "pg-a|live", "pg-b|trial"}, "the daemon did not run all three"
        failed = {
            r.dagster_run.tags["dagster/partition"]: [
                e.dagster_event.event_specific_data.error.message
                for e in instance.all_logs(r.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
            ][:3]
            for r in records
            if r.dagster_run.status != dg.DagsterRunStatus.SUCCESS
        }
        assert not failed, failed

        first, second = sorted([by_partition["pg-a|trial"], by_partition["pg-a|live"]], key=lambda r: r.start_time)
        assert first.end_time is not None and second.start_time is not None
        assert first.end_time <= second.start_time, "two runs of one customer overlapped"

        sensor = next(s for s in instance.all_instigator_state() if s.name == "dump_arrival")
        ticks = instance.get_ticks(sensor.instigator_origin_id, sensor.selector_id)
        requested = {run_id for tick in ticks for run_id in tick.run_ids}
        assert requested == {r.dagster_run.run_id for r in records}
        assert sorted(instance.get_dynamic_partitions(customer_partitions.name)) == ["pg-a", "pg-b"]
    assert production_home.sql("select count(*) from runs where status = 'SUCCESS'") == [(3,)]
