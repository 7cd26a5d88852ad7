"""Benchmark: UpsertMultiple throughput of the Dataverse emulator (batches of 500, cost model off)."""
# The emulator must not be the bottleneck it models: the target is 2,000 records/s on a 2-core machine,
# measured through a real HTTPS client (httpx + msal against the Entra emulator) with persistent state.

from __future__ import annotations

import json
import pathlib
import shutil
import tempfile
import time
from typing import Any

import httpx
import msal

from emulators.launcher import ssl_context, start_emulators

TARGET_RECORDS_PER_SECOND = 2000
BATCH_SIZE = 500
RECORDS = 20_000
KEY_COLUMN = "new_benchsourceid"


def _targets(start: int, pass_name: str) -> list[dict[str, Any]]:
    return [
        {
            "@odata.type": "Microsoft.Dynamics.CRM.contact",
            "@odata.id": f"contacts({KEY_COLUMN}='BENCH-{i:07d}')",
            "firstname": f"First{i}",
            "lastname": f"Patient {pass_name} {i}",
            "emailaddress1": f"patient{i}@clinic.example",
            "mobilephone": f"+6421{i:07d}",
            "birthdate": "1980-02-29",
            "address1_line1": f"{i} Example Street",
            "address1_city": "Wellington",
            "address1_postalcode": "6011",
            "gendercode": 1 + i % 2,
            "description": "Synthetic benchmark record",
        }
        for i in range(start, min(start + BATCH_SIZE, RECORDS))
    ]


def _pass(client: httpx.Client, pass_name: str) -> float:
    started = time.perf_counter()
    for start in range(0, RECORDS, BATCH_SIZE):
        body = json.dumps({"Targets": _targets(start, pass_name)})
        response = client.post("contacts/Microsoft.Dynamics.CRM.UpsertMultiple", content=body)
        if response.status_code != 204:
            raise RuntimeError(f"UpsertMultiple failed: {response.status_code} {response.text[:300]}")
    return time.perf_counter() - started


def run(out_dir: pathlib.Path) -> dict[str, Any]:
    """Start the emulators (state under ``out_dir``), upsert 20,000 contacts twice (create, then update).

    Returns:
        records, seconds, records_per_second, target (2,000) and passed, plus the per-pass figures.
    """
    state = pathlib.Path(out_dir) / "emulator-bench-state"
    shutil.rmtree(state, ignore_errors=True)
    options = {"cost_model": False, "key_activation": {"mode": "immediate"}}
    with start_emulators(state_dir=state, dataverse_options=options) as running:
        ep = running.endpoints
        with httpx.Client(verify=ssl_context(ep.ca_file), timeout=120) as http:
            app = msal.ConfidentialClientApplication(
                ep.client_id,
                client_credential=ep.client_secret,
                authority=f"{ep.entra_url}/{ep.tenant_id}",
                instance_discovery=False,
                http_client=http,
                azure_region=False,
            )
            token = app.acquire_token_for_client(scopes=[f"{ep.dataverse_url}/.default"])["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "OData-Version": "4.0"}
        with httpx.Client(
            base_url=f"{ep.dataverse_url}/api/data/v9.2/", headers=headers, verify=ssl_context(ep.ca_file), timeout=120
        ) as client:
            column = {
                "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
                "SchemaName": "new_BenchSourceId",
            }
            client.post("EntityDefinitions(LogicalName='contact')/Attributes", json=column).raise_for_status()
            key = {"SchemaName": "new_bench_source_key", "KeyAttributes": [KEY_COLUMN]}
            client.post("EntityDefinitions(LogicalName='contact')/Keys", json=key).raise_for_status()
            create_seconds = _pass(client, "created")
            update_seconds = _pass(client, "updated")
        stats = running.dataverse_control.stats()
    shutil.rmtree(state, ignore_errors=True)
    records = 2 * RECORDS
    seconds = create_seconds + update_seconds
    rate = records / seconds
    return {
        "benchmark": "emulator_upsert_multiple",
        "batch_size": BATCH_SIZE,
        "cost_model": False,
        "persistent_state": True,
        "records": records,
        "seconds": round(seconds, 3),
        "records_per_second": round(rate, 1),
        "create_records_per_second": round(RECORDS / create_seconds, 1),
        "update_records_per_second": round(RECORDS / update_seconds, 1),
        "emulator_records_written": stats["records"]["written"],
        "target": TARGET_RECORDS_PER_SECOND,
        "passed": rate >= TARGET_RECORDS_PER_SECOND and stats["records"]["written"] == records,
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="emulator-bench-") as scratch:
        print(json.dumps(run(pathlib.Path(scratch))))
