"""``practice-migrate emulators``: start the emulators on free loopback ports and serve until stopped."""

from __future__ import annotations

import argparse
import json
import pathlib
import signal
import sys
import threading
from types import FrameType
from typing import Any

from .launcher import RunningEmulators, start_emulators


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator options to ``parser`` (the subcommand's own parser)."""
    parser.add_argument("--dataverse", action="store_true", help="start the Dataverse Web API emulator")
    parser.add_argument("--entra", action="store_true", help="start the Entra ID token endpoint emulator")
    parser.add_argument("--cliniko", action="store_true", help="start the Cliniko API emulator (needs --cliniko-dump)")
    parser.add_argument(
        "--cliniko-dump", type=pathlib.Path, metavar="DIR", help="the Cliniko dump folder the emulator serves"
    )
    parser.add_argument(
        "--cliniko-options", metavar="JSON", help='Cliniko emulator options, e.g. \'{"rate_limit": {"requests": 20}}\''
    )
    parser.add_argument(
        "--coreplus", action="store_true", help="start the Core Plus API emulator (needs --coreplus-practice)"
    )
    parser.add_argument(
        "--coreplus-practice", type=pathlib.Path, metavar="FILE", help="the Core Plus practice.json it serves"
    )
    parser.add_argument(
        "--pracsuite", action="store_true", help="start the PracSuite API emulator (needs --pracsuite-practice)"
    )
    parser.add_argument(
        "--pracsuite-practice", type=pathlib.Path, metavar="FILE", help="the PracSuite practice.json it serves"
    )
    parser.add_argument("--dataverse-port", type=int, default=0, metavar="PORT", help="fixed Dataverse port")
    parser.add_argument("--entra-port", type=int, default=0, metavar="PORT", help="fixed Entra ID port")
    parser.add_argument("--state", type=pathlib.Path, metavar="DIR", help="persist state, CA and tenant under DIR")
    parser.add_argument(
        "--time-scale", type=float, default=1.0, metavar="X", help="shrink windows, latencies and waits by X"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line with URLs, CA file and credentials")
    parser.add_argument("--no-cost-model", action="store_true", help="answer without simulated service time")
    parser.add_argument(
        "--app-users",
        type=int,
        default=0,
        metavar="N",
        help="register N extra application users (own limits)",
    )
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="EMAIL[:disabled]",
        help="seed a Dataverse systemuser (repeatable; ':disabled' seeds a disabled one)",
    )
    parser.add_argument("--options", metavar="JSON", help="Dataverse emulator options as a JSON object")
    parser.add_argument(
        "--profile",
        choices=["real_org"],
        help="behave like a production Dynamics 365 Sales org: business logic, security roles, Sales-org costs",
    )
    parser.add_argument("--tenant-id", help="tenant id (default: generated, kept with --state)")
    parser.add_argument("--client-id", help="client id of the default app (default: generated)")
    parser.add_argument("--client-secret", help="client secret of the default app (default: random per start)")


def _dataverse_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = json.loads(args.options) if args.options else {}
    if not isinstance(options, dict):
        raise ValueError("--options must be a JSON object")
    if args.profile:
        options["profile"] = args.profile
    if args.no_cost_model:
        options["cost_model"] = False
    users = list(options.get("users") or [])
    for spec in args.user:
        email, _, flag = spec.partition(":")
        users.append({"internalemailaddress": email, "isdisabled": flag == "disabled"})
    if users:
        options["users"] = users
    return options


def _cliniko_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = json.loads(args.cliniko_options) if args.cliniko_options else {}
    if not isinstance(options, dict):
        raise ValueError("--cliniko-options must be a JSON object")
    return options


def run(args: argparse.Namespace) -> int:
    """Start the selected emulators (Dataverse and Entra when none is named), print where they are, serve
    until SIGINT/SIGTERM, stop cleanly. Returns 0, or 2 for a bad argument (e.g. --cliniko without a dump)."""
    cliniko = bool(args.cliniko)
    if cliniko and args.cliniko_dump is None:
        print("practice-migrate emulators: --cliniko needs --cliniko-dump DIR (a Cliniko dump folder)", file=sys.stderr)
        return 2
    coreplus = bool(args.coreplus)
    if coreplus and args.coreplus_practice is None:
        print("practice-migrate emulators: --coreplus needs --coreplus-practice FILE", file=sys.stderr)
        return 2
    pracsuite = bool(args.pracsuite)
    if pracsuite and args.pracsuite_practice is None:
        print("practice-migrate emulators: --pracsuite needs --pracsuite-practice FILE", file=sys.stderr)
        return 2
    both = not args.dataverse and not args.entra and not cliniko and not coreplus and not pracsuite
    entra_options = {
        name: value
        for name, value in (
            ("tenant_id", args.tenant_id),
            ("client_id", args.client_id),
            ("client_secret", args.client_secret),
            ("app_users", [{"name": f"app-user-{i + 1}"} for i in range(args.app_users)] or None),
        )
        if value
    }
    try:
        running = start_emulators(
            state_dir=args.state,
            dataverse=both or args.dataverse,
            entra=both or args.entra,
            time_scale=args.time_scale,
            dataverse_options=_dataverse_options(args),
            entra_options=entra_options,
            cliniko=cliniko,
            cliniko_dump=args.cliniko_dump,
            cliniko_options=_cliniko_options(args),
            coreplus=coreplus,
            coreplus_practice=args.coreplus_practice,
            pracsuite=pracsuite,
            pracsuite_practice=args.pracsuite_practice,
            dataverse_port=args.dataverse_port,
            entra_port=args.entra_port,
        )
    except ValueError as err:
        print(f"practice-migrate emulators: {err}", file=sys.stderr)
        return 2
    stop = threading.Event()
    previous = _install_handlers(stop)
    try:
        _announce(running, as_json=args.json)
        while not stop.wait(0.5):
            pass
    finally:
        running.stop()
        _restore_handlers(previous)
    if not args.json:
        print("emulators stopped", flush=True)
    return 0


def _announce(running: RunningEmulators, *, as_json: bool) -> None:
    endpoints = running.endpoints
    extra = [a for a in running.entra_backend.apps.values() if a.client_id != endpoints.client_id]
    if as_json:
        payload = json.loads(endpoints.to_json())
        if extra:
            payload["app_users"] = [{"client_id": a.client_id, "client_secret": a.client_secret} for a in extra]
        print(json.dumps(payload), flush=True)
        return
    lines = [
        "practice-migration emulators (local test tenant; press Ctrl+C to stop)",
        f"  Dataverse Web API : {endpoints.dataverse_url}/api/data/v9.2/" if endpoints.dataverse_url else "",
        f"  Entra authority   : {endpoints.entra_url}/{endpoints.tenant_id}" if endpoints.entra_url else "",
        f"  Cliniko API       : {endpoints.cliniko_url}/v1" if endpoints.cliniko_url else "",
        f"  Cliniko API key   : {endpoints.cliniko_api_key}" if endpoints.cliniko_api_key else "",
        f"  Core Plus API     : {endpoints.coreplus_url}/API/Core/v2" if endpoints.coreplus_url else "",
        f"  Core Plus consumer: {endpoints.coreplus_consumer_id}" if endpoints.coreplus_url else "",
        f"  PracSuite API     : {endpoints.pracsuite_url}/v1" if endpoints.pracsuite_url else "",
        f"  CA file           : {endpoints.ca_file}",
        f"  tenant id         : {endpoints.tenant_id}",
        f"  client id         : {endpoints.client_id}",
        f"  client secret     : {endpoints.client_secret}",
        *(f"  extra app user    : {a.client_id} / {a.client_secret}" for a in extra),
    ]
    print("\n".join(line for line in lines if line), flush=True)


def _install_handlers(stop: threading.Event) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    return {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}


def _restore_handlers(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
