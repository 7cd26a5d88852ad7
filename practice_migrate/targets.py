"""`make targets`: the emulated Dynamics org of the demo, kept up between sessions (issue 25 item 1).

The demo loads into an Entra ID + Dataverse emulator pair whose state lives under
``$MIGRATION_HOME/emulators`` (org database, CA, tenant ids, signing key) and which listens on stable
loopback ports, so the customer file the demo writes (org URL, CA file) stays valid. ``make targets`` starts
the same pair again in the background from that state; ``make dev`` depends on it and sources the env file
the demo wrote (``$MIGRATION_HOME/dev.env``, mode 0600: the client secret only there and in the
environment, DESIGN.md §6), so every step of the day — trial load, signoff, live, delta, rollback — can be
practised in the UI against the org the demo filled.

Several practices can share the org (keys carry the customer): besides the demo's, each customer of
``PRACTICE_CUSTOMERS`` (the screenshots' clean-physio) has an app registration and application user of its own,
its client id kept with the org's state (``apps.json``) and its secret in dev.env under the customer's variable;
``customer`` provisions one in the running org (its practitioners as users) and prints its target block.

    python -m practice_migrate.targets start   # idempotent: reports the running pair if there is one
    python -m practice_migrate.targets stop
    python -m practice_migrate.targets serve   # foreground (what `start` runs detached)
    python -m practice_migrate.targets customer clean-physio --dump DIR --fallback-owner EMAIL   # → JSON
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from customers.endpoints import secret_env_name
from practice_migrate import pidfile

if TYPE_CHECKING:
    from emulators.launcher import RunningEmulators

# Ports: configurable, stable defaults in the dynamic range, loopback only.
DATAVERSE_PORT_ENV = "PRACTICE_TARGETS_DATAVERSE_PORT"
ENTRA_PORT_ENV = "PRACTICE_TARGETS_ENTRA_PORT"
DEFAULT_DATAVERSE_PORT = 49443
DEFAULT_ENTRA_PORT = 49444
DEMO_CUSTOMER = "demo-physio"
# The emulated org's client secret reaches the loader only through the environment, in the variable the
# customer's prefix allows (customers/endpoints.py; DESIGN.md §6).
SECRET_SUFFIX = "DATAVERSE_SECRET"  # noqa: S105 the name of a variable, not a secret
DEMO_SECRET_ENV = secret_env_name(DEMO_CUSTOMER, SECRET_SUFFIX)
# The screenshots' practice (docs/screenshots/setup.py) loads into the same org through an application user of
# its own. Its secret is written beside the demo's by `make demo` and `make targets`, so the `make dev` that
# sources dev.env already holds it when that practice is registered later.
PRACTICE_CUSTOMERS: tuple[str, ...] = ("clean-physio",)
APPS_FILE = "apps.json"
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


@dataclass(frozen=True)
class CustomerApp:
    """A customer's own app registration in the emulated tenant, with its application user in the org."""

    customer_id: str
    client_id: str
    secret_env: str  # the variable in dev.env holding its client secret


def _apps_file(home: Path) -> Path:
    return state_dir(home) / APPS_FILE


def customer_apps(home: Path) -> dict[str, str]:
    """Customer id → client id of every customer app registered in this home's org (besides the demo's)."""
    path = _apps_file(home)
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else {}


def ensure_customer_app(home: Path, customer_id: str, *, renew: bool = False) -> CustomerApp:
    """The customer's app registration: a client id kept with the org's state (not a secret) and a client
    secret in dev.env under the customer's own variable (new when missing or ``renew``). Registered in the
    emulated tenant and org the next time the pair starts (:func:`start_persistent`)."""
    apps = customer_apps(home)
    if customer_id not in apps:
        apps[customer_id] = str(uuid.uuid4())
        _apps_file(home).parent.mkdir(parents=True, exist_ok=True)
        _apps_file(home).write_text(json.dumps(apps, indent=2, sort_keys=True), encoding="utf-8")
    name = secret_env_name(customer_id, SECRET_SUFFIX)
    values = read_env_file(env_file(home))
    if renew or not values.get(name):
        values[name] = secrets.token_urlsafe(32)
        write_env_file(env_file(home), values)
    return CustomerApp(customer_id, apps[customer_id], name)


def ensure_secrets(home: Path, *, renew: bool = False) -> str:
    """The demo customer's secret and every practice customer's app (all renewed for a new org), so the
    dev.env that `make dev` sources holds each of them before Dagster starts; returns the demo's secret."""
    secret = client_secret(home, renew=renew)
    for customer_id in PRACTICE_CUSTOMERS:
        ensure_customer_app(home, customer_id, renew=renew)
    return secret


def _app_users(home: Path) -> list[dict[str, str]]:
    """The Entra emulator's extra app registrations: each customer app whose secret is in dev.env."""
    values = read_env_file(env_file(home))
    return [
        {"client_id": client_id, "client_secret": values[name], "name": _app_name(customer_id)}
        for customer_id, client_id in sorted(customer_apps(home).items())
        if values.get(name := secret_env_name(customer_id, SECRET_SUFFIX))
    ]


def _app_name(customer_id: str) -> str:
    return f"practice-migration ({customer_id})"


