"""The dump-arrival sensor: a complete delivery registers the customer, adds its partition and requests
exactly one run; incomplete, corrupt or misconfigured deliveries request nothing and say why; a
re-delivery does not run twice; a new trial dump is a new iteration. Evaluated with
build_sensor_context, and once through a real daemon launching a real run."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml
from daemon_helpers import running_daemon
from dagster_defs import DEFINITIONS, REPOSITORY

from migration_assets.partitions import customer_partitions
from migration_assets.resources import MigrationHomeResource
from synthetic import GenerationSummary, generate_practice

REPO = Path(__file__).resolve().parents[2]
CUSTOMER = "arrival-nz"


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate_practice(tmp_path_factory.mktemp("arrival-dump"), country="NZ", clients=30, seed=4)


def _config(customer_id: str = CUSTOMER, time_zone: str = "Pacific/Auckland") -> dict:
    return {
        "customer_id": customer_id,
        "name": "Arrival Physio",
        "country": "NZ",
        "time_zone": time_zone,
        # The sensor points the run kind's source at the delivery; this placeholder is replaced.
        "source": {"system": "cliniko", "trial": {"dump": "placeholder"}},
        "fallback_owner_email": "owner@example.org",
    }


def _deliver(home: Path, dump: Path, name: str, run_kind: str = "trial", config: dict | None = None) -> Path:
    customer = home / "landing" / CUSTOMER
    customer.mkdir(parents=True, exist_ok=True)
    (customer / "customer.yaml").write_text(yaml.safe_dump(config or _config()), encoding="utf-8")
    target = customer / run_kind / name
    shutil.copytree(dump, target)
    return target


def _evaluate(instance: dg.DagsterInstance, home: Path, cursor: str | None = None) -> dg.SensorResult:
    sensor = REPOSITORY.get_sensor_def("dump_arrival")
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"migration_home": MigrationHomeResource(path=str(home))},
        definitions=DEFINITIONS,
    )
    return sensor(context)


def _skip(result: dg.SensorResult) -> str:
    return result.skip_reason.skip_message if result.skip_reason else ""


def test_a_complete_delivery_launches_one_trial_run_and_redelivery_none(
    tmp_path: Path, practice: GenerationSummary
) -> None:
    home = tmp_path / "home"
    _deliver(home, practice.out_dir, "2026-11-20")
    with dg.instance_for_test() as instance:
        first = _evaluate(instance, home)
        assert len(first.run_requests) == 1
        request = first.run_requests[0]
        assert request.job_name == "cliniko_stage"
        assert request.partition_key == dg.MultiPartitionKey({"customer": CUSTOMER, "run": "trial"})
        assert request.tags["dagster/priority"] == "0"
        manifest_sha = request.tags["migration/dump_checksum"]
        assert request.run_key == f"{CUSTOMER}|trial|{manifest_sha}"
        assert [r.partition_keys for r in first.dynamic_partitions_requests] == [[CUSTOMER]]
        registered = home / "config" / f"{CUSTOMER}.yaml"
        assert registered.exists()
        assert yaml.safe_load(registered.read_text())["source"]["trial"]["dump"].endswith("2026-11-20")

        instance.add_dynamic_partitions(customer_partitions.name, [CUSTOMER])
        again = _evaluate(instance, home, first.cursor)
        assert not again.run_requests and "no new complete delivery" in _skip(again)

        # A new trial dump (new content) is a new iteration: a new run with a new key.
        second = _deliver(home, practice.out_dir, "2026-11-21")
        manifest = json.loads((second / "manifest.json").read_text())
        manifest["generated_at"] = "2026-11-21T00:00:00Z"
        (second / "manifest.json").write_text(json.dumps(manifest))
        newer = _evaluate(instance, home, again.cursor)
        assert len(newer.run_requests) == 1 and newer.run_requests[0].run_key != request.run_key
        assert not newer.dynamic_partitions_requests  # the partition exists already

        # A live delivery runs ahead of trials.
        _deliver(home, practice.out_dir, "go-live", run_kind="live")
        live = _evaluate(instance, home, newer.cursor)
        assert [r.tags["dagster/priority"] for r in live.run_requests] == ["10"]


def test_a_delivered_customer_yaml_cannot_change_a_registered_configuration(
    tmp_path: Path, practice: GenerationSummary
) -> None:
    """A delivery is hostile input (DESIGN.md §6): once the customer is registered, the customer.yaml beside a
    new dump is not read — only the delivered run kind's dump folder changes in the registered configuration.
    The completeness rule and the job come from the registered source system too."""
    home = tmp_path / "home"
    _deliver(home, practice.out_dir, "2026-11-20")
    registered = home / "config" / f"{CUSTOMER}.yaml"
    elsewhere = tmp_path / "another-practice"
    elsewhere.mkdir()
    hostile = _config(time_zone="Australia/Perth") | {"name": "Hijacked Physio"}
    hostile["source"] = {"system": "template", "trial": {"dump": "placeholder"}, "live": {"dump": str(elsewhere)}}
    with dg.instance_for_test() as instance:
        first = _evaluate(instance, home)
        assert len(first.run_requests) == 1
        before = yaml.safe_load(registered.read_text())
        instance.add_dynamic_partitions(customer_partitions.name, [CUSTOMER])

        second = _deliver(home, practice.out_dir, "2026-11-21", config=hostile)
        manifest = json.loads((second / "manifest.json").read_text())
        manifest["generated_at"] = "2026-11-21T00:00:00Z"
        (second / "manifest.json").write_text(json.dumps(manifest))
        newer = _evaluate(instance, home, first.cursor)

    assert [r.job_name for r in newer.run_requests] == ["cliniko_stage"]  # the registered system's job
    after = yaml.safe_load(registered.read_text())
    assert after["source"]["trial"]["dump"] == str(second.resolve())
    after["source"]["trial"]["dump"] = before["source"]["trial"]["dump"]
    assert after == before  # time zone, name, system and the live source as registered
    assert "live" not in after["source"]


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("no_manifest", "no manifest.json yet"),
        ("truncated", "still copying?"),
        ("corrupted", "sha256 differs from the manifest"),
        ("bad_config", "time_zone"),
    ],
)
def test_an_incomplete_or_invalid_delivery_launches_nothing_and_says_why(
    tmp_path: Path, practice: GenerationSummary, damage: str, expected: str
) -> None:
    home = tmp_path / "home"
    config = _config(time_zone="Mars/Olympus") if damage == "bad_config" else None
    delivery = _deliver(home, practice.out_dir, "d1", config=config)
    patients = delivery / "patients.ndjson"
    if damage == "no_manifest":
        (delivery / "manifest.json").unlink()
    elif damage == "truncated":
        patients.write_bytes(patients.read_bytes()[:100])
    elif damage == "corrupted":
        data = bytearray(patients.read_bytes())
        data[10] = ord("X") if data[10] != ord("X") else ord("Y")  # same size, other bytes
        patients.write_bytes(bytes(data))
    with dg.instance_for_test() as instance:
        result = _evaluate(instance, home)
        assert not result.run_requests and not result.dynamic_partitions_requests
        assert expected in _skip(result)
        assert CUSTOMER in _skip(result)
        assert not (home / "config" / f"{CUSTOMER}.yaml").exists()


def test_the_daemon_launches_the_run_a_new_dump_asks_for(
    tmp_path: Path, practice: GenerationSummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dagster-daemon run` on a real instance (queued run coordinator, per-customer limit) evaluates the
    sensor and launches the staging run, which completes."""
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", dagster_home / "dagster.yaml")
    home = tmp_path / "home"
    _deliver(home, practice.out_dir, "2026-11-20")
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))  # the instance's storage path reads it
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "MIGRATION_HOME": str(home)}
    with running_daemon(env, ["dump_arrival"]), dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        deadline = time.monotonic() + 240
        runs: list[dg.DagsterRun] = []
        while time.monotonic() < deadline:
            runs = instance.get_runs()
            if runs and runs[0].is_finished:
                break
            time.sleep(2)
        assert len(runs) == 1, "the daemon launched no run (or more than one)"
        run = runs[0]
        assert run.job_name == "cliniko_stage"
        assert run.tags["dagster/partition/customer"] == CUSTOMER
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert instance.has_dynamic_partition(customer_partitions.name, CUSTOMER)
