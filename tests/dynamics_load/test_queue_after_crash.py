"""Load runs killed with `kill -9` cannot wedge the run queue.

The real instance configuration (dagster_home/dagster.yaml, only its monitoring poll interval shortened)
and the real `dagster-daemon`. Two customers' `dynamics_migrate` runs are executed by `dagster job execute`
(the run is its own process: no code server watches it — as after a reboot, or when the code server died
too) and wait on their orgs mid-load (the emulator's `pause_after_writes`: a fixed point, not a timing
race), holding both places of the `dynamics_target` pool; a third customer's load, launched through the
queue, waits queued. Both processes are killed with SIGKILL: run monitoring must see that their workers
are gone and fail their runs, so the third load is dequeued and runs to the end. With Dagster's default
launcher the dead runs stayed STARTED and the third waited for `max_runtime_seconds`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.events import DagsterEventType
from dynamics_load_helpers import DATAVERSE_OPTIONS, TIME_SCALE, dump_users, ready, seed_users, target_block
from pipeline_helpers import register_customer, run_pipeline

from customers import MigrationHome
from customers.endpoints import secret_env_name
from emulators.launcher import RunningEmulators, start_emulators
from migration_assets.targets import load_pool
from synthetic import GenerationSummary
from targets.dynamics import flow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Seconds between two checks of the run workers in this test's instance (the repository's is 30).
POLL_INTERVAL_SECONDS = 2
# Generous bounds: only a queue that never moves fails here, a slow machine does not.
RUN_TIMEOUT_SECONDS = 900
KILLED = ("crashone", "crashtwo")
THIRD = "afterthecrash"


def _instance_home(tmp_path: Path) -> Path:
    """A DAGSTER_HOME with the repository's dagster.yaml, storage under it, monitoring polled often."""
    config = yaml.safe_load((ROOT / "dagster_home" / "dagster.yaml").read_text(encoding="utf-8"))
    config["run_monitoring"]["poll_interval_seconds"] = POLL_INTERVAL_SECONDS
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return home


@pytest.fixture
def orgs(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, RunningEmulators]]:
    """An Entra + Dataverse pair per customer, each secret in the environment only."""
    with (
        start_emulators(time_scale=TIME_SCALE, dataverse_options=DATAVERSE_OPTIONS) as one,
        start_emulators(time_scale=TIME_SCALE, dataverse_options=DATAVERSE_OPTIONS) as two,
        start_emulators(time_scale=TIME_SCALE, dataverse_options=DATAVERSE_OPTIONS) as three,
    ):
        pairs = dict(zip((*KILLED, THIRD), (one, two, three), strict=True))
        for customer, running in pairs.items():
            monkeypatch.setenv(_secret_env(customer), running.endpoints.client_secret)
        yield pairs


def _secret_env(customer: str) -> str:
    return secret_env_name(customer, "DATAVERSE_SECRET")


def _stage_and_ready(home: Path, customer: str, practice: GenerationSummary, running: RunningEmulators) -> None:
    """The customer staged, mapped onto Dataverse, its org's users provisioned and schema plan applied."""
    config = register_customer(
        home, customer, practice.out_dir, target=target_block(running.endpoints, _secret_env(customer))
    )
    assert not run_pipeline(home, config).blocking_failures
    part = flow.Partition(MigrationHome(home), config, "trial")
    flow.prepare(part)
    seed_users(running.dataverse_control, dump_users(practice.out_dir))
    ready(part)


def _partition_tags(customer: str) -> str:
    return json.dumps(
        {
            "dagster/partition": f"{customer}|trial",
            "dagster/partition/customer": customer,
            "dagster/partition/run": "trial",
        }
    )


def _launch(env: dict[str, str], customer: str) -> None:
    """`dagster job launch` of the customer's trial partition: queued, as a UI launch would be."""
    command = ["job", "launch", "-w", "workspace.yaml", "-j", "dynamics_migrate", "--tags", _partition_tags(customer)]
    subprocess.run(
        [str(BIN / "dagster"), *command],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=RUN_TIMEOUT_SECONDS,
    )