def start_persistent(home: Path, secret: str) -> RunningEmulators:
    """The Entra + Dataverse pair on the configured ports with its state under the home (in this process)."""
    from emulators.launcher import start_emulators

    dataverse_port, entra_port = ports()
    return start_emulators(
        state_dir=state_dir(home),
        dataverse_options=DATAVERSE_OPTIONS,
        entra_options={"client_secret": secret, "app_users": _app_users(home)},
        dataverse_port=dataverse_port,
        entra_port=entra_port,
    )


def _pid_file(home: Path) -> Path:
    return state_dir(home) / "targets.pid"


def _log_file(home: Path) -> Path:
    return state_dir(home) / "targets.log"


def running_pid(home: Path) -> int | None:
    """The pid of the background pair started for this home, if it still runs."""
    return pidfile.running_pid(_pid_file(home))


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
    ensure_secrets(home)  # a first `make targets` without the demo still gets its secrets in dev.env
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
    pidfile.write_pid(_pid_file(home), process.pid)
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
    return pidfile.stop(_pid_file(home))


def serve(home: Path) -> int:
    """Run the pair in the foreground until SIGTERM/SIGINT."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with start_persistent(home, ensure_secrets(home)) as running:
        endpoints = running.endpoints
        print(f"targets up: Dataverse {endpoints.dataverse_url}, Entra {endpoints.entra_url}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


def ca_file(home: Path) -> Path:
    """The CA the persistent pair's certificates are issued by (clients trust it; TLS stays verified)."""
    from emulators.common.tls import CA_FILE

    return state_dir(home) / "tls" / CA_FILE


def target_environment(home: Path, app: CustomerApp, environment: str) -> dict[str, str]:
    """A customer file's `target.<run kind>` block for the persistent org and the customer's own app; the
    secret named by its variable, never written (DESIGN.md §6)."""
    dataverse_port, entra_port = ports()
    tenant = json.loads((state_dir(home) / "tenant.json").read_text(encoding="utf-8"))
    return {
        "environment": environment,
        "url": f"https://127.0.0.1:{dataverse_port}",
        "tenant_id": str(tenant["tenant_id"]),
        "client_id": app.client_id,
        "client_secret_env": app.secret_env,
        "authority": f"https://127.0.0.1:{entra_port}",
        "ca_file": str(ca_file(home)),
    }


def provision_customer(
    home: Path, customer_id: str, dump_dir: Path | None, fallback_owner_email: str | None
) -> CustomerApp:
    """Make the running pair ready for a customer's loads: its app registration (in the tenant and as an
    application user of the org; idempotent, so a pair started before the app existed learns it too) and
    the practice's users from its Cliniko dump plus its fallback owner, as the demo provisions its own."""
    from emulators.launcher import DataverseControl, EntraControl
    from emulators.provision import provision_practice_users

    app = ensure_customer_app(home, customer_id)
    start_background(home)
    dataverse_port, entra_port = ports()
    entra = EntraControl(f"https://127.0.0.1:{entra_port}", str(ca_file(home)))
    dataverse = DataverseControl(f"https://127.0.0.1:{dataverse_port}", str(ca_file(home)))
    try:
        secret = read_env_file(env_file(home))[app.secret_env]
        registered = entra.register_app(app.client_id, secret, _app_name(customer_id))
        dataverse.add_app_user(app.client_id, f"# {_app_name(customer_id)}", registered.get("object_id"))
        if dump_dir is not None and fallback_owner_email:
            provision_practice_users(dataverse, dump_dir, fallback_owner_email)
    finally:
        entra.close()
        dataverse.close()
    return app


def main(argv: list[str]) -> int:
    from customers import default_home

    home = default_home()
    command = argv[0] if argv else "start"
    if command == "serve":
        return serve(home)
    if command == "stop":
        print("emulated targets stopped" if stop_background(home) else "no emulated targets were running")
        return 0
    if command == "customer":
        return _customer_command(home, argv[1:])
    if command != "start":
        print(USAGE, file=sys.stderr)
        return 2
    pid = start_background(home)
    dataverse_port, entra_port = ports()
    print(
        f"Emulated targets up (pid {pid}): Dataverse https://127.0.0.1:{dataverse_port}, Entra "
        f"https://127.0.0.1:{entra_port}; state in {state_dir(home)}; secrets in {env_file(home)}. "
        "Stop with `make targets-stop`."
    )
    return 0


USAGE = (
    "usage: python -m practice_migrate.targets [start|stop|serve]\n"
    "       python -m practice_migrate.targets customer CUSTOMER [--dump DIR --fallback-owner EMAIL] "
    "[--environment sandbox|production]"
)


def _customer_command(home: Path, argv: list[str]) -> int:
    """`customer CUSTOMER …`: provision the customer in the running org and print its target block (JSON)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m practice_migrate.targets customer")
    parser.add_argument("customer_id")
    parser.add_argument("--dump", type=Path, help="its Cliniko dump: the practice's users become users of the org")
    parser.add_argument("--fallback-owner", help="its fallback owner's email, added as a user of the org")
    parser.add_argument("--environment", choices=("sandbox", "production"), default="production")
    args = parser.parse_args(argv)
    known = args.customer_id in customer_apps(home)
    app = provision_customer(home, args.customer_id, args.dump, args.fallback_owner)
    if not known:
        print(
            f"{args.customer_id}: its client secret is in {env_file(home)} as {app.secret_env}; restart `make dev` "
            "(`make dev-stop`, then `make dev`) so that its runs have it in their environment",
            file=sys.stderr,
        )
    print(json.dumps(target_environment(home, app, args.environment)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
