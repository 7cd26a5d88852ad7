"""A target that outlives the demo (issue 25 item 1): after the demo's set-up, the emulated org runs on in the
background from its state under the migration home (`make targets`), on the configured ports, with the
secret only in the env file `make dev` sources. Runs are launched as `make dev`'s run launcher does: a new
process on the instance in $DAGSTER_HOME (the project's dagster.yaml) whose environment is the sourced env
file — the test process itself never holds the secret. `dynamics_migrate` loads into the org, and after a
restart of the pair `dynamics_rollback` undoes the load: the demo's closing hint, as printed."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from loopback_ports import free_port

from customers import MigrationHome
from emulators.launcher import DataverseControl
from migration_assets.jobs import staging_job_name
from migration_assets.partitions import add_customer_partition
from practice_migrate import demo, targets
from synthetic import generate_practice


@pytest.fixture
def practice_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A migration home after the demo's set-up with a small practice, and an instance configured as the
    project's (`dagster_home/dagster.yaml`) in $DAGSTER_HOME; the pair stopped at the end."""
    home = tmp_path / "home"
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(PROJECT / "dagster_home" / "dagster.yaml", dagster_home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    monkeypatch.setenv("MIGRATION_HOME", str(home))
    monkeypatch.setenv(targets.DATAVERSE_PORT_ENV, str(free_port()))
    monkeypatch.setenv(targets.ENTRA_PORT_ENV, str(free_port()))
    monkeypatch.delenv(demo.DEMO_SECRET_ENV, raising=False)
    dump = home / "dumps" / demo.DEMO_CUSTOMER / "trial"
    generate_practice(dump, country="NZ", clients=12, defect_rate=0.0, seed=7)
    # The demo's own start: persistent state, stable ports, a new secret in the env file.
    with targets.start_persistent(home, targets.client_secret(home, renew=True)) as running:
        demo.set_up(MigrationHome(home), running.endpoints, running.dataverse_control, dump)
    try:
        yield home
    finally:
        targets.stop_background(home)


PROJECT = Path(__file__).resolve().parents[2]
PARTITION_TAGS = {
    "dagster/partition": f"{demo.DEMO_CUSTOMER}|trial",
    "dagster/partition/customer": demo.DEMO_CUSTOMER,
    "dagster/partition/run": "trial",
}


def _launch(job_name: str, home: Path, tmp_path: Path, run_config: dict | None = None) -> None:
    """One run of ``job_name`` for demo-physio|trial in a new process, environment as under `make dev`."""
    env = {k: v for k, v in os.environ.items() if k != demo.DEMO_SECRET_ENV}
    env.update(targets.read_env_file(targets.env_file(home)))  # `set -a; source dev.env`
    config = tmp_path / f"{job_name}.yaml"
    config.write_text(json.dumps(run_config or {}), encoding="utf-8")
    command = [sys.executable, "-m", "dagster", "job", "execute", "-m", "migration_assets.definitions"]
    command += ["-j", job_name, "--tags", json.dumps(PARTITION_TAGS), "-c", str(config)]
    done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


def _last_run_succeeded(instance: dg.DagsterInstance, job_name: str) -> bool:
    records = instance.get_run_records(dg.RunsFilter(job_name=job_name), limit=1)
    return bool(records) and records[0].dagster_run.status == dg.DagsterRunStatus.SUCCESS


def _contacts(home: Path) -> int:
    dataverse_port, _ = targets.ports()
    control = DataverseControl(f"https://127.0.0.1:{dataverse_port}", str(targets.state_dir(home) / "tls" / "ca.pem"))
    try:
        return len(control.dump_table("contact"))
    finally:
        control.close()


def test_make_dev_practises_on_the_demo_org_load_then_rollback_after_a_restart(
    practice_home: Path, tmp_path: Path
) -> None:
    home = practice_home
    secrets_file = targets.env_file(home)
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert targets.read_env_file(secrets_file)[demo.DEMO_SECRET_ENV]
    assert demo.DEMO_SECRET_ENV not in os.environ  # only the launched runs get it, from the file
    # `make dev` → `make targets`: the pair in the background; asked again, the running pair answers.
    first_pid = targets.start_background(home)
    assert targets.start_background(home) == first_pid

    with dg.DagsterInstance.get() as instance:
        add_customer_partition(instance, demo.DEMO_CUSTOMER)
        _launch(staging_job_name("cliniko"), home, tmp_path)
        _launch("dynamics_migrate", home, tmp_path, {"ops": {"dynamics__schema_plan": {"config": {"apply": True}}}})
        assert _last_run_succeeded(instance, "dynamics_migrate")
        contacts_loaded = _contacts(home)
        assert contacts_loaded > 0

        # A new session: the pair stops and starts again from its state; the loaded org is still there.
        assert targets.stop_background(home)
        assert targets.running_pid(home) is None
        second_pid = targets.start_background(home)
        assert second_pid != first_pid
        assert _contacts(home) == contacts_loaded

        # The demo's closing hint: "launch the dynamics_rollback job for partition demo-physio|trial".
        _launch("dynamics_rollback", home, tmp_path)
        assert _last_run_succeeded(instance, "dynamics_rollback")
        assert _contacts(home) == 0
