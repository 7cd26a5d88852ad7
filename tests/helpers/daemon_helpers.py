"""The Dagster daemon as operators run it: sensors started through the CLI, then `dagster-daemon run` on the
project's workspace, in its own process group, stopped when the block ends."""

from __future__ import annotations

import os
import subprocess
import sys
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
            os.killpg(daemon.pid, 15)
            daemon.wait(timeout=60)
