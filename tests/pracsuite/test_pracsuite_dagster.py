"""A PracSuite customer in the demo's way: its configuration names the API (keys by variable name), and
`pracsuite_stage` runs source/extract → raw → staged through Dagster; run again after the clinic changed a
patient, it extracts only the changes into the next snapshot and stages them. No key reaches the run's
events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest
import yaml
from pipeline_helpers import staged_frame
from privacy_helpers import event_log_text

from customers.endpoints import secret_env_name
from customers.home import MigrationHome
from emulators.launcher import RunningEmulators
from migration_assets.definitions import defs
from migration_assets.partitions import add_customer_partition

CUSTOMER = "pracsuite-api"
VENDOR_ENV = secret_env_name(CUSTOMER, "PRACSUITE_VENDOR_KEY")
ACCOUNT_ENV = secret_env_name(CUSTOMER, "PRACSUITE_ACCOUNT_KEY")


def _register(home: Path, running: RunningEmulators) -> None:
    api = {
        "vendor_key_env": VENDOR_ENV,
        "account_key_env": ACCOUNT_ENV,
        "base_url": f"{running.endpoints.pracsuite_url}/v1",
        "ca_file": running.endpoints.ca_file,
    }
    config = {
        "customer_id": CUSTOMER,
        "name": "PracSuite Physio",
        "country": "AU",
        "time_zone": "Australia/Sydney",
        "source": {"system": "pracsuite", "trial": api, "live": dict(api)},
        "fallback_owner_email": "owner@example.org",
    }
    path = home / f"{CUSTOMER}.yaml"
    home.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    MigrationHome(home).register(path)


@pytest.fixture(scope="module")
def runs(pracsuite: RunningEmulators, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    control = pracsuite.pracsuite_control
    assert control is not None
    control.reset()
    control.clear_faults()
    home = tmp_path_factory.mktemp("home-pracsuite-api")
    keys = (pracsuite.endpoints.pracsuite_vendor_key or "", pracsuite.endpoints.pracsuite_account_key or "")
    job = defs().resolve_job_def("pracsuite_stage")
    key = dg.MultiPartitionKey({"customer": CUSTOMER, "run": "trial"})
    with pytest.MonkeyPatch.context() as patch, dg.instance_for_test() as instance:
        patch.setenv("MIGRATION_HOME", str(home))
        patch.setenv(VENDOR_ENV, keys[0])
        patch.setenv(ACCOUNT_ENV, keys[1])
        _register(home, pracsuite)
        add_customer_partition(instance, CUSTOMER)
        first = job.execute_in_process(partition_key=key, instance=instance, raise_on_error=False)
        clients_first = staged_frame(home, CUSTOMER, "client")
        control.upsert("patient", {"client_id": 2, "first_name": "Renamed"})
        second = job.execute_in_process(partition_key=key, instance=instance, raise_on_error=False)
        yield {
            "home": home,
            "keys": keys,
            "results": [first, second],
            "events": "\n".join(event_log_text(instance).values()),
            "clients": [clients_first, staged_frame(home, CUSTOMER, "client")],
        }


def _extract_metadata(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    node = "source__extract"
    materialisations = [m for m in result.asset_materializations_for_node(node) if m.asset_key.path[-1] == "extract"]
    assert len(materialisations) == 1
    return {k: v.value for k, v in materialisations[0].metadata.items()}


def test_the_api_customer_is_extracted_and_staged_through_dagster(runs: dict[str, Any], practice: dict) -> None:
    for result in runs["results"]:
        failures = [e for e in result.all_events if e.is_step_failure]
        # Only the blocking checks the synthetic defects fail stop the run.
        assert [e.event_specific_data.error.cls_name for e in failures] == ["DagsterAssetCheckFailedError"]
    first, second = (_extract_metadata(r) for r in runs["results"])
    assert first["kind"] == "full" and first["snapshot"].endswith("snapshots/0001")
    assert second["kind"] == "delta" and second["snapshot"].endswith("snapshots/0002")
    assert second["since"] == first["high_water_mark"] and second["records"] == {"patients": 1}
    # One patient of the practice is a duplicate merged into its original.
    assert runs["clients"][0].height == len(practice["patients"]) - 1
    # The extraction's progress is in the run's log (issue 25 item 2): every patient of the first (full) pass,
    # of the total the API told; the delta's pass lists the patients again to find deletions.
    patients = len(practice["patients"])
    assert f"extract pracsuite/patients: {patients}/{patients} records (100%)" in runs["events"]
    assert f"extract pracsuite/patients_ids: {patients}/{patients} records (100%)" in runs["events"]


def test_the_changed_patient_is_staged_from_the_delta(runs: dict[str, Any]) -> None:
    before, after = runs["clients"]
    name = pl.col("source_id") == "2"
    assert before.filter(name)["first_name"].item() != "Renamed"
    assert after.filter(name)["first_name"].item() == "Renamed"
    assert after.height == before.height


def test_no_key_reaches_the_runs_events(runs: dict[str, Any]) -> None:
    assert all(key and key not in runs["events"] for key in runs["keys"])
