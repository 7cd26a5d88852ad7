"""The instance's run launcher: Dagster's default launcher plus a health check of the run's worker process.

Dagster 1.13's `DefaultRunLauncher` does not support `check_run_worker_health`, so run monitoring can only
time a dead run out after `max_runtime_seconds`: a load killed with `kill -9` stayed STARTED for hours and,
counted against its pool and its customer's one-run limit, kept every later load queued. On the embedded
default (one machine: the daemon, the code server and every run worker share a process table) the worker
is the process that wrote the run's RUN_START event; the monitoring daemon asks whether it is still alive
every `run_monitoring.poll_interval_seconds` and fails the run when it is not (dagster_home/dagster.yaml).
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import dagster as dg

# Not exported by `dagster` itself in 1.13 (the health-check types a launcher returns).
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG

# Code-server hosts that are this machine (a run whose worker runs elsewhere cannot be checked here).
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", socket.gethostname()}
# A process that started this much after its run's RUN_START event cannot have written it: its pid was
# reused after the worker died. Seconds, covering /proc's clock-tick rounding of a start time.
PID_REUSE_MARGIN_SECONDS = 1.0


class MonitoredRunLauncher(dg.DefaultRunLauncher):
    """`DefaultRunLauncher` whose run workers run monitoring can see die."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        # Monitoring fails the run on anything but RUNNING or SUCCESS: where the worker cannot be seen from
        # here, say RUNNING and leave the run to `max_runtime_seconds`.
        if not _worker_is_local(run):
            return CheckRunHealthResult(WorkerStatus.RUNNING, "run worker on another host: not checked")
        started = self._instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.RUN_START, limit=1)
        event = started.records[0].event_log_entry if started.records else None
        pid = event.dagster_event.pid if event is not None and event.dagster_event is not None else None
        if event is None or pid is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "run worker has not reported its process yet")
        state = worker_process_state(pid, event.timestamp)
        if state == "alive":
            return CheckRunHealthResult(WorkerStatus.RUNNING, run_worker_id=str(pid))
        return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker process {pid} is {state}", run_worker_id=str(pid))


def _worker_is_local(run: dg.DagsterRun) -> bool:
    """Whether the run's worker runs on this machine: launched through a local code server (TCP on a local
    host, or a Unix socket) or executed directly by a process on this instance (no code-server tag)."""
    info = run.tags.get(GRPC_INFO_TAG)
    if info is None:
        return True
    server = json.loads(info)
    return "socket" in server or server.get("host") in LOCAL_HOSTS


def worker_process_state(pid: int, run_started_at: float) -> str:
    """`alive`, `gone` (no such process), `a zombie` (dead, not yet reaped by the code server that started
    it) or `a newer process` (the pid was reused after the worker died). The last two are read from
    /proc where there is one (Linux); elsewhere only `alive` or `gone` can be told."""
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return "gone"
    except PermissionError:
        return "alive"  # another user's process: not ours to judge
    stat = Path(f"/proc/{pid}/stat")
    try:
        # Fields after the command name (which may contain spaces) start at its closing parenthesis:
        # state is field 3 and starttime (clock ticks after boot) field 22 of proc_pid_stat(5).
        fields = stat.read_text().rsplit(")", 1)[1].split()
        boot = next(
            int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime ")
        )
    except (OSError, IndexError, StopIteration, ValueError):
        return "alive"
    if fields[0] == "Z":
        return "a zombie"
    started_at = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    if started_at > run_started_at + PID_REUSE_MARGIN_SECONDS:
        return "a newer process"
    return "alive"
