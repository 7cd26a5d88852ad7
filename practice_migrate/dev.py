"""`make dev` / `make dev-stop`: run `dagster dev` so that it can be stopped, wherever it was started from.

A background job of a non-interactive shell (`make dev &` in a script, CI, a terminal multiplexer's
command) starts with SIGINT ignored, and `dagster dev` maps SIGTERM onto whatever SIGINT does
(dagster._utils.interrupts.setup_interrupt_handlers): inherited that way it ignores both, and only SIGKILL —
which leaves its webserver, daemon and code server running — ends it. `run` restores SIGINT's default
disposition and execs the command (same pid, written to a pid file), so SIGINT and SIGTERM reach `dagster dev`
as a Ctrl-C would and it shuts its services down; `stop` sends SIGTERM to that pid and waits.

    python -m practice_migrate.dev run -- .venv/bin/dagster dev -w workspace.yaml ...
    python -m practice_migrate.dev stop
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from practice_migrate import pidfile

PID_FILE = "dagster-dev.pid"
# `dagster dev` waits up to 60 s for each of its webserver and daemon (dagster._cli.dev); then a KILL.
STOP_TIMEOUT_SECONDS = 150.0


def pid_file() -> Path:
    """Beside the instance it serves (one `dagster dev` per $DAGSTER_HOME)."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise SystemExit("DAGSTER_HOME is not set (the Makefile exports it)")
    return Path(home) / PID_FILE


def run(command: list[str]) -> int:
    """Exec ``command`` with SIGINT and SIGTERM at their defaults, its pid recorded; refuses a second one."""
    if not command:
        print("usage: python -m practice_migrate.dev run -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    path = pid_file()
    running = pidfile.running_pid(path)
    if running is not None:
        print(f"dagster dev already runs on this instance (pid {running}); `make dev-stop` first", file=sys.stderr)
        return 1
    # exec keeps this pid; a default disposition survives exec, and Python then installs its own SIGINT
    # handler (KeyboardInterrupt) in the new program instead of inheriting "ignored".
    pidfile.write_pid(path, os.getpid())
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    os.execvp(command[0], command)  # noqa: S606 the Makefile's own command line
    return 1  # not reached


def stop() -> int:
    """SIGTERM the recorded `dagster dev` and wait until it has shut its services down."""
    stopped = pidfile.stop(pid_file(), timeout=STOP_TIMEOUT_SECONDS)
    print("dagster dev stopped" if stopped else "no dagster dev was running on this instance")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["run"]:
        rest = argv[1:]
        return run(rest[1:] if rest[:1] == ["--"] else rest)
    if argv[:1] == ["stop"]:
        return stop()
    print("usage: python -m practice_migrate.dev run -- COMMAND [ARG...] | stop", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
