"""Bring a running `make dev` instance to the states the operator guide's screenshots show (run by
`make screenshots` before take.py; re-runnable: each pass adds one more run of every step).

The demo's own customers (`make demo`) have ERROR findings by design, so the signoff, live, delta and rollback
pages need a practice whose trial passes: `clean-physio` (`SCREENSHOT_CUSTOMER`), a clean generated Cliniko dump
whose live target is the demo's emulated Dynamics org (`SCREENSHOT_TARGET=dynamics`, the default; keys carry the
customer, so it shares the org with demo-physio) — or, with `SCREENSHOT_TARGET=gensolve`, its own embedded
Gensolve database. This script

1. writes its dump and configuration through the project's CLI (`practice-migrate generate` unless the dump
   exists, `customers add`: the configuration and the dynamic partition on the instance in $DAGSTER_HOME); for
   Dynamics, `python -m practice_migrate.targets customer` first provisions it in the running org — its own app
   registration and application user (its secret is in $MIGRATION_HOME/dev.env, written by `make demo` /
   `make targets` before `make dev` started, never here), its practitioners and fallback owner as users — and
   prints its `target.live` block (trial: a sandbox it never loads into; the day below has no trial load), then
2. drives the webserver's GraphQL API (`DAGSTER_URL`) as the UI's Launchpad does, one run at a time, each
   waited for: `cliniko_stage` trial → the signoff (`signoff/trial_signoff`) → `cliniko_stage` live →
   `<target>_migrate` live (schema plan applied) → `cliniko_delta_pickup_<target>` live → `<target>_rollback` live.

Exit 0 when every run succeeded; the first run that did not is named with its status. Standard library only
(it runs in .venv-docs beside Playwright; the project's CLI and interpreter are `PRACTICE_MIGRATE` and
`PROJECT_PYTHON`, default .venv/bin).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE = os.environ.get("DAGSTER_URL", "http://127.0.0.1:3000").rstrip("/")
CUSTOMER = os.environ.get("SCREENSHOT_CUSTOMER", "clean-physio")
TARGET = os.environ.get("SCREENSHOT_TARGET", "dynamics")  # the target's asset group: dynamics or gensolve
CLI = os.environ.get("PRACTICE_MIGRATE", str(ROOT / ".venv" / "bin" / "practice-migrate"))
PROJECT_PYTHON = os.environ.get("PROJECT_PYTHON", str(ROOT / ".venv" / "bin" / "python"))
FALLBACK_OWNER = "migration.owner@example.co.nz"
TARGET_SYSTEMS = {"dynamics": "dynamics365", "gensolve": "gensolve"}
LOCATION = "migration"  # workspace.yaml
REPOSITORY = "__repository__"
CLIENTS = 150
SEED = 20261207
# How long one run may take on a shared two-core machine before the script gives up on it (seconds).
RUN_TIMEOUT = 1800.0
DONE = {"SUCCESS", "FAILURE", "CANCELED"}

LAUNCH = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on Error { message }
  }
}"""
STATUS = "query($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status } } }"

Post = Callable[[str, dict], dict]


@dataclass(frozen=True)
class Step:
    """One launch: a job (or, for assets outside every job, the implicit asset job and an asset selection)."""

    name: str
    job: str
    run_kind: str | None  # None: the customer-only partition (the signoff)
    run_config: dict = field(default_factory=dict)
    assets: tuple[tuple[str, ...], ...] = ()


def steps(customer: str, target: str = "dynamics") -> list[Step]:
    """The clean practice's day, in order, for a customer whose target's asset group is ``target``."""
    signoff = {"ops": {"signoff__trial_signoff": {"config": {"approved_by": "Dr A. Owner", "comment": "screenshots"}}}}
    apply_plan = {"ops": {f"{target}__schema_plan": {"config": {"apply": True}}}}
    return [
        Step("trial staging", "cliniko_stage", "trial"),
        Step("signoff", "__ASSET_JOB", None, signoff, (("signoff", "trial_signoff"),)),
        Step("live staging", "cliniko_stage", "live"),
        Step("live load", f"{target}_migrate", "live", apply_plan),
        Step("delta pickup", f"cliniko_delta_pickup_{target}", "live"),
        Step("rollback", f"{target}_rollback", "live"),
    ]


def execution_params(step: Step, customer: str) -> dict:
    """The `ExecutionParams` the Launchpad sends for this step and customer."""
    if step.run_kind is None:
        tags = {"dagster/partition": customer}
    else:
        tags = {
            "dagster/partition": f"{customer}|{step.run_kind}",
            "dagster/partition/customer": customer,
            "dagster/partition/run": step.run_kind,
        }
    selector: dict[str, object] = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}
    selector["jobName"] = step.job
    if step.assets:
        selector["assetSelection"] = [{"path": list(path)} for path in step.assets]
    return {
        "selector": selector,
        "runConfigData": step.run_config,
        "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in tags.items()]},
    }


