"""The delta job launched directly (as from the UI's Launchpad, no asset selection): one job per source system and
target, `<system>_delta_pickup_<target schema>`, holds the customer's target's steps only, so every step of a
direct launch runs for a customer of that target. The Dynamics target's direct launch runs in the shared workflow
session (tests/helpers/workflow_runs.py, asserted in tests/delta_pickup); a Gensolve (embedded) customer here:
trial, signoff, live, then `cliniko_delta_pickup_gensolve` for `<customer>|live`."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from dagster_defs import REPOSITORY, SIGNOFF_JOB, assert_run_succeeded, check_outcomes
from pipeline_helpers import register_customer

from migration_assets.delta import DELTA_CHECK, DELTA_KEY, customer_delta_job, delta_job_name
from migration_assets.partitions import add_customer_partition
from synthetic import generate_practice
from targets.registry import get_target, target_names

CUSTOMER = "delta-gpm"
GENSOLVE_TARGET = {
    "system": "gensolve",
    "trial": {"environment": "sandbox", "database": "embedded"},
    "live": {"environment": "production", "database": "embedded"},
}


def _groups(job: str) -> set[str]:
    graph = REPOSITORY.asset_graph
    keys = REPOSITORY.get_job(job).asset_layer.executable_asset_keys
    return {graph.get(k).group_name for k in keys}


@pytest.mark.parametrize("target", target_names())
def test_each_delta_job_holds_one_target(target: str) -> None:
    schema = get_target(target).schema
    groups = _groups(delta_job_name("cliniko", target))
    assert {"raw_cliniko", "staged", "delta", schema} <= groups
    others = {get_target(n).schema for n in target_names()} - {schema}
    assert not groups & others
    assert not {g for g in groups if g.startswith("raw_")} - {"raw_cliniko"}


def test_a_gensolve_customers_delta_job_launched_directly_runs_every_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    dump = generate_practice(tmp_path / "dump", country="NZ", clients=12, defect_rate=0.0, seed=11).out_dir
    monkeypatch.setenv("MIGRATION_HOME", str(home))
    config = register_customer(home, CUSTOMER, dump, target=GENSOLVE_TARGET)
    job = customer_delta_job(config)
    assert job == "cliniko_delta_pickup_gensolve"
    with dg.instance_for_test() as instance:
        add_customer_partition(instance, CUSTOMER)

        def run(name: str, kind: str, run_config: dict | None = None) -> dg.ExecuteInProcessResult:
            return REPOSITORY.get_job(name).execute_in_process(
                partition_key=dg.MultiPartitionKey({"customer": CUSTOMER, "run": kind}),
                instance=instance,
                run_config=run_config or {},
                raise_on_error=False,
            )

        assert_run_succeeded(run("cliniko_stage", "trial"))
        signoff = {"ops": {"signoff__trial_signoff": {"config": {"approved_by": "Dr Owner", "comment": "ok"}}}}
        assert_run_succeeded(
            SIGNOFF_JOB.execute_in_process(  # type: ignore[attr-defined]
                partition_key=CUSTOMER, instance=instance, run_config=signoff, raise_on_error=False
            )
        )
        assert_run_succeeded(run("cliniko_stage", "live"))
        apply = {"ops": {"gensolve__schema_plan": {"config": {"apply": True}}}}
        assert_run_succeeded(run("gensolve_migrate", "live", apply))

        delta = assert_run_succeeded(run(job, "live"))
        stepped = {e.asset_key.path[0] for e in delta.get_asset_materialization_events()}
        assert "gensolve" in stepped and "dynamics" not in stepped
        checks = check_outcomes(delta)
        assert checks[(DELTA_KEY.to_user_string(), DELTA_CHECK)] is True
        assert checks[("gensolve/post_migration", "passed")] is True
