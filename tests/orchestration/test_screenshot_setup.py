"""The screenshots' set-up driver (docs/screenshots/setup.py), without a webserver: what it asks the GraphQL API
for each step of the clean practice's day — jobs that exist in the code location, partition tags, run config
the jobs accept — and that it stops at the first run that did not succeed. The webserver side is Dagster's
own; `make screenshots` drives a real `make dev` with it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from dagster_defs import REPOSITORY

from migration_assets.signoff import SIGNOFF_KEY

SETUP = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "setup.py"


@pytest.fixture(scope="module")
def setup() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshot_setup", SETUP)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_step_names_a_job_or_asset_of_the_code_location(setup: ModuleType) -> None:
    for step in setup.steps("clean-physio"):
        if step.assets:
            assert step.job == "__ASSET_JOB"
            assert [tuple(SIGNOFF_KEY.path)] == list(step.assets)
            continue
        job = REPOSITORY.get_job(step.job)  # raises for a job the location does not have
        assert job.partitions_def is not None
        # The run config is one the job accepts (the Launchpad would refuse it otherwise).
        for op in step.run_config.get("ops", {}):
            assert op in {node.name for node in job.graph.node_dict.values()}, (step.name, op)
    # The delta run is the job of the customer's system and target: a direct launch runs its steps only.
    assert [s.job for s in setup.steps("x")][4] == "cliniko_delta_pickup_gensolve"


def test_partition_tags_follow_the_partitions(setup: ModuleType) -> None:
    stage, signoff = setup.steps("clean-physio")[:2]
    tags = {t["key"]: t["value"] for t in setup.execution_params(stage, "clean-physio")["executionMetadata"]["tags"]}
    assert tags == {
        "dagster/partition": "clean-physio|trial",
        "dagster/partition/customer": "clean-physio",
        "dagster/partition/run": "trial",
    }
    params = setup.execution_params(signoff, "clean-physio")
    assert {t["key"]: t["value"] for t in params["executionMetadata"]["tags"]} == {"dagster/partition": "clean-physio"}
    assert params["selector"]["assetSelection"] == [{"path": ["signoff", "trial_signoff"]}]
    assert params["selector"]["repositoryLocationName"] == "migration"


class FakeWebserver:
    """Answers launchRun and runOrError as Dagster's GraphQL API does; the run of `failing_job` fails."""

    def __init__(self, failing_job: str | None = None) -> None:
        self.failing_job = failing_job
        self.launched: list[str] = []
        self.polls: dict[str, int] = {}

    def __call__(self, query: str, variables: dict) -> dict:
        if "launchRun" in query:
            job = variables["params"]["selector"]["jobName"]
            self.launched.append(job)
            return {"launchRun": {"__typename": "LaunchRunSuccess", "run": {"runId": f"run-{len(self.launched)}"}}}
        run_id = variables["runId"]
        self.polls[run_id] = self.polls.get(run_id, 0) + 1
        job = self.launched[int(run_id.split("-")[1]) - 1]
        status = "QUEUED" if self.polls[run_id] == 1 else ("FAILURE" if job == self.failing_job else "SUCCESS")
        return {"runOrError": {"__typename": "Run", "status": status}}


def test_the_driver_waits_for_each_run_and_stops_at_the_first_failure(setup: ModuleType) -> None:
    ok = FakeWebserver()
    done = setup.drive(ok, "clean-physio", pause=0)
    assert [status for _, _, status in done] == ["SUCCESS"] * 6
    assert ok.launched == [s.job for s in setup.steps("clean-physio")]
    assert all(polls == 2 for polls in ok.polls.values())  # queued, then ended: each waited for

    failing = FakeWebserver(failing_job="gensolve_migrate")
    done = setup.drive(failing, "clean-physio", pause=0)
    assert done[-1][0] == "live load" and done[-1][2] == "FAILURE"
    assert "cliniko_delta_pickup_gensolve" not in failing.launched


def test_a_refused_launch_names_the_reason(setup: ModuleType) -> None:
    def refuse(query: str, variables: dict) -> dict:
        return {"launchRun": {"__typename": "RunConfigValidationInvalid", "errors": [{"message": "bad apply"}]}}

    with pytest.raises(RuntimeError, match="live load: gensolve_migrate not launched: bad apply"):
        setup.launch(refuse, setup.steps("clean-physio")[3], "clean-physio")
