"""A target that outlives the demo (issue 25 item 1): after the demo's set-up, the emulated org runs on in the
background from its state under the migration home (`make targets`), on the configured ports, with the
secret only in the env file `make dev` sources; a `dynamics_migrate` run on the instance loads into it, and
after a restart of the pair a `dynamics_rollback` run undoes the load — the demo's closing hint, as printed."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from customers import MigrationHome
from emulators.launcher import DataverseControl
from migration_assets.definitions import defs
from migration_assets.jobs import staging_job_name
from migration_assets.partitions import add_customer_partition
from practice_migrate import demo, targets
from synthetic import generate_practice


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def practice_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A migration home after the demo's set-up with a small practice; the pair stopped at the end."""
    home = tmp_path / "home"
    monkeypatch.setenv("MIGRATION_HOME", str(home))
    monkeypatch.setenv(targets.DATAVERSE_PORT_ENV, str(_free_port()))
    monkeypatch.setenv(targets.ENTRA_PORT_ENV, str(_free_port()))
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


def _run(job_name: str, instance: dg.DagsterInstance, run_config: dict | None = None) -> dg.ExecuteInProcessResult:
    partition = dg.MultiPartitionKey({"customer": demo.DEMO_CUSTOMER, "run": "trial"})
    job = defs().resolve_job_def(job_name)
    return job.execute_in_process(partition_key=partition, instance=instance, run_config=run_config or {})


def _contacts(home: Path) -> int:
    dataverse_port, _ = targets.ports()
    control = DataverseControl(f"https://127.0.0.1:{dataverse_port}", str(targets.state_dir(home) / "tls" / "ca.pem"))
    try:
        return len(control.dump_table("contact"))
    finally:
        control.close()


def test_make_dev_practises_on_the_demo_org_load_then_rollback_after_a_restart(
    practice_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = practice_home
    secrets_file = targets.env_file(home)
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    # `make dev`: the pair in the background, the env file sourced into the UI's environment.
    first_pid = targets.start_background(home)
    assert targets.start_background(home) == first_pid  # `make targets` again: the running pair
    for name, value in targets.read_env_file(secrets_file).items():
        monkeypatch.setenv(name, value)
    assert os.environ[demo.DEMO_SECRET_ENV]

    with dg.instance_for_test() as instance:
        add_customer_partition(instance, demo.DEMO_CUSTOMER)
        staged = _run(staging_job_name("cliniko"), instance)
        loaded = _run("dynamics_migrate", instance, {"ops": {"dynamics__schema_plan": {"config": {"apply": True}}}})
        assert staged.success and loaded.success
        contacts_loaded = _contacts(home)
        assert contacts_loaded > 0

        # A new session: the pair stops and starts again from its state; the loaded org is still there.
        assert targets.stop_background(home)
        assert targets.running_pid(home) is None
        second_pid = targets.start_background(home)
        assert second_pid != first_pid
        assert _contacts(home) == contacts_loaded

        # The demo's closing hint: "launch the dynamics_rollback job for partition demo-physio|trial".
        rolled_back = _run("dynamics_rollback", instance)
        assert rolled_back.success
        assert _contacts(home) == 0
