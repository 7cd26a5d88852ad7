"""The delta window's rules on a real instance: it opens with the first live load after the signoff, closes
after `delta.window_hours`, and the file schedule runs once per live dump while it is open."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest
import yaml
from dagster_defs import REPOSITORY

from customers import MigrationHome
from customers.endpoints import secret_env_name
from migration_assets import delta as delta_module
from migration_assets.delta import customer_delta_job, delta_pickup_sensor, window_marker, window_opened_at
from migration_assets.partitions import add_customer_partition
from migration_assets.resources import MigrationHomeResource
from migration_assets.signoff import SIGNOFF_KEY
from synthetic import GenerationSummary, generate_practice

CUSTOMER = "window-nz"


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate_practice(tmp_path_factory.mktemp("window-dump"), country="NZ", clients=20, seed=2)


def _register(home: Path, dump: Path, live: dict) -> None:
    data = {
        "customer_id": CUSTOMER,
        "name": "Window Physio",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": {"system": "cliniko", "trial": {"dump": str(dump)}, "live": live},
        "fallback_owner_email": "owner@example.org",
        "delta": {"window_hours": 24},
    }
    path = home.parent / f"{CUSTOMER}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    MigrationHome(home).register(path)


def _event(instance: dg.DagsterInstance, key: dg.AssetKey, partition: str) -> float:
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, partition=partition))
    time.sleep(0.01)
    return time.time()


def _schedule(instance: dg.DagsterInstance, home: Path) -> list[dg.RunRequest] | dg.SkipReason:
    schedule = REPOSITORY.get_schedule_def(f"{customer_delta_job(MigrationHome(home).load(CUSTOMER))}_files")
    context = dg.build_schedule_context(
        instance=instance,
        resources={"migration_home": MigrationHomeResource(path=str(home))},
        repository_def=REPOSITORY,
    )
    result = schedule.evaluate_tick(context)
    return list(result.run_requests or []) or dg.SkipReason(result.skip_message or "")


def test_the_window_opens_with_the_first_live_load_after_the_signoff(tmp_path: Path, practice: GenerationSummary):
    home = tmp_path / "home"
    _register(home, practice.out_dir, {"dump": str(practice.out_dir)})
    with dg.instance_for_test() as instance:
        add_customer_partition(instance, CUSTOMER)
        assert window_opened_at(instance, MigrationHome(home).load(CUSTOMER)) is None
        assert isinstance(_schedule(instance, home), dg.SkipReason)  # closed: no live load yet

        _event(
            instance, window_marker(MigrationHome(home).load(CUSTOMER)), f"{CUSTOMER}|live"
        )  # a live load before the signoff (an old one)
        signed = _event(instance, SIGNOFF_KEY, CUSTOMER)
        assert window_opened_at(instance, MigrationHome(home).load(CUSTOMER)) is None
        _event(
            instance, window_marker(MigrationHome(home).load(CUSTOMER)), f"{CUSTOMER}|trial"
        )  # trial loads never open it
        assert window_opened_at(instance, MigrationHome(home).load(CUSTOMER)) is None
        first_live = _event(instance, window_marker(MigrationHome(home).load(CUSTOMER)), f"{CUSTOMER}|live")
        _event(
            instance, window_marker(MigrationHome(home).load(CUSTOMER)), f"{CUSTOMER}|live"
        )  # a delta load later does not move it
        opened = window_opened_at(instance, MigrationHome(home).load(CUSTOMER))
        assert opened is not None and signed <= opened <= first_live

        requests = _schedule(instance, home)
        assert isinstance(requests, list) and len(requests) == 1
        request = requests[0]
        assert request.partition_key == dg.MultiPartitionKey({"customer": CUSTOMER, "run": "live"})
        assert request.run_key and request.run_key.startswith(f"{CUSTOMER}|live|files|")
        # Same dump, same key: the run queue drops the duplicate.
        again = _schedule(instance, home)
        assert isinstance(again, list) and again[0].run_key == request.run_key


def test_the_api_sensor_waits_for_an_extraction_and_stays_quiet_outside_the_window(
    tmp_path: Path, practice: GenerationSummary
) -> None:
    home = tmp_path / "home"
    api = {
        "api_key_env": secret_env_name(CUSTOMER, "CLINIKO_KEY"),
        "user_agent": "tests (ops@example.org)",
        "base_url": "https://127.0.0.1:9/v1",
    }
    _register(home, practice.out_dir, api)
    resources = {"migration_home": MigrationHomeResource(path=str(home))}
    with dg.instance_for_test() as instance:
        add_customer_partition(instance, CUSTOMER)
        closed = delta_pickup_sensor(dg.build_sensor_context(instance=instance, resources=resources))
        assert not closed.run_requests
        assert closed.skip_reason and "no customer in a delta window" in closed.skip_reason.skip_message

        _event(instance, SIGNOFF_KEY, CUSTOMER)
        _event(instance, window_marker(MigrationHome(home).load(CUSTOMER)), f"{CUSTOMER}|live")
        waiting = delta_pickup_sensor(dg.build_sensor_context(instance=instance, resources=resources))
        assert not waiting.run_requests
        assert waiting.skip_reason and "no live extraction recorded yet" in waiting.skip_reason.skip_message


def test_the_window_closes_window_hours_after_it_opened(
    tmp_path: Path, practice: GenerationSummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`delta.window_hours` (24 here) after the window opened, the schedule stops asking for runs. The
    schedule's clock is moved instead of waiting a day: `time` in migration_assets.delta only."""
    home = tmp_path / "home"
    _register(home, practice.out_dir, {"dump": str(practice.out_dir)})
    with dg.instance_for_test() as instance:
        add_customer_partition(instance, CUSTOMER)
        _event(instance, SIGNOFF_KEY, CUSTOMER)
        _event(instance, window_marker(MigrationHome(home).load(CUSTOMER)), f"{CUSTOMER}|live")
        opened = window_opened_at(instance, MigrationHome(home).load(CUSTOMER))
        assert opened is not None
        clock = SimpleNamespace(time=lambda: opened + 24 * 3600 - 1)
        monkeypatch.setattr(delta_module, "time", clock)
        last_second = _schedule(instance, home)
        clock.time = lambda: opened + 24 * 3600
        closed = _schedule(instance, home)
    assert isinstance(last_second, list) and len(last_second) == 1  # one second before the end: still open
    assert isinstance(closed, dg.SkipReason)
    assert "no dump-delivering customer in a delta window" in (closed.skip_message or "")
