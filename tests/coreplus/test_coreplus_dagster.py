"""A Core Plus customer configured with the API, through the real Dagster jobs on a real instance: `coreplus_stage`
extracts from the emulator into snapshot 0001 → raw → staged → checks; in the delta window the sensor asks the API
(quiet: no run; the practice worked: one run) and the delta job re-reads, writes the delta and verifies it
with `delta/verification` reading Core Plus's own resources and keys."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
from coreplus_helpers import register_api_customer, work_in_practice
from dagster_defs import REPOSITORY

from emulators.launcher import start_emulators
from migration_assets.delta import (
    DELTA_CHECK,
    DELTA_KEY,
    EXTRACT_KEY,
    customer_delta_job,
    delta_pickup_sensor,
    window_marker,
)
from migration_assets.partitions import add_customer_partition
from migration_assets.resources import MigrationHomeResource
from synthetic.coreplus import write_practice

pytestmark = pytest.mark.timeout(1200)
CUSTOMER = "coreplus-live"


def _events(result: dg.ExecuteInProcessResult, kind: str) -> list[dg.DagsterEvent]:
    return [e for e in result.all_events if e.event_type_value == kind]


def _checks(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {
        (e.event_specific_data.asset_key.to_user_string(), e.event_specific_data.check_name): e.event_specific_data
        for e in _events(result, "ASSET_CHECK_EVALUATION")
    }


def _metadata(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict[str, object]:
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_a_coreplus_api_customer_through_dagster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    practice_path = tmp_path / "practice.json"
    practice = write_practice(practice_path, clients=12, seed=5)
    home = tmp_path / "home"
    with start_emulators(dataverse=False, entra=False, coreplus=True, coreplus_practice=practice_path) as running:
        config = register_api_customer(home, running, CUSTOMER, practice, monkeypatch, live=True)
        partition = dg.MultiPartitionKey({"customer": CUSTOMER, "run": "live"})
        (tmp_path / "instance").mkdir()
        with dg.instance_for_test(temp_dir=str(tmp_path / "instance")) as instance:
            add_customer_partition(instance, CUSTOMER)
            stage = REPOSITORY.get_job("coreplus_stage").execute_in_process(
                partition_key=partition, instance=instance, raise_on_error=False
            )
            assert stage.success, [e.message for e in _events(stage, "STEP_FAILURE")]
            extracted = _metadata(stage, EXTRACT_KEY)
            assert extracted["kind"] == "full" and extracted["records"]["clients"] == len(practice["clients"])
            assert Path(str(extracted["snapshot"])).name == "0001"
            checks = _checks(stage)
            reconciliation = [c for (asset, name), c in checks.items() if name == "reconciliation"]
            assert reconciliation and all(c.passed for c in reconciliation)
            failing = {k for k, c in checks.items() if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR}
            assert failing == set()
            assert checks[(EXTRACT_KEY.to_user_string(), "undeclared_files")].passed  # manifest.json is declared

            # The delta window opens with the target's first live load (here reported, not run: the load is the
            # Cliniko workflow's subject, tests/delta_pickup).
            instance.report_runless_asset_event(
                dg.AssetMaterialization(asset_key=window_marker(config), partition=str(partition))
            )

            def sensor() -> dg.SensorResult:
                # A fresh context has no cursor: every call is a poll due (poll_minutes has passed).
                context = dg.build_sensor_context(
                    instance=instance,
                    resources={"migration_home": MigrationHomeResource(path=str(home))},
                    repository_def=REPOSITORY,
                )
                return delta_pickup_sensor(context)

            quiet = sensor()
            assert not quiet.run_requests
            assert "no changes" in (quiet.skip_reason.skip_message if quiet.skip_reason else "")

            changed, what = work_in_practice(practice)
            practice_path.write_text(json.dumps(changed), encoding="utf-8")
            assert running.coreplus_control is not None
            running.coreplus_control.reset()
            woken = sensor()
            assert len(woken.run_requests) == 1, woken.skip_reason
            request = woken.run_requests[0]
            assert request.job_name == customer_delta_job(config)
            assert request.run_key == f"{CUSTOMER}|live|delta|{extracted['high_water_mark']}"
            target_schema = window_marker(config).path[0]
            job = REPOSITORY.get_job(request.job_name)
            selection = [k for k in job.asset_layer.executable_asset_keys if k.path[0] != target_schema]
            delta = job.execute_in_process(
                partition_key=partition, instance=instance, raise_on_error=False, asset_selection=selection
            )
            assert delta.success, [e.message for e in _events(delta, "STEP_FAILURE")]
            assert _metadata(delta, EXTRACT_KEY)["kind"] == "delta"
            verified = _metadata(delta, DELTA_KEY)
            deleted = sum(len(ids) for ids in what.deleted.values())
            # Two clients (renamed, created) and one appointment changed; the deleted client's records tombstoned.
            assert verified["changed_records"] == 3
            assert verified["deleted_records"] == deleted
            assert _checks(delta)[(DELTA_KEY.to_user_string(), DELTA_CHECK)].passed
