"""Two hops as Dagster runs, one lineage: Cliniko → the embedded Gensolve of `dg-hop-one` (cliniko_stage,
gensolve_migrate) → `dg-hop-two`, whose source is that database (source/extract snapshots it; gensolve_stage,
signoff, live gensolve_stage, dynamics_migrate) → the Dataverse emulator. Every Cliniko patient that reached
Gensolve reaches Dynamics with both ids; both hops reconcile exactly; the trace prints the chain with both
hops' runs; a second run of both hops writes nothing. Then the practice changes Gensolve during the delta
window (a client updated, an appointment added, a note deleted): the delta sensor requests one
`gensolve_delta_pickup_dynamics` run, which sends exactly those changes and passes `delta/verification`."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
from dagster_defs import REPOSITORY, SIGNOFF_JOB, assert_run_succeeded, check_outcomes
from dynamics_load_helpers import DATAVERSE_OPTIONS, TIME_SCALE, canonical_key, dump_users, seed_users
from gensolve_hops import CHANGED_OCCUPATION, change_practice, register_hop_customer
from pipeline_helpers import ledger_writes, register_customer, staged_frame

from customers import MigrationHome
from customers.endpoints import secret_env_name
from emulators.launcher import start_emulators
from migration_assets.delta import DELTA_CHECK, DELTA_KEY, EXTRACT_KEY, delta_pickup_sensor
from migration_assets.partitions import add_customer_partition
from migration_assets.resources import MigrationHomeResource
from practice_migrate.cli import main
from sources.registry import get_system
from targets.base import Partition
from targets.gensolve.target import embedded_path

pytestmark = pytest.mark.timeout(1800)  # about ten runs on the shared two-core machine

FIRST = "dg-hop-one"
SECOND = "dg-hop-two"
SECRET_ENV = secret_env_name(SECOND, "DATAVERSE_SECRET")
GENSOLVE_CONFIG = {"ops": {"gensolve__schema_plan": {"config": {"apply": True}}}}
DYNAMICS_CONFIG = {"ops": {"dynamics__schema_plan": {"config": {"apply": True}}}}


@dataclass
class HopRuns:
    home: Path
    results: dict[str, dg.ExecuteInProcessResult] = field(default_factory=dict)
    sensor: dict[str, dg.SensorResult] = field(default_factory=dict)
    contacts: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    trace: str = ""
    touched: dict[str, str] = field(default_factory=dict)


def _contacts(running: Any) -> dict[str, dict[str, Any]]:
    return {canonical_key(r): r for r in running.dataverse_control.dump_table("contact") if r.get("new_sourcesystemid")}


@pytest.fixture(scope="module")
def hops(cliniko_dump: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HopRuns]:
    root = tmp_path_factory.mktemp("two-hops-dagster")
    runs = HopRuns(root / "home")
    (root / "instance").mkdir()
    with (
        start_emulators(time_scale=TIME_SCALE, dataverse_options=DATAVERSE_OPTIONS) as running,
        pytest.MonkeyPatch.context() as patch,
        dg.instance_for_test(temp_dir=str(root / "instance")) as instance,
    ):
        seed_users(running.dataverse_control, dump_users(cliniko_dump))
        patch.setenv("MIGRATION_HOME", str(runs.home))
        patch.setenv(SECRET_ENV, running.endpoints.client_secret)
        endpoints = running.endpoints
        register_customer(runs.home, FIRST, cliniko_dump)  # no target block: the embedded Gensolve
        target = {
            "system": "dynamics365",
            "trial": {"environment": "sandbox", "url": "https://sandbox.invalid", "tenant_id": endpoints.tenant_id},
            "live": endpoints.dataverse_environment("production", SECRET_ENV),
        }
        # Both run kinds of the second hop read the first hop's trial database.
        register_hop_customer(runs.home, SECOND, FIRST, target=target, run="trial")
        for customer in (FIRST, SECOND):
            add_customer_partition(instance, customer)

        def run(name: str, job: str, customer: str, run_kind: str, config: dict | None = None, **kw: Any) -> None:
            runs.results[name] = REPOSITORY.get_job(job).execute_in_process(
                partition_key=dg.MultiPartitionKey({"customer": customer, "run": run_kind}),
                instance=instance,
                run_config=config or {},
                raise_on_error=False,
                **kw,
            )

        def sensor(name: str) -> None:
            context = dg.build_sensor_context(
                instance=instance,
                resources={"migration_home": MigrationHomeResource(path=str(runs.home))},
                repository_def=REPOSITORY,
            )
            runs.sensor[name] = delta_pickup_sensor(context)

        run("first_stage", "cliniko_stage", FIRST, "trial")
        run("first_load", "gensolve_migrate", FIRST, "trial", GENSOLVE_CONFIG)
        run("second_trial", "gensolve_stage", SECOND, "trial")
        runs.results["signoff"] = SIGNOFF_JOB.execute_in_process(  # type: ignore[attr-defined]
            partition_key=SECOND,
            instance=instance,
            run_config={"ops": {"signoff__trial_signoff": {"config": {"approved_by": "owner", "comment": "ok"}}}},
            raise_on_error=False,
        )
        run("second_live", "gensolve_stage", SECOND, "live")
        run("second_load", "dynamics_migrate", SECOND, "live", DYNAMICS_CONFIG)
        runs.contacts["after_load"] = _contacts(running)
        origin = next(iter(sorted(_gensolve_clients(runs.home).values())))
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert main(["trace", "--home", str(runs.home), "--run-kind", "live", SECOND, origin]) == 0
        runs.trace = printed.getvalue()

        # Both hops again: nothing to write on either.
        runs.stats["before_again"] = running.dataverse_control.stats()
        run("first_again", "gensolve_migrate", FIRST, "trial", GENSOLVE_CONFIG)
        run("second_again_stage", "gensolve_stage", SECOND, "live")
        run("second_again_load", "dynamics_migrate", SECOND, "live", DYNAMICS_CONFIG)
        runs.stats["after_again"] = running.dataverse_control.stats()

        # The practice keeps working in Gensolve during the delta window.
        runs.touched = change_practice(embedded_path(_partition(runs.home, FIRST)))
        sensor("after_changes")
        requested = runs.sensor["after_changes"].run_requests
        run("delta", requested[0].job_name if requested else "gensolve_delta_pickup_dynamics", SECOND, "live")
        runs.stats["after_delta"] = running.dataverse_control.stats()
        runs.contacts["after_delta"] = _contacts(running)
        sensor("quiet")
        yield runs


def _partition(home: Path, customer: str, run_kind: str = "trial") -> Partition:
    migration_home = MigrationHome(home)
    return Partition(migration_home, migration_home.load(customer), run_kind)


def _gensolve_clients(home: Path) -> dict[str, str]:
    with duckdb.connect(str(embedded_path(_partition(home, FIRST))), read_only=True) as con:
        return dict(con.execute("select mig_key, mig_origin_id from gpm_client").fetchall())


def test_every_patient_reaches_dynamics_with_both_ids_through_dagster_runs(hops: HopRuns) -> None:
    for name in ("first_stage", "first_load", "second_trial", "signoff", "second_live", "second_load"):
        assert_run_succeeded(hops.results[name])
    cliniko = set(staged_frame(hops.home, FIRST, "client")["canonical_id"])
    gensolve = _gensolve_clients(hops.home)
    # First hop exact: one Gensolve client per Cliniko patient.
    assert set(gensolve.values()) == cliniko
    # Second hop exact: one staged client per Gensolve row, one Dynamics contact per staged client.
    staged = staged_frame(hops.home, SECOND, "client", run_kind="live")
    assert set(staged["source_id"]) == set(gensolve)
    contacts = {k: v for k, v in hops.contacts["after_load"].items() if k.startswith("gensolve:client:")}
    assert set(contacts) == {f"gensolve:client:{key}" for key in gensolve}
    assert {key: row["new_originid"] for key, row in contacts.items()} == {
        f"gensolve:client:{key}": origin for key, origin in gensolve.items()
    }
    # The raw read came from this customer's own snapshot, which names the hop it copied.
    live = hops.results["second_live"]
    materialised = {e.asset_key.to_user_string() for e in live.get_asset_materialization_events()}
    assert {f"raw_gensolve/{t}" for t in get_system("gensolve").resources} <= materialised
    extract = next(e for e in live.get_asset_materialization_events() if e.asset_key == EXTRACT_KEY)
    metadata = extract.materialization.metadata
    assert metadata["upstream_partition"].value == f"{FIRST}|trial"
    assert metadata["upstream_runs"].value["gensolve/gpm_client"] == hops.results["first_load"].run_id


def test_the_trace_prints_both_hops_with_their_dagster_runs(hops: HopRuns) -> None:
    lines = hops.trace.splitlines()
    assert lines[0].startswith(f"1. cliniko → customer {FIRST}: client cliniko:client:")
    assert lines[0].endswith("; trial)")
    second = next(i for i, line in enumerate(lines) if line.startswith("2. "))
    assert lines[second].startswith(f"2. gensolve → customer {SECOND}: client gensolve:client:cliniko:client:")
    assert lines[second].endswith("; live)")
    first_run, second_run = hops.results["first_load"].run_id, hops.results["second_load"].run_id
    assert any("create gensolve.gpm_client" in line and f"run {first_run} " in line for line in lines[:second])
    assert any("create dynamics365.contact" in line and f"run {second_run} " in line for line in lines[second:])


def test_a_second_run_of_both_hops_writes_nothing(hops: HopRuns) -> None:
    for name in ("first_again", "second_again_stage", "second_again_load"):
        assert_run_succeeded(hops.results[name])
    assert ledger_writes(hops.home, FIRST, hops.results["first_again"].run_id) == set()
    assert ledger_writes(hops.home, SECOND, hops.results["second_again_load"].run_id) == set()
    before, after = hops.stats["before_again"]["records"], hops.stats["after_again"]["records"]
    assert {k: after[k] - before[k] for k in ("created", "updated", "deleted")} == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
    }


def test_a_gensolve_delta_sends_exactly_the_changes(hops: HopRuns) -> None:
    result = hops.sensor["after_changes"]
    assert len(result.run_requests) == 1, result.skip_reason
    delta = hops.results["delta"]
    assert_run_succeeded(delta)
    assert check_outcomes(delta)[(DELTA_KEY.to_user_string(), DELTA_CHECK)] is True
    client, appointment, note = (hops.touched[k] for k in ("client", "appointment", "clinical_note"))
    writes = ledger_writes(hops.home, SECOND, delta.run_id)
    assert {k for k, op in writes if op in ("create", "update")} == {
        f"gensolve:client:{client}",
        f"gensolve:appointment:{appointment}",
    }
    assert {k for k, op in writes if op not in ("create", "update")} == {f"gensolve:clinical_note:{note}"}
    assert hops.contacts["after_delta"][f"gensolve:client:{client}"]["jobtitle"] == CHANGED_OCCUPATION
    quiet = hops.sensor["quiet"]
    assert not quiet.run_requests
    assert "no changes" in (quiet.skip_reason.skip_message if quiet.skip_reason else "")
