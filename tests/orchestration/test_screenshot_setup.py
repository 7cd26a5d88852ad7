"""The screenshots' set-up driver (docs/screenshots/setup.py), without a webserver: what it asks the GraphQL API
for each step of the clean practice's day — jobs that exist in the code location, partition tags, run config
the jobs accept, for a Dynamics and a Gensolve target — that it stops at the first run that did not succeed,
and the customer file it registers (valid for the project, its live target the org the targets command
printed). The webserver side is Dagster's own; `make screenshots` drives a real `make dev` with it, and
tests/workflow/test_org_customer_apps.py provisions a customer in a real persistent org."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from dagster_defs import REPOSITORY

from customers import load_customer_config
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


@pytest.mark.parametrize("target", ["dynamics", "gensolve"])
def test_every_step_names_a_job_or_asset_of_the_code_location(setup: ModuleType, target: str) -> None:
    for step in setup.steps("clean-physio", target):
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
    jobs = [s.job for s in setup.steps("x", target)]
    assert jobs[3:] == [f"{target}_migrate", f"cliniko_delta_pickup_{target}", f"{target}_rollback"]
    assert setup.steps("x", target)[3].run_config == {"ops": {f"{target}__schema_plan": {"config": {"apply": True}}}}


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

    assert ok.launched[3:] == ["dynamics_migrate", "cliniko_delta_pickup_dynamics", "dynamics_rollback"]

    failing = FakeWebserver(failing_job="dynamics_migrate")
    done = setup.drive(failing, "clean-physio", pause=0)
    assert done[-1][0] == "live load" and done[-1][2] == "FAILURE"
    assert "cliniko_delta_pickup_dynamics" not in failing.launched


def test_a_refused_launch_names_the_reason(setup: ModuleType) -> None:
    def refuse(query: str, variables: dict) -> dict:
        return {"launchRun": {"__typename": "RunConfigValidationInvalid", "errors": [{"message": "bad apply"}]}}

    with pytest.raises(RuntimeError, match="live load: dynamics_migrate not launched: bad apply"):
        setup.launch(refuse, setup.steps("clean-physio")[3], "clean-physio")


class ProjectCommands:
    """Records the project commands register() runs; the targets command answers with the block the real one
    prints for a persistent org (tests/workflow/test_org_customer_apps.py runs that one for real)."""

    def __init__(self, live_block: dict) -> None:
        self.live_block = live_block
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str]) -> str:
        self.commands.append(command)
        return json.dumps(self.live_block) if "practice_migrate.targets" in command else ""


def _org_block(tmp_path: Path) -> dict:
    ca = tmp_path / "ca.pem"
    ca.write_text("not read when validating", encoding="utf-8")
    return {
        "environment": "production",
        "url": "https://127.0.0.1:49443",
        "tenant_id": "00000000-0000-0000-0000-000000000001",
        "client_id": "00000000-0000-0000-0000-000000000002",
        "client_secret_env": "PM_CLEAN_PHYSIO__DATAVERSE_SECRET",
        "authority": "https://127.0.0.1:49444",
        "ca_file": str(ca),
    }


def test_registering_for_dynamics_provisions_the_customer_in_the_org_then_adds_a_valid_config(
    setup: ModuleType, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    (home / "dumps" / "clean-physio" / "dump").mkdir(parents=True)
    (home / "dumps" / "clean-physio" / "dump" / "manifest.json").write_text("{}", encoding="utf-8")
    commands = ProjectCommands(_org_block(tmp_path))
    config_path = setup.register("clean-physio", home, "dynamics", run=commands)

    provision, add = commands.commands  # the dump exists: nothing generated
    assert provision[1:5] == ["-m", "practice_migrate.targets", "customer", "clean-physio"]
    assert provision[provision.index("--dump") + 1] == str(home / "dumps" / "clean-physio" / "dump")
    assert provision[provision.index("--fallback-owner") + 1] == setup.FALLBACK_OWNER
    assert add[1:] == ["customers", "add", str(config_path)]
    # What `customers add` will accept: the project's own validation of the file written.
    config = load_customer_config(config_path)
    assert config.target is not None and config.target.system == "dynamics365"
    live = config.target_for("live")
    assert live.url == "https://127.0.0.1:49443" and live.client_secret_env == "PM_CLEAN_PHYSIO__DATAVERSE_SECRET"
    assert config.target_for("trial").url == "https://sandbox.invalid"  # no trial load in the day
    assert "secret" not in config_path.read_text(encoding="utf-8").replace("client_secret_env", "")


def test_registering_for_gensolve_generates_the_dump_and_needs_no_org(setup: ModuleType, tmp_path: Path) -> None:
    commands = ProjectCommands({})
    config_path = setup.register("clean-physio", tmp_path, "gensolve", run=commands)
    generate, add = commands.commands
    assert generate[1:3] == ["generate", "--system"] and generate[-1] == str(
        tmp_path / "dumps" / "clean-physio" / "dump"
    )
    assert add[-1] == str(config_path)
    config = load_customer_config(config_path)
    assert config.target is not None and config.target.system == "gensolve"
