"""PracSuite delta pickup against its emulator: numbered snapshots, changes by `q[]=updated:>=` since the
high-water mark, deletions (and cancellations) by id-set comparison as tombstones, the sensor's probe."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from pracsuite_helpers import assert_dump_equals_practice

from emulators.launcher import PracsuiteControl, RunningEmulators
from sources.cliniko.snapshots import SnapshotResult
from sources.pracsuite.api import PracsuiteApiError, PracsuiteApiSettings, changes_waiting, extract, extract_changes
from sources.pracsuite.location import PracsuiteApiSource
from sources.pracsuite.snapshots import merge_delta, settings_for, snapshot_ids, take_snapshot


def _state(pracsuite: RunningEmulators) -> dict[str, Any]:
    """What the emulator holds now (in process: the backend the server serves)."""
    assert pracsuite.pracsuite_backend is not None
    return copy.deepcopy(pracsuite.pracsuite_backend.data)


@pytest.fixture
def control(pracsuite: RunningEmulators, settings: PracsuiteApiSettings) -> PracsuiteControl:
    """The emulator's control endpoints (the practice as generated: `settings` reset it)."""
    assert pracsuite.pracsuite_control is not None
    return pracsuite.pracsuite_control


@pytest.fixture
def first(settings: PracsuiteApiSettings, tmp_path: Path) -> SnapshotResult:
    """The first, full snapshot of the practice under a customer's extracts folder."""
    return take_snapshot(settings, tmp_path / "extracts" / "live")


def test_a_delta_brings_the_snapshot_to_the_practice_as_it_is_now(
    pracsuite: RunningEmulators,
    control: PracsuiteControl,
    first: SnapshotResult,
    settings: PracsuiteApiSettings,
    practice: dict[str, Any],
) -> None:
    root = first.snapshot.parent.parent
    assert first.kind == "full" and first.snapshot.name == "0001"
    assert_dump_equals_practice(first.snapshot, practice)
    assert changes_waiting(settings, first.high_water_mark) == 0

    # The clinic works on: one patient changed, one added, one deleted, an appointment cancelled, a note deleted.
    control.upsert("patient", {"client_id": 2, "mobile": "0412 555 999"})
    control.upsert("patient", {**practice["patients"][5], "client_id": 500, "first_name": "Newly"})
    control.delete("patient", 3)
    booked = practice["appointments"][0]["appointment_id"]
    control.cancel(booked, reason_id=1)
    control.delete("note", 1)
    # The probe counts changed records (patients 2 and 500, the cancellation); deletions wait for the delta.
    assert changes_waiting(settings, first.high_water_mark) == 3

    second = take_snapshot(settings, root)
    assert second.kind == "delta" and second.snapshot.name == "0002" and second.since == first.high_water_mark
    assert_dump_equals_practice(second.snapshot, _state(pracsuite))
    assert second.changed == {"patients": 2, "cancelled_appointments": 1}
    assert second.tombstones == {"patients": 1, "appointments": 1, "notes": 1}
    assert second.dropped == {"patients": 1, "appointments": 1, "notes": 1}
    delta_files = {f["path"] for f in json.loads((root / "deltas" / "0002" / "manifest.json").read_text())["files"]}
    assert "tombstones.ndjson" in delta_files
    # Only the changed records were read in full: the delta's patients file holds the two changed ones.
    delta_patients = (root / "deltas" / "0002" / "patients.ndjson").read_text().splitlines()
    assert sorted(json.loads(line)["client_id"] for line in delta_patients) == [2, 500]

    third = take_snapshot(settings, root)  # nothing new (the overlap re-reads the last minutes' changes)
    assert third.snapshot.name == "0003" and not third.tombstones
    assert_dump_equals_practice(third.snapshot, _state(pracsuite))


