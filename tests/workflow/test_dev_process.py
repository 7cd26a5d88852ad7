"""`make dev` stoppable when started as a background job (practice_migrate/dev.py): such a job inherits SIGINT
ignored, and `dagster dev` maps SIGTERM onto SIGINT's disposition, so it ignored both. The stand-in below does
exactly what `dagster dev` does at start (dagster._utils.interrupts.setup_interrupt_handlers), then waits; started
bare with SIGINT ignored it survives SIGTERM (the bug), started through `dev run` `dev stop` ends it, cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from practice_migrate import dev, pidfile

# What `dagster dev` does with signals, then a wait; on KeyboardInterrupt (SIGINT or the SIGTERM mapped onto it)
# it shuts down cleanly and says so.
DAGSTER_DEV_STAND_IN = """
import signal, sys, time
signal.signal(signal.SIGTERM, signal.getsignal(signal.SIGINT))
print("up", flush=True)
try:
    time.sleep(120)
except KeyboardInterrupt:
    print("shutting down", flush=True)
    sys.exit(0)
"""
PROJECT = Path(__file__).resolve().parents[2]


def _as_background_job() -> None:
    """What bash does to an asynchronous command without job control."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        command, cwd=PROJECT, env=env, stdout=subprocess.PIPE, text=True, preexec_fn=_as_background_job
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "up"
    return process


def test_a_bare_background_dagster_dev_ignores_sigterm(tmp_path: Path) -> None:
    process = _start([sys.executable, "-c", DAGSTER_DEV_STAND_IN], dict(os.environ))
    try:
        process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert process.poll() is None  # the problem dev.py exists for
    finally:
        process.kill()
        process.wait()


def test_dev_run_records_the_pid_and_dev_stop_ends_it_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    env = dict(os.environ)
    command = [sys.executable, "-m", "practice_migrate.dev", "run", "--", sys.executable, "-c", DAGSTER_DEV_STAND_IN]
    process = _start(command, env)
    try:
        # exec: the recorded pid is the program itself, not a wrapper that would take the signal instead.
        assert pidfile.running_pid(dev.pid_file()) == process.pid
        # A second `make dev` on the same instance is refused while the first runs.
        again = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, check=False)
        assert again.returncode == 1 and "already runs" in again.stderr

        assert dev.main(["stop"]) == 0
        assert process.wait(timeout=30) == 0  # its own clean shutdown, not a kill
        assert process.stdout is not None and process.stdout.read().strip() == "shutting down"
        assert not dev.pid_file().exists()
        assert dev.main(["stop"]) == 0  # nothing left to stop: says so, succeeds
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
