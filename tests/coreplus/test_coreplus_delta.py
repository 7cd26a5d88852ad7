"""Core Plus through the customer's API location: numbered snapshots, the delta sensor's probe and delta pickup
by re-reading (appointment windows again, the client list again with id-set comparison → tombstones)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from coreplus_helpers import (
    api_source_block,
    assert_dump_equals_practice,
    dump_lines,
    work_in_practice,
)

from emulators.launcher import RunningEmulators, start_emulators
from sources.cliniko.api import TOMBSTONES_FILE
from sources.coreplus.location import CoreplusApiSource
from sources.coreplus.snapshots import changes_waiting, settings_for, take_snapshot
from synthetic.coreplus import write_practice

CUSTOMER = "coreplus-delta"


@pytest.fixture(scope="module")
def practice_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's own practice file: the tests rewrite it (the emulator's reset reloads it)."""
    path = tmp_path_factory.mktemp("coreplus-delta") / "practice.json"
    write_practice(path, clients=12, seed=11)
    return path


@pytest.fixture(scope="module")
def emulator(practice_path: Path) -> Iterator[RunningEmulators]:
    running = start_emulators(dataverse=False, entra=False, coreplus=True, coreplus_practice=practice_path)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def source(emulator: RunningEmulators, monkeypatch: pytest.MonkeyPatch) -> CoreplusApiSource:
    block, env = api_source_block(emulator, CUSTOMER)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MIGRATION_ALLOWED_HOSTS", "127.0.0.1,localhost")
    return CoreplusApiSource.model_validate(block)


def _serve(emulator: RunningEmulators, path: Path, practice: dict[str, Any]) -> None:
    path.write_text(json.dumps(practice, indent=1), encoding="utf-8")
    assert emulator.coreplus_control is not None
    emulator.coreplus_control.reset()


def test_delta_pickup_rereads_and_finds_changes_and_deletions(
    emulator: RunningEmulators, source: CoreplusApiSource, practice_path: Path, tmp_path: Path
) -> None:
    original = json.loads(practice_path.read_text(encoding="utf-8"))
    settings = settings_for(source, backoff_seconds=0.05)
    root = tmp_path / "extracts"
    try:
        full = take_snapshot(settings, root)
        assert full.kind == "full" and full.snapshot.name == "0001"
        assert_dump_equals_practice(full.snapshot, original)
        assert full.changed["clients"] == len(original["clients"])
        # Nothing changed: the probe says so, and a pass finds nothing.
        assert changes_waiting(settings, full.high_water_mark) == 0

        changed, what = work_in_practice(original)
        _serve(emulator, practice_path, changed)
        assert changes_waiting(settings, full.high_water_mark) == 1
        delta = take_snapshot(settings, root)
        assert delta.kind == "delta" and delta.snapshot.name == "0002" and delta.since == full.high_water_mark
        assert delta.delta is not None
        assert_dump_equals_practice(delta.snapshot, changed)  # the new snapshot is the practice as it is now
        changed_clients = {c["client_id"] for c in dump_lines(delta.delta / "clients.ndjson")}
        assert changed_clients == {what.changed_client, what.created_client}
        changed_appointments = {a["appointment_id"] for a in dump_lines(delta.delta / "appointments.ndjson")}
        assert changed_appointments == {what.changed_appointment}
        assert dump_lines(delta.delta / "invoices.ndjson") == []
        tombstones: dict[str, set[str]] = {}
        for item in dump_lines(delta.delta / TOMBSTONES_FILE):
            assert item["kind"] == "deleted"
            tombstones.setdefault(item["resource"], set()).add(item["id"])
        assert tombstones == {k: v for k, v in what.deleted.items() if v}
        assert delta.tombstones == {"deleted": sum(len(v) for v in what.deleted.values())}
        assert delta.change_count == 3 + delta.tombstones["deleted"]
        # The next probe compares with the new snapshot: quiet again.
        assert changes_waiting(settings, delta.high_water_mark) == 0
    finally:
        _serve(emulator, practice_path, original)


def test_a_killed_snapshot_is_resumed_not_restarted(
    emulator: RunningEmulators, source: CoreplusApiSource, practice_path: Path, tmp_path: Path
) -> None:
    """A snapshot extraction killed mid-way leaves `NNNN.partial` with its checkpoint; the next run resumes it."""
    import sources.coreplus.snapshots as snapshots

    original = json.loads(practice_path.read_text(encoding="utf-8"))
    settings = settings_for(source, backoff_seconds=0.05, page_size=5)
    root = tmp_path / "extracts"
    real_extract = snapshots.extract

    class KilledError(Exception):
        pass

    def killed(settings: Any, out: Path, **kwargs: Any) -> Any:
        def stop(step: str, page: int) -> None:
            if step.startswith("family"):
                raise KilledError

        return real_extract(settings, out, progress=stop)

    snapshots.extract = killed  # type: ignore[assignment]
    try:
        with pytest.raises(KilledError):
            take_snapshot(settings, root)
    finally:
        snapshots.extract = real_extract  # type: ignore[assignment]
    assert (root / "snapshots" / "0001.partial" / ".extract" / "checkpoint.json").exists()
    fingerprint = (root / "snapshots" / "0001.fingerprint").read_text(encoding="utf-8")
    summaries: list[Any] = []

    def watched(settings: Any, out: Path, **kwargs: Any) -> Any:
        summaries.append(real_extract(settings, out, **kwargs))
        return summaries[-1]

    snapshots.extract = watched  # type: ignore[assignment]
    try:
        result = take_snapshot(settings, root)
    finally:
        snapshots.extract = real_extract  # type: ignore[assignment]
    assert [s.resumed for s in summaries] == [True]
    assert result.kind == "full" and result.snapshot.name == "0001"
    assert result.high_water_mark.endswith("#" + fingerprint)  # the digest taken before the first start
    assert not (root / "snapshots" / "0001.partial").exists()
    assert not (root / "snapshots" / "0001.fingerprint").exists()
    assert_dump_equals_practice(result.snapshot, original)


