"""The Dagster daemon as operators run it: sensors started through the CLI, then `dagster-daemon run` on the
project's workspace, in its own process group, stopped when the block ends."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORKSPACE = ["-w", str(REPO / "workspace.yaml")]
CLI_TIMEOUT_SECONDS = 480  # loading the code location on a busy shared machine; only a hang reaches it


@contextmanager
def running_daemon(env: Mapping[str, str], sensors: list[str], log: Path | None = None) -> Iterator[subprocess.Popen]:
    """Start `sensors` on the instance `env["DAGSTER_HOME"]` names, then run the daemon until the block ends;
    its output goes to `log` when given (what its daemons decided, e.g. a queued run held for a pool)."""
    bin_dir = Path(sys.executable).parent
    for sensor in sensors:
        started = subprocess.run(
            [str(bin_dir / "dagster"), "sensor", "start", sensor, *WORKSPACE],
            cwd=REPO,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_SECONDS,
            check=False,
        )
        assert started.returncode == 0, started.stderr[-2000:]
    with Path(log or os.devnull).open("wb") as output:
        daemon = subprocess.Popen(
            [str(bin_dir / "dagster-daemon"), "run", *WORKSPACE],
            cwd=REPO,
            env=dict(env),
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
        try:
            yield daemon
        finally:
            # The daemon starts its code server (`dagster api grpc`) in a session of its own, so stopping
            # the daemon's process group leaves it running: stop every descendant, found before the
            # daemon exits (an orphan's parent becomes init and can no longer be traced back).
            descendants = _descendants(daemon.pid)
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                # A daemon thread mid-iteration (a sensor tick, a run being dequeued) can hold the graceful
                # shutdown past the grace period on a loaded two-core machine; the test's assertions are made by
                # then, so the daemon is ended rather than the test failed in its teardown.
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait(timeout=30)
            _stop(descendants)


def _descendants(pid: int) -> list[int]:
    """Every live process below `pid`, read from /proc (the tests run on Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited while we looked
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def _stop(pids: list[int], grace_seconds: float = 30) -> None:
    """SIGTERM each process still alive, then SIGKILL whichever outlives the grace period."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.2)
    for pid in pids:
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
