"""The run launcher's worker check: a live worker is running; a killed one — reaped, or a zombie its code
server has not reaped yet — and a pid reused by a newer process are dead. Real processes, no mocks."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.instance.config import PoolGranularity

from migration_assets.run_launcher import MonitoredRunLauncher, worker_process_state

ROOT = Path(__file__).resolve().parents[2]


def _sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])


def test_a_live_worker_is_alive_and_a_killed_one_is_not_whether_reaped_or_not() -> None:
    started = time.time()
    worker = _sleeper()
    try:
        assert worker_process_state(worker.pid, started + 1) == "alive"
        worker.send_signal(signal.SIGKILL)
        # Not reaped yet: still in the process table, as a zombie (os.kill(pid, 0) alone would say alive).
        deadline = time.monotonic() + 60
        while (state := worker_process_state(worker.pid, started + 1)) == "alive":
            assert time.monotonic() < deadline, "the killed process never became a zombie"
            time.sleep(0.05)
        if sys.platform.startswith("linux"):
            assert state == "a zombie"
    finally:
        worker.kill()
        worker.wait()
    assert worker_process_state(worker.pid, started + 1) == "gone"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process start times are read from /proc")
def test_a_pid_held_by_a_process_newer_than_the_run_is_not_its_worker() -> None:
    newer = _sleeper()
    try:
        # The run started (its RUN_START event was written) a minute before this process existed.
        assert worker_process_state(newer.pid, time.time() - 60) == "a newer process"
    finally:
        newer.kill()
        newer.wait()


def test_the_instance_uses_the_monitored_launcher_with_run_monitoring_and_run_level_pools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_bytes((ROOT / "dagster_home" / "dagster.yaml").read_bytes())
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    config = yaml.safe_load((home / "dagster.yaml").read_text(encoding="utf-8"))
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert isinstance(instance.run_launcher, MonitoredRunLauncher)
        assert instance.run_launcher.supports_check_run_worker_health
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_settings == config["run_monitoring"]
        assert instance.get_concurrency_config().pool_config.pool_granularity == PoolGranularity.RUN
        # The process that ran it (this one) is alive: its worker is healthy.
        result = dg.materialize([_noop], instance=instance)
        run = instance.get_run_by_id(result.run_id)
        assert run is not None
        assert instance.run_launcher.check_run_worker_health(run).status.value == "RUNNING"
    finally:
        instance.dispose()


@dg.asset
def _noop() -> None:
    return None
