"""`make targets`: the emulated Dynamics org of the demo, kept up between sessions (issue 25 item 1).

The demo loads into an Entra ID + Dataverse emulator pair whose state lives under
``$MIGRATION_HOME/emulators`` (org database, CA, tenant ids, signing key) and which listens on stable
loopback ports, so the customer file the demo writes (org URL, CA file) stays valid. ``make targets`` starts
the same pair again in the background from that state; ``make dev`` depends on it and sources the env file
the demo wrote (``$MIGRATION_HOME/dev.env``, mode 0600: the client secret only there and in the
environment, DESIGN.md §6), so every step of the day — trial load, signoff, live, delta, rollback — can be
practised in the UI against the org the demo filled.

    python -m practice_migrate.targets start   # idempotent: reports the running pair if there is one
    python -m practice_migrate.targets stop
    python -m practice_migrate.targets serve   # foreground (what `start` runs detached)
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from customers.endpoints import secret_env_name

if TYPE_CHECKING:
    from emulators.launcher import RunningEmulators

# Ports: configurable, stable defaults in the dynamic range, loopback only.
DATAVERSE_PORT_ENV = "PRACTICE_TARGETS_DATAVERSE_PORT"
ENTRA_PORT_ENV = "PRACTICE_TARGETS_ENTRA_PORT"
DEFAULT_DATAVERSE_PORT = 49443
DEFAULT_ENTRA_PORT = 49444
# The emulated org's client secret reaches the loader only through the environment (DESIGN.md §6).
DEMO_CUSTOMER = "demo-physio"
# The emulated org's client secret reaches the loader only through the environment, in the variable the
# customer's prefix allows (customers/endpoints.py; DESIGN.md §6).
DEMO_SECRET_ENV = secret_env_name(DEMO_CUSTOMER, "DATAVERSE_SECRET")
# The demo's org: no simulated service time, alternate keys active at once (a practice session, not a benchmark).
DATAVERSE_OPTIONS: dict[str, object] = {"cost_model": False, "key_activation": {"mode": "immediate"}}
ENV_FILE = "dev.env"
# How long `start` waits for the detached pair to accept connections (a shared, slow machine).
START_TIMEOUT_SECONDS = 120.0


def state_dir(home: Path) -> Path:
    """Where the persistent emulators keep the org, CA, tenant and signing key."""
    return home / "emulators"


def env_file(home: Path) -> Path:
    """The env file `make dev` sources: the demo customer's secret (mode 0600)."""
    return home / ENV_FILE


def ports() -> tuple[int, int]:
    """(Dataverse, Entra) ports from the environment, else the stable defaults."""
    return (
        int(os.environ.get(DATAVERSE_PORT_ENV) or DEFAULT_DATAVERSE_PORT),
        int(os.environ.get(ENTRA_PORT_ENV) or DEFAULT_ENTRA_PORT),
    )


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of an env file written by :func:`write_env_file` (missing file: empty)."""
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs if not name.lstrip().startswith("#")}


def write_env_file(path: Path, values: dict[str, str]) -> None:
    """Write ``values`` as ``NAME=value`` lines, readable by the owner only (created 0600, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode on open; narrow it too
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# Written by `make demo` / `make targets`; sourced by `make dev`. Secrets: keep private.\n")
        out.writelines(f"{name}={value}\n" for name, value in sorted(values.items()))


def client_secret(home: Path, *, renew: bool = False) -> str:
    """The org's client secret from the env file; a new one (written there) when missing or ``renew``."""
    path = env_file(home)
    values = read_env_file(path)
    if renew or not values.get(DEMO_SECRET_ENV):
        values[DEMO_SECRET_ENV] = secrets.token_urlsafe(32)
        write_env_file(path, values)
    return values[DEMO_SECRET_ENV]


def start_persistent(home: Path, secret: str) -> RunningEmulators:
    """The Entra + Dataverse pair on the configured ports with its state under the home (in this process)."""
    from emulators.launcher import start_emulators

    dataverse_port, entra_port = ports()
    return start_emulators(
        state_dir=state_dir(home),
        dataverse_options=DATAVERSE_OPTIONS,
        entra_options={"client_secret": secret},
        dataverse_port=dataverse_port,
        entra_port=entra_port,
    )


def _pid_file(home: Path) -> Path:
    return state_dir(home) / "targets.pid"


def _log_file(home: Path) -> Path:
    return state_dir(home) / "targets.log"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_pid(home: Path) -> int | None:
    """The pid of the background pair started for this home, if it still runs."""
    path = _pid_file(home)
    if not path.exists():
        return None
    pid = int(path.read_text().strip() or 0)
    return pid if pid > 0 and _alive(pid) else None


def _accepting(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_background(home: Path) -> int:
    """Start the pair detached from this process (its own session), wait until both ports accept
    connections, and return its pid; the running one's pid when already up.

    Raises:
        RuntimeError: If the pair exited or did not accept connections in time (its log is named).
    """
    pid = running_pid(home)
    if pid is not None:
        return pid
    state_dir(home).mkdir(parents=True, exist_ok=True)
    client_secret(home)  # a first `make targets` without the demo still gets a secret in dev.env
    env = {**os.environ, "MIGRATION_HOME": str(home)}
    with _log_file(home).open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "practice_migrate.targets", "serve"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            start_new_session=True,  # outlives the `make` that started it
        )
    _pid_file(home).write_text(str(process.pid))
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not all(_accepting(port) for port in ports()):
        if process.poll() is not None:
            raise RuntimeError(f"the emulated targets exited with status {process.returncode}; see {_log_file(home)}")
        if time.monotonic() > deadline:
            stop_background(home)
            raise RuntimeError(f"the emulated targets did not accept connections in time; see {_log_file(home)}")
        time.sleep(0.2)
    return process.pid


def stop_background(home: Path) -> bool:
    """Stop the background pair of this home (SIGTERM, then wait); False when none was running."""
    pid = running_pid(home)
    _pid_file(home).unlink(missing_ok=True)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    while _alive(pid):
        try:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                break  # our own child, now reaped
        except ChildProcessError:
            pass  # not our child: its parent reaps it
        time.sleep(0.1)
    return True


def serve(home: Path) -> int:
    """Run the pair in the foreground until SIGTERM/SIGINT."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with start_persistent(home, client_secret(home)) as running:
        endpoints = running.endpoints
        print(f"targets up: Dataverse {endpoints.dataverse_url}, Entra {endpoints.entra_url}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


def main(argv: list[str]) -> int:
    from customers import default_home

    home = default_home()
    command = argv[0] if argv else "start"
    if command == "serve":
        return serve(home)
    if command == "stop":
        print("emulated targets stopped" if stop_background(home) else "no emulated targets were running")
        return 0
    if command != "start":
        print("usage: python -m practice_migrate.targets [start|stop|serve]", file=sys.stderr)
        return 2
    pid = start_background(home)
    dataverse_port, entra_port = ports()
    print(
        f"Emulated targets up (pid {pid}): Dataverse https://127.0.0.1:{dataverse_port}, Entra "
        f"https://127.0.0.1:{entra_port}; state in {state_dir(home)}; secrets in {env_file(home)}. "
        "Stop with `make targets-stop`."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