def _execute(env: dict[str, str], customer: str, log: Path) -> subprocess.Popen:
    """`dagster job execute` of the customer's trial partition: the run executes in this new process."""
    command = ["job", "execute", "-m", "migration_assets.definitions", "-j", "dynamics_migrate"]
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(BIN / "dagster"), *command, "--tags", _partition_tags(customer)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )


def _run_of(instance: dg.DagsterInstance, customer: str) -> dg.DagsterRun | None:
    runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition/customer": customer}))
    return runs[0] if runs else None


def _wait(what: str, until: object) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while not until():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def _worker_pid(instance: dg.DagsterInstance, run_id: str) -> int:
    started = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    assert started, run_id
    event = started[0].event_log_entry.dagster_event
    assert event is not None and event.pid is not None
    return event.pid


@pytest.mark.timeout(2 * RUN_TIMEOUT_SECONDS)
def test_two_killed_loads_do_not_keep_a_third_customers_load_waiting(
    load_practice: GenerationSummary,
    orgs: dict[str, RunningEmulators],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    for customer, running in orgs.items():
        _stage_and_ready(home, customer, load_practice, running)
    dagster_home = _instance_home(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))  # the storage block reads it
    monkeypatch.setenv("MIGRATION_HOME", str(home))
    env = dict(os.environ)  # the daemon, its code server and the run workers it starts get the secrets here
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    instance.add_dynamic_partitions("customer", list(orgs))
    assert instance.run_launcher.supports_check_run_worker_health
    # The pool as on an instance that has loaded before (Dagster creates it at the default limit on the first
    # dequeue that needs it, and does not count it in that same pass). What `dagster instance concurrency set`
    # does, without paying a Dagster process's start-up for it.
    limit = instance.global_op_concurrency_default_limit
    assert limit is not None
    instance.event_log_storage.set_concurrency_slots(load_pool("dynamics365"), limit)

    daemon_log = (tmp_path / "daemon.log").open("wb")
    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
        cwd=ROOT,
        env=env,
        stdout=daemon_log,
        stderr=daemon_log,
    )
    workers: dict[str, subprocess.Popen] = {}
    try:
        # Both loads reach their orgs and wait there (the emulator's pause), holding the pool's two places.
        for customer in KILLED:
            orgs[customer].dataverse_control.set_faults(pause_after_writes=1)  # first write lands, then it holds
            workers[customer] = _execute(env, customer, tmp_path / f"{customer}.log")
        for customer in KILLED:
            control = orgs[customer].dataverse_control
            _wait(f"{customer}'s load to reach its org", lambda c=control: c.stats()["faults"].get("pause", 0) > 0)
            run = _run_of(instance, customer)
            assert run is not None and run.status == dg.DagsterRunStatus.STARTED
            assert _worker_pid(instance, run.run_id) == workers[customer].pid

        _launch(env, THIRD)
        # The pool is full: the third load waits in the queue, without a process of its own (nothing to spin).
        time.sleep(2 * instance.run_coordinator.dequeue_interval_seconds)  # at least one dequeue pass, usually
        waiting = _run_of(instance, THIRD)
        assert waiting is not None and waiting.status == dg.DagsterRunStatus.QUEUED

        for customer, worker in workers.items():
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            orgs[customer].dataverse_control.clear_faults()
        _wait(
            "the third customer's load to finish",
            lambda: (run := _run_of(instance, THIRD)) is not None and run.is_finished,
        )
        third = _run_of(instance, THIRD)
        assert third is not None and third.status == dg.DagsterRunStatus.SUCCESS
        assert orgs[THIRD].dataverse_control.dump_table("contact")  # its load did write
        for customer in KILLED:
            run = _run_of(instance, customer)
            assert run is not None and run.status == dg.DagsterRunStatus.FAILURE, customer
            failure = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.RUN_FAILURE).records
            message = failure[0].event_log_entry.dagster_event.message if failure else ""
            assert "run worker process" in (message or ""), customer  # failed by run monitoring
    finally:
        for worker in workers.values():
            worker.kill()
            worker.wait()
        daemon.send_signal(signal.SIGINT)
        try:
            daemon.wait(timeout=120)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        daemon_log.close()
        instance.dispose()