def test_missing_credentials_name_the_variables_not_values(source: CoreplusApiSource) -> None:
    with pytest.raises(KeyError, match=source.consumer_secret_env) as caught:
        settings_for(source, env={source.consumer_id_env: "id-value", source.access_token_env: "token-value"})
    assert "id-value" not in str(caught.value) and "token-value" not in str(caught.value)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"base_url": "http://sandbox.coreplus.com.au/API/Core/v2"}, "https"),
        ({"base_url": "https://coreplus.example.com/API/Core/v2"}, "coreplus.com.au"),
        ({"consumer_secret_env": "lower_case"}, "pattern"),
        ({"appointments_to": "2020-01-01"}, "before appointments_from"),
    ],
)
def test_the_location_refuses_bad_blocks(emulator: RunningEmulators, change: dict[str, str], problem: str) -> None:
    from pydantic import ValidationError

    block, _env = api_source_block(emulator, CUSTOMER)
    with pytest.raises(ValidationError, match=problem):
        CoreplusApiSource.model_validate({**block, **change})


def test_a_production_host_is_accepted(emulator: RunningEmulators) -> None:
    block, _env = api_source_block(emulator, CUSTOMER)
    source = CoreplusApiSource.model_validate({**block, "base_url": "https://sandbox.coreplus.com.au/API/Core/v2"})
    assert source.base_url.startswith("https://sandbox.coreplus.com.au")


def test_a_customer_names_the_api_and_only_its_own_variables(emulator: RunningEmulators) -> None:
    from config_helpers import CUSTOMER as CONFIG_CUSTOMER
    from config_helpers import valid_config

    from customers import CustomerConfigError, parse_customer_config

    block, _env = api_source_block(emulator, CONFIG_CUSTOMER)
    data = {**valid_config("d", "d"), "country": "AU", "time_zone": "Australia/Sydney"}
    config = parse_customer_config({**data, "source": {"system": "coreplus", "trial": block}}, "customer.yaml")
    assert isinstance(config.source.trial, CoreplusApiSource)
    assert config.secret_env_names()["source.trial.consumer_secret_env"] == block["consumer_secret_env"]
    # Another customer's variable is refused (a configuration cannot send another practice's secret anywhere).
    stolen = {**block, "access_token_env": "PM_OTHER_PRACTICE__COREPLUS_ACCESS_TOKEN"}
    with pytest.raises(CustomerConfigError, match=r"source\.trial\.access_token_env"):
        parse_customer_config({**data, "source": {"system": "coreplus", "trial": stolen}}, "customer.yaml")


def test_generate_writes_a_coreplus_practice_and_its_export(tmp_path: Path) -> None:
    import argparse

    from synthetic.cli import add_arguments, run

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out = tmp_path / "coreplus"
    args = parser.parse_args(["--system", "coreplus", "--country", "AU", "--clients", "12", "--defects", "1", str(out)])
    assert run(args) == 0
    practice = json.loads((out / "practice.json").read_text(encoding="utf-8"))
    assert len(practice["clients"]) == 13  # one entered twice: the duplicate_client defect
    assert sorted(p.name for p in (out / "export").iterdir()) == ["clinical_notes.csv", "payments.csv", "referrers.csv"]
    assert json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))["synthetic"].startswith("SYNTHETIC")
    refused = parser.parse_args(["--system", "coreplus", "--country", "NZ", "--clients", "12", str(tmp_path / "nz")])
    assert run(refused) == 2


def test_a_wrong_secret_fails_the_extraction_with_a_reportable_error(
    source: CoreplusApiSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the Dagster step turns into a failure (`SourceExtraction.errors`): named causes, never the secret."""
    from sources.coreplus import SYSTEM

    monkeypatch.setenv(source.consumer_secret_env, "wrong-secret-value-long-enough-for-hs256")
    assert SYSTEM.extraction is not None
    with pytest.raises(SYSTEM.extraction.errors) as raised:
        SYSTEM.extraction.snapshot(source, tmp_path / "extracts")
    assert "Invalid token twice" in str(raised.value)
    assert "wrong-secret-value" not in str(raised.value)


def test_a_snapshot_counts_the_probe_s_requests_too(
    emulator: RunningEmulators, source: CoreplusApiSource, tmp_path: Path
) -> None:
    assert emulator.coreplus_control is not None
    emulator.coreplus_control.reset()  # the stats start at zero
    result = take_snapshot(settings_for(source, backoff_seconds=0.05), tmp_path / "extracts")
    assert result.requests == emulator.coreplus_control.stats()["total"]