def test_a_killed_delta_resumes_under_its_own_number(
    pracsuite: RunningEmulators, control: PracsuiteControl, first: SnapshotResult, settings: PracsuiteApiSettings
) -> None:
    root = first.snapshot.parent.parent
    control.upsert("patient", {"client_id": 4, "surname": "Changed"})
    control.set_faults(fail_next=50, error_status=503, paths=["/v1/note"])
    with pytest.raises(PracsuiteApiError, match="gave up"):
        take_snapshot(dataclasses.replace(settings, max_attempts=2), root)
    assert (root / "deltas" / "0002" / ".extract" / "checkpoint.json").exists()
    control.clear_faults()
    resumed = take_snapshot(settings, root)
    assert resumed.snapshot.name == "0002"
    assert_dump_equals_practice(resumed.snapshot, _state(pracsuite))


def test_keys_come_from_the_variables_the_location_names(settings: PracsuiteApiSettings) -> None:
    location = PracsuiteApiSource(
        vendor_key_env="PM_ACME__PRACSUITE_VENDOR", account_key_env="PM_ACME__PRACSUITE_ACCOUNT"
    )
    env = {"PM_ACME__PRACSUITE_VENDOR": "v-key", "PM_ACME__PRACSUITE_ACCOUNT": "a-key"}
    built = settings_for(location, env)
    assert (built.vendor_key, built.account_key, built.base_url) == ("v-key", "a-key", "https://api.pracsuite.com/v1")
    with pytest.raises(KeyError, match="PM_ACME__PRACSUITE_ACCOUNT is not set") as raised:
        settings_for(location, {"PM_ACME__PRACSUITE_VENDOR": "v-key"})
    assert "v-key" not in str(raised.value)
    with pytest.raises(ValueError, match=r"api\.pracsuite\.com"):
        PracsuiteApiSource(vendor_key_env="A", account_key_env="B", base_url="https://collector.example.com/v1")


def test_a_record_a_deletion_shifted_past_is_recovered_by_the_next_delta(
    pracsuite: RunningEmulators, control: PracsuiteControl, settings: PracsuiteApiSettings, tmp_path: Path
) -> None:
    """The API pages by page number: a patient deleted while the extraction reads page 2 moves the first
    record of page 3 onto page 2, and the full extraction never sees it. The next delta finds its id in the
    listing, unknown to the snapshot and unchanged, and fetches it."""
    root = tmp_path / "extracts" / "live"
    small = dataclasses.replace(settings, page_size=9)

    def delete_while_paging(file_name: str, page: int) -> None:
        if file_name == "patients.ndjson" and page == 2:
            control.delete("patient", 2)  # on page 1, already read

    extract(small, root / "snapshots" / "0001.partial", progress=delete_while_paging)
    (root / "snapshots" / "0001.partial").rename(root / "snapshots" / "0001")
    read = {json.loads(line)["client_id"] for line in (root / "snapshots" / "0001" / "patients.ndjson").open()}
    listed = {r["client_id"] for r in _state(pracsuite)["patients"]}
    skipped = listed - read
    assert len(skipped) == 1  # the first patient of page 3 slid onto page 2 after it was read

    delta = take_snapshot(small, root)
    assert delta.findings["recovered_records"] == {"patients": 1}
    assert delta.tombstones == {"patients": 1}  # patient 2
    assert_dump_equals_practice(delta.snapshot, _state(pracsuite))


def test_a_record_created_and_deleted_during_the_delta_is_not_merged_in(
    pracsuite: RunningEmulators,
    control: PracsuiteControl,
    first: SnapshotResult,
    settings: PracsuiteApiSettings,
    practice: dict[str, Any],
    tmp_path: Path,
) -> None:
    root = first.snapshot.parent.parent
    control.upsert("patient", {**practice["patients"][1], "client_id": 600})

    def delete_after_the_changes_were_read(file_name: str, page: int) -> None:
        if file_name == "patients.ndjson":
            control.delete("patient", 600)  # before the id listing of patients is read

    since = dt.datetime.fromisoformat(first.high_water_mark.replace("Z", "+00:00"))
    delta = root / "deltas" / "0002"
    summary = extract_changes(
        settings,
        delta,
        since=since,
        known_ids=snapshot_ids(first.snapshot),
        progress=delete_after_the_changes_were_read,
    )
    assert summary.records["patients"] == 1 and summary.tombstones["patients"] == 1
    merge_delta(first.snapshot, delta, tmp_path / "merged")
    assert_dump_equals_practice(tmp_path / "merged", _state(pracsuite))