def http_post(query: str, variables: dict) -> dict:
    """One GraphQL request to the webserver; its `data`."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(BASE + "/graphql", body, {"Content-Type": "application/json"})  # noqa: S310 http
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 our own loopback webserver
        payload = json.loads(answer.read())
    if payload.get("errors"):
        raise RuntimeError(f"GraphQL: {payload['errors'][0].get('message')}")
    return payload["data"]


def launch(post: Post, step: Step, customer: str) -> str:
    """Launch the step's run; its id. Raises RuntimeError with the webserver's reason when refused."""
    answer = post(LAUNCH, {"params": execution_params(step, customer)})["launchRun"]
    if answer["__typename"] == "LaunchRunSuccess":
        return str(answer["run"]["runId"])
    reasons = [e["message"] for e in answer.get("errors", [])] or [answer.get("message", answer["__typename"])]
    raise RuntimeError(f"{step.name}: {step.job} not launched: {'; '.join(reasons)}")


def wait(post: Post, run_id: str, timeout: float = RUN_TIMEOUT, pause: float = 3.0) -> str:
    """Poll the run until it ends (queued runs wait for the daemon); its final status."""
    deadline = time.monotonic() + timeout
    while True:
        status = str(post(STATUS, {"runId": run_id})["runOrError"].get("status"))
        if status in DONE:
            return status
        if time.monotonic() > deadline:
            return f"{status} after {timeout:.0f} s"
        time.sleep(pause)


def drive(post: Post, customer: str, pause: float = 3.0, target: str = "dynamics") -> list[tuple[str, str, str]]:
    """Run every step in order, stopping at the first that did not succeed; (step, run id, status) per run."""
    done = []
    for step in steps(customer, target):
        run_id = launch(post, step, customer)
        status = wait(post, run_id, pause=pause)
        done.append((step.name, run_id, status))
        print(f"{step.name}: {step.job} run {run_id} {status}", flush=True)
        if status != "SUCCESS":
            break
    return done


Run = Callable[[list[str]], str]


def run_project(command: list[str]) -> str:
    """One command of the project (from its root, so its own code runs); its standard output."""
    done = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)  # noqa: S603 ours
    sys.stderr.write(done.stderr)
    return done.stdout


def register(customer: str, home: Path, target: str = "dynamics", run: Run = run_project) -> Path:
    """The clean practice's dump (generated when missing), its place in the target and its configuration,
    registered through the project's CLI (again on every pass: each step is idempotent); the configuration's
    path in the inbox."""
    dump = home / "dumps" / customer / "dump"
    if not (dump / "manifest.json").exists():
        generate = [CLI, "generate", "--system", "cliniko", "--country", "NZ", "--clients", str(CLIENTS)]
        run([*generate, "--defects", "0", "--seed", str(SEED), str(dump)])
    if target == "dynamics":
        provision = [PROJECT_PYTHON, "-m", "practice_migrate.targets", "customer", customer, "--dump", str(dump)]
        live = json.loads(run([*provision, "--fallback-owner", FALLBACK_OWNER, "--environment", "production"]))
        target_block = {
            "system": TARGET_SYSTEMS[target],
            "trial": {"environment": "sandbox", "url": "https://sandbox.invalid"},
            "live": live,
        }
    else:
        target_block = {
            "system": TARGET_SYSTEMS[target],
            "trial": {"environment": "sandbox", "database": "embedded"},
            "live": {"environment": "production", "database": "embedded"},
        }
    config = home / "inbox" / f"{customer}.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(config_text(customer, dump, target_block), encoding="utf-8")
    run([CLI, "customers", "add", str(config)])
    return config


def config_text(customer: str, dump: Path, target: dict) -> str:
    """The clean practice's customer file (its dump for both run kinds, ``target`` as given)."""
    return json.dumps(  # JSON is YAML
        {
            "customer_id": customer,
            "name": "Clean Physio (screenshots)",
            "country": "NZ",
            "time_zone": "Pacific/Auckland",
            "source": {"system": "cliniko", "trial": {"dump": str(dump)}, "live": {"dump": str(dump)}},
            "target": target,
            "fallback_owner_email": FALLBACK_OWNER,
        },
        indent=2,
    )


def main() -> int:
    home = Path(os.environ.get("MIGRATION_HOME", ROOT / "var"))
    if TARGET not in TARGET_SYSTEMS:
        print(f"SCREENSHOT_TARGET must be one of {', '.join(TARGET_SYSTEMS)}", file=sys.stderr)
        return 2
    register(CUSTOMER, home, TARGET)
    done = drive(http_post, CUSTOMER, target=TARGET)
    return 0 if done and all(status == "SUCCESS" for _, _, status in done) else 1


if __name__ == "__main__":
    sys.exit(main())
