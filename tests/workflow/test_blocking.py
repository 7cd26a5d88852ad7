"""One meaning of "blocking" (checks/blocking.py, issue 25 item 3), asserted for trial and live: the rule itself,
then through real Dagster runs — a staging with ERROR findings fails and is tagged, a trial load runs only on an
acceptance of that iteration's findings given at launch (recorded), the signoff and the live load are refused, and
a load whose post-migration verdict failed ends failed and tagged `verdict=failed`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
import pytest
from dagster_defs import REPOSITORY, SIGNOFF_JOB
from pipeline_helpers import register_customer

from checks.blocking import BLOCKING_RULE, VERDICT_TAG, Acceptance, load_decision, severity_label
from checks.iterations import Iteration
from migration_assets.blocking import ACCEPTANCE_TAG
from migration_assets.partitions import add_customer_partition
from synthetic import generate_practice

PREPARED_KEY = dg.AssetKey(["dynamics", "prepared"])
POST_MIGRATION_KEY = dg.AssetKey(["dynamics", "post_migration"])

CUSTOMER = "blocking-nz"
SANDBOX = {
    "system": "dynamics365",
    "trial": {"environment": "sandbox", "url": "https://sandbox.invalid"},
    "live": {"environment": "production", "url": "https://production.invalid"},
}


def _iteration(run_kind: str, errors: int, number: int = 2) -> Iteration:
    return Iteration(run_kind, number, "run", "sum", "src-1", errors, 0, {}, datetime.now(UTC))


def test_the_rule_for_trial_and_live() -> None:
    clean_trial = load_decision("trial", _iteration("trial", 0), None)
    assert clean_trial.allowed and clean_trial.open_errors == 0
    refused = load_decision("trial", _iteration("trial", 3), None)
    assert not refused.allowed and "accept_findings_of_iteration=2" in refused.reason and "blocking" in refused.reason
    stale = load_decision("trial", _iteration("trial", 3), Acceptance(1, "Ana"))
    assert not stale.allowed and "names iteration 1" in stale.reason
    nameless = load_decision("trial", _iteration("trial", 3), Acceptance(2, "  "))
    assert not nameless.allowed
    accepted = load_decision("trial", _iteration("trial", 3), Acceptance(2, "Ana"))
    assert accepted.allowed and accepted.accepted == Acceptance(2, "Ana") and accepted.open_errors == 3
    # Live: the same acceptance never lets open ERROR findings through.
    live = load_decision("live", _iteration("live", 1), Acceptance(2, "Ana"))
    assert not live.allowed and "live load does not run" in live.reason
    assert load_decision("live", _iteration("live", 0), None).allowed
    assert not load_decision("live", None, None).allowed
    assert severity_label("ERROR") == "ERROR · blocking" and severity_label("WARN") == "WARN · for review"
    assert "block the signoff and the live load" in BLOCKING_RULE


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("blocking")
    home = root / "home"
    # Defects injected: the staging has failing ERROR checks in both run kinds.
    dump = generate_practice(root / "dump", country="NZ", clients=80, defect_rate=0.05, seed=11).out_dir
    with pytest.MonkeyPatch.context() as patch, dg.instance_for_test() as instance:
        patch.setenv("MIGRATION_HOME", str(home))
        register_customer(home, CUSTOMER, dump, target=SANDBOX)
        add_customer_partition(instance, CUSTOMER)
        yield {"home": home, "instance": instance}


def _run(
    world: dict, job: str, run_kind: str, selection: list[dg.AssetKey] | None = None, run_config: dict | None = None
) -> dg.ExecuteInProcessResult:
    return REPOSITORY.get_job(job).execute_in_process(
        partition_key=dg.MultiPartitionKey({"customer": CUSTOMER, "run": run_kind}),
        instance=world["instance"],
        asset_selection=selection,
        run_config=run_config or {},
        raise_on_error=False,
    )


def _failure(result: dg.ExecuteInProcessResult) -> str:
    return " ".join(
        str(e.event_specific_data.error.message) for e in result.all_events if e.event_type_value == "STEP_FAILURE"
    )


def _tags(world: dict, result: dg.ExecuteInProcessResult) -> dict[str, str]:
    return world["instance"].get_run_by_id(result.run_id).tags


def _accept(iteration: int, by: str = "Dr Reviewer") -> dict:
    return {"ops": {"dynamics__prepared": {"config": {"accept_findings_of_iteration": iteration, "accepted_by": by}}}}


def test_trial_loads_only_on_a_recorded_acceptance_and_the_signoff_is_refused(world: dict) -> None:
    staged = _run(world, "cliniko_stage", "trial")
    assert not staged.success, "ERROR findings are blocking: the staging run fails"
    assert _tags(world, staged)[VERDICT_TAG] == "failed"

    refused = _run(world, "dynamics_migrate", "trial", [PREPARED_KEY])
    assert not refused.success
    assert "blocking" in _failure(refused) and "accept_findings_of_iteration=1" in _failure(refused)
    assert not _run(world, "dynamics_migrate", "trial", [PREPARED_KEY], _accept(2)).success  # not the latest

    accepted = _run(world, "dynamics_migrate", "trial", [PREPARED_KEY], _accept(1))
    assert accepted.success, _failure(accepted)
    metadata = accepted.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["findings_accepted_by"].value == "Dr Reviewer"
    assert metadata["findings_accepted_iteration"].value == 1 and metadata["open_error_findings"].value > 0
    assert _tags(world, accepted)[ACCEPTANCE_TAG].startswith("iteration 1:")

    signoff = SIGNOFF_JOB.execute_in_process(  # type: ignore[attr-defined]
        partition_key=CUSTOMER,
        instance=world["instance"],
        run_config={"ops": {"signoff__trial_signoff": {"config": {"approved_by": "Dr Reviewer"}}}},
        raise_on_error=False,
    )
    assert not signoff.success and "failing ERROR checks (blocking" in _failure(signoff)


def test_live_load_refused_even_with_an_acceptance(world: dict) -> None:
    assert not _run(world, "cliniko_stage", "live").success
    refused = _run(world, "dynamics_migrate", "live", [PREPARED_KEY], _accept(1))
    assert not refused.success
    assert "live load does not run" in _failure(refused)


def test_a_failed_post_migration_verdict_fails_the_run_and_tags_it(world: dict) -> None:
    # A load run with no checks has not passed its checklist (checks/post_migration.py): the verdict fails.
    result = _run(world, "dynamics_migrate", "trial", [POST_MIGRATION_KEY])
    assert not result.success
    verdicts = [c for c in result.get_asset_check_evaluations() if c.check_name == "passed"]
    assert [c.passed for c in verdicts] == [False]
    assert _tags(world, result)[VERDICT_TAG] == "failed"
    runs = world["instance"].get_runs(dg.RunsFilter(tags={VERDICT_TAG: "failed"}))
    assert result.run_id in {r.run_id for r in runs}
