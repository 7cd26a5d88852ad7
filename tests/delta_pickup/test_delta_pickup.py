"""The migration workflow through Dagster on a real instance, against the Cliniko and Dataverse emulators:
trial from a dump → signoff → live through the Cliniko API → delta window: the practice keeps working
(a patient changed, one created, one deleted), the delta sensor requests one run, the run loads exactly
those changes (deleted → deactivated), the delta check passes, and a quiet source requests nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import dagster as dg
import pytest
import yaml
from dagster_defs import REPOSITORY, SIGNOFF_JOB

from customers import MigrationHome
from customers.endpoints import secret_env_name
from emulators.launcher import RunningEmulators, start_emulators
from migration_assets.delta import DELTA_CHECK, DELTA_KEY, EXTRACT_KEY, delta_pickup_sensor
from migration_assets.partitions import add_customer_partition
from migration_assets.resources import MigrationHomeResource
from store import Warehouse
from synthetic import generate_practice

CUSTOMER = "delta-nz"
KEY_ENV = secret_env_name(CUSTOMER, "CLINIKO_KEY")
SECRET_ENV = secret_env_name(CUSTOMER, "DATAVERSE_SECRET")
USER_AGENT = "practice-migrate tests (migrations@example.org)"


def _partition(run_kind: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"customer": CUSTOMER, "run": run_kind})


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("delta")
    practice = generate_practice(root / "dump", country="NZ", clients=40, defect_rate=0.0, seed=21)
    with (
        start_emulators(
            time_scale=0.01,
            dataverse_options={"cost_model": False, "key_activation": {"mode": "immediate"}},
            cliniko=True,
            cliniko_dump=practice.out_dir,
        ) as running,
        pytest.MonkeyPatch.context() as patch,
        dg.instance_for_test() as instance,
    ):
        ep = running.endpoints
        home = root / "home"
        patch.setenv("MIGRATION_HOME", str(home))
        patch.setenv(KEY_ENV, ep.cliniko_api_key or "")
        patch.setenv(SECRET_ENV, ep.client_secret)
        for line in (practice.out_dir / "users.ndjson").read_text(encoding="utf-8").splitlines():
            user = json.loads(line)
            if user.get("email"):
                running.dataverse_control.add_user(
                    firstname=user["first_name"], lastname=user["last_name"], internalemailaddress=user["email"]
                )
        running.dataverse_control.add_user(
            firstname="Practice", lastname="Owner", internalemailaddress="owner@example.org"
        )
        config = {
            "customer_id": CUSTOMER,
            "name": "Delta Physio",
            "country": "NZ",
            "time_zone": "Pacific/Auckland",
            "source": {
                "system": "cliniko",
                "trial": {"dump": str(practice.out_dir)},
                "live": {
                    "api_key_env": KEY_ENV,
                    "user_agent": USER_AGENT,
                    "base_url": f"{ep.cliniko_url}/v1",
                    "ca_file": ep.ca_file,
                },
            },
            "target": {
                "system": "dynamics365",
                "trial": {"environment": "sandbox", "url": "https://sandbox.invalid", "tenant_id": ep.tenant_id},
                "live": ep.dataverse_environment("production", SECRET_ENV),
            },
            "fallback_owner_email": "owner@example.org",
            "delta": {"window_hours": 24, "poll_minutes": 1, "deletions": "deactivate"},
        }
        path = root / f"{CUSTOMER}.yaml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        MigrationHome(home).register(path)
        add_customer_partition(instance, CUSTOMER)
        yield {"running": running, "instance": instance, "home": home, "dump": practice.out_dir}


def _run(
    world: dict[str, Any],
    job: str,
    run_kind: str,
    run_config: dict | None = None,
    asset_selection: list[dg.AssetKey] | None = None,
) -> dg.ExecuteInProcessResult:
    result = REPOSITORY.get_job(job).execute_in_process(
        partition_key=_partition(run_kind),
        instance=world["instance"],
        run_config=run_config or {},
        raise_on_error=False,
        asset_selection=asset_selection,
    )
    failures = [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert result.success, failures
    return result


def _checks(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], bool]:
    return {
        (
            e.event_specific_data.asset_key.to_user_string(),
            e.event_specific_data.check_name,
        ): e.event_specific_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def _sensor(world: dict[str, Any], cursor: str | None = None) -> dg.SensorResult:
    context = dg.build_sensor_context(
        instance=world["instance"],
        cursor=cursor,
        resources={"migration_home": MigrationHomeResource(path=str(world["home"]))},
        repository_def=REPOSITORY,
    )
    return delta_pickup_sensor(context)


def _contacts(running: RunningEmulators) -> dict[str, dict[str, Any]]:
    return {r["new_sourcesystemid"]: r for r in running.dataverse_control.dump_table("contact")}


def test_delta_window_from_live_load_to_verified_changes(world: dict[str, Any]) -> None:
    running: RunningEmulators = world["running"]
    # Before any live load the window is closed: the sensor asks nothing.
    assert not _sensor(world).run_requests
    _run(world, "cliniko_stage", "trial")
    signoff = SIGNOFF_JOB.execute_in_process(  # type: ignore[attr-defined]
        partition_key=CUSTOMER,
        instance=world["instance"],
        run_config={"ops": {"signoff__trial_signoff": {"config": {"approved_by": "practice owner", "comment": "ok"}}}},
    )
    assert signoff.success
    staged = _run(world, "cliniko_stage", "live")
    extracts = [e for e in staged.get_asset_materialization_events() if e.asset_key == EXTRACT_KEY]
    assert extracts
    # What the extraction had to work around is in the extract's metadata (ids only): nothing here.
    findings = extracts[0].materialization.metadata["extraction_findings"].value
    assert findings == {
        "settings_read_from": "settings",
        "missing_attachments": [],
        "attachments_processing": [],
        "sub_resource_errors": [],
    }
    migrate_config = {"ops": {"dynamics__schema_plan": {"config": {"apply": True}}}}
    live = _run(world, "dynamics_migrate", "live", migrate_config)
    assert all(_checks(live).values()), {k: v for k, v in _checks(live).items() if not v}
    # The post-migration checklist rolled the load's checks into one verdict and its report.
    assert _checks(live)[("dynamics/post_migration", "passed")] is True
    report = MigrationHome(world["home"]).reports_dir(CUSTOMER, "live") / f"load-{live.run_id}" / "post-migration.html"
    assert "PASSED" in report.read_text(encoding="utf-8")
    loaded = _contacts(running)
    assert loaded

    # The practice keeps working during the window.
    control = running.cliniko_control
    patients = [json.loads(line) for line in (world["dump"] / "patients.ndjson").read_text().splitlines()]
    changed, deleted = patients[0]["id"], patients[1]["id"]
    control.update("patients", changed, occupation="Harbour pilot")
    created = control.create("patients", first_name="Aroha", last_name="Delta", email="aroha.delta@example.net")
    control.delete("patients", deleted)
    before = running.dataverse_control.stats()

    result = _sensor(world)
    assert len(result.run_requests) == 1, result.skip_reason
    request = result.run_requests[0]
    assert request.partition_key == _partition("live")
    # The run selects the customer's target (Dynamics) only, as the sensor asked.
    assert {k.path[0] for k in request.asset_selection or []} >= {"dynamics", "delta", "staged"}
    assert "gensolve" not in {k.path[0] for k in request.asset_selection or []}
    delta = _run(world, "cliniko_delta_pickup", "live", asset_selection=list(request.asset_selection or []))
    checks = _checks(delta)
    assert checks[(DELTA_KEY.to_user_string(), DELTA_CHECK)] is True
    assert checks[("dynamics/post_migration", "passed")] is True
    assert not _failing_errors(delta)
    # The deleted patient's appointments, notes and invoices are rejected (their parent is gone): a warning.
    assert {k for k, v in checks.items() if not v} <= {
        (f"staged/{entity}", "rejects")
        for entity in ("appointment", "clinical_note", "invoice", "invoice_line", "document", "communication")
    }

    after = _contacts(running)
    assert after[f"cliniko:client:{changed}"]["jobtitle"] == "Harbour pilot"
    assert f"cliniko:client:{created['id']}" in after
    assert after[f"cliniko:client:{deleted}"]["statecode"] == 1  # deactivated, as configured
    # Only the changes were sent: the ledger's writes of the delta run are the changed and the new patient,
    # and the only record created in the org is the new patient.
    ops = _ledger_ops(world, delta.run_id)
    assert {k for k, op in ops if op in ("create", "update")} == {
        f"cliniko:client:{changed}",
        f"cliniko:client:{created['id']}",
    }
    assert (f"cliniko:client:{deleted}", "deactivated") in ops
    stats = running.dataverse_control.stats()
    assert stats["records"]["created"] - before["records"]["created"] == 1

    # Nothing changed since: the next poll requests no run.
    quiet = _sensor(world)
    assert not quiet.run_requests
    assert "no changes" in (quiet.skip_reason.skip_message if quiet.skip_reason else "")


def _ledger_ops(world: dict[str, Any], run_id: str) -> set[tuple[str, str]]:
    warehouse = Warehouse.for_customer(MigrationHome(world["home"]).customer_dir(CUSTOMER))
    with warehouse.connect(read_only=True) as con:
        rows = con.execute(
            "select canonical_id, operation from ledger.operation where run_id = ? and operation != 'unchanged'",
            [run_id],
        ).fetchall()
    return {(str(k), str(op)) for k, op in rows}


def _failing_errors(result: dg.ExecuteInProcessResult) -> list[tuple[str, str]]:
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    return [
        (c.asset_key.to_user_string(), c.check_name)
        for c in evaluations
        if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
    ]
