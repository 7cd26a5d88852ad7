"""Benchmark: delta pickup latency — from a change in the Cliniko emulator to the change visible in the
Dataverse emulator, through the real sensor and a real `delta_pickup` run on a Dagster instance.

The sensor's polling interval (`delta.poll_minutes`) is excluded and reported separately: the latency is
the sensor's evaluation (which asks the API whether anything changed) plus the run it requests.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import time
from typing import Any

import dagster as dg
import yaml

from customers import MigrationHome
from customers.endpoints import secret_env_name
from emulators.launcher import start_emulators
from emulators.provision import provision_practice_users
from migration_assets.definitions import defs
from migration_assets.delta import delta_pickup_sensor
from migration_assets.partitions import add_customer_partition
from migration_assets.resources import MigrationHomeResource
from migration_assets.signoff import trial_signoff
from synthetic import generate_practice
from targets.dynamics.payloads import source_key

CLIENTS = 60
CUSTOMER = "bench-delta"
KEY_ENV = secret_env_name(CUSTOMER, "CLINIKO_KEY")
SECRET_ENV = secret_env_name(CUSTOMER, "DATAVERSE_SECRET")
FALLBACK = "owner@example.org"
POLL_MINUTES = 15


def _config(dump: pathlib.Path, ep: Any) -> dict[str, Any]:
    return {
        "customer_id": CUSTOMER,
        "name": "Bench Delta Physio",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": {
            "system": "cliniko",
            "trial": {"dump": str(dump)},
            "live": {
                "api_key_env": KEY_ENV,
                "user_agent": "practice-migrate bench (migrations@example.org)",
                "base_url": f"{ep.cliniko_url}/v1",
                "ca_file": ep.ca_file,
            },
        },
        "target": {
            "system": "dynamics365",
            "trial": {"environment": "sandbox", "url": "https://sandbox.invalid"},
            "live": ep.dataverse_environment("production", SECRET_ENV),
        },
        "fallback_owner_email": FALLBACK,
        "delta": {"window_hours": 48, "poll_minutes": POLL_MINUTES},
    }


def run(out_dir: pathlib.Path, clients: int = CLIENTS) -> dict[str, Any]:
    """Live-load a practice through the Cliniko API, change one patient, and time its way to Dataverse."""
    work = pathlib.Path(out_dir) / "delta-pickup-bench"
    shutil.rmtree(work, ignore_errors=True)
    generated = generate_practice(work / "dump", country="NZ", clients=clients, defect_rate=0.0, seed=9)
    home = work / "home"
    previous = os.environ.get("MIGRATION_HOME")
    with (
        start_emulators(
            dataverse_options={"key_activation": {"mode": "immediate"}}, cliniko=True, cliniko_dump=generated.out_dir
        ) as running,
        dg.instance_for_test() as instance,
    ):
        ep = running.endpoints
        os.environ.update({"MIGRATION_HOME": str(home), KEY_ENV: str(ep.cliniko_api_key), SECRET_ENV: ep.client_secret})
        provision_practice_users(running.dataverse_control, generated.out_dir, FALLBACK)
        config_file = work / f"{CUSTOMER}.yaml"
        config_file.write_text(yaml.safe_dump(_config(generated.out_dir, ep)), encoding="utf-8")
        MigrationHome(home).register(config_file)
        add_customer_partition(instance, CUSTOMER)
        resources = {"migration_home": MigrationHomeResource(path=str(home))}

        def launch(
            job: str, run_kind: str, run_config: dict | None = None, selection: list[dg.AssetKey] | None = None
        ) -> float:
            started = time.perf_counter()
            result = (
                defs()
                .resolve_job_def(job)
                .execute_in_process(
                    partition_key=dg.MultiPartitionKey({"customer": CUSTOMER, "run": run_kind}),
                    instance=instance,
                    run_config=run_config or {},
                    raise_on_error=False,
                    asset_selection=selection,
                )
            )
            if not result.success:
                raise RuntimeError(f"{job} for {CUSTOMER}|{run_kind} did not succeed")
            return time.perf_counter() - started

        launch("cliniko_stage", "trial")
        signed = {"ops": {"signoff__trial_signoff": {"config": {"approved_by": "bench"}}}}
        dg.materialize(
            [trial_signoff], partition_key=CUSTOMER, instance=instance, resources=resources, run_config=signed
        )
        live_stage = launch("cliniko_stage", "live")
        live_load = launch("dynamics_migrate", "live", {"ops": {"dynamics__schema_plan": {"config": {"apply": True}}}})

        patient = json.loads((generated.out_dir / "patients.ndjson").open(encoding="utf-8").readline())["id"]
        changed_at = time.perf_counter()
        running.cliniko_control.update("patients", patient, occupation="Lighthouse keeper")
        time.sleep(1.1)  # the emulator's Date header moves once a second; the delta window ends at it
        sensor_started = time.perf_counter()
        result = delta_pickup_sensor(
            dg.build_sensor_context(instance=instance, resources=resources, repository_def=defs())
        )
        sensor_seconds = time.perf_counter() - sensor_started
        if len(result.run_requests) != 1:
            raise RuntimeError(f"the sensor requested {len(result.run_requests)} runs")
        run_seconds = launch(str(result.run_requests[0].job_name), "live")
        contact = next(
            r
            for r in running.dataverse_control.dump_table("contact")
            if r.get("new_sourcesystemid") == source_key(CUSTOMER, f"cliniko:client:{patient}")
        )
        visible = contact.get("jobtitle") == "Lighthouse keeper"
        total = time.perf_counter() - changed_at
    if previous is None:
        os.environ.pop("MIGRATION_HOME", None)
    else:
        os.environ["MIGRATION_HOME"] = previous
    shutil.rmtree(work, ignore_errors=True)
    return {
        "clients": clients,
        "live_stage_seconds": round(live_stage, 1),
        "live_load_seconds": round(live_load, 1),
        "sensor_evaluation_seconds": round(sensor_seconds, 2),
        "delta_run_seconds": round(run_seconds, 1),
        "change_to_target_seconds": round(total, 1),
        "excluded_poll_interval_seconds": POLL_MINUTES * 60,
        "change_visible_in_target": visible,
    }


if __name__ == "__main__":
    print(json.dumps(run(pathlib.Path("bench/out")), indent=2))
