"""PracSuite through its emulator: full extraction, the auth faults, 429/5xx, resume, cancelled appointments
(issue 20 item 5)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import httpx
import pytest
from pracsuite_helpers import assert_dump_equals_practice, dump_lines, make_settings
from progress_lines import ManualClock, by_what, counts, pages, recording, throttled

from emulators.launcher import RunningEmulators
from sources.pracsuite.api import (
    PracsuiteApi,
    PracsuiteApiError,
    PracsuiteApiSettings,
    PracsuiteAuthError,
    extract,
)
from sources.pracsuite.settings import ENDPOINTS


def test_full_extraction_equals_the_emulators_contents(
    settings: PracsuiteApiSettings, practice: dict[str, Any], tmp_path: Path
) -> None:
    summary = extract(settings, tmp_path / "dump")
    assert_dump_equals_practice(tmp_path / "dump", practice)
    assert summary.records["patients"] == len(practice["patients"]) > 40
    assert not summary.resumed and summary.retries == 0


def test_pages_follow_links_next_at_the_page_size_asked(
    pracsuite: RunningEmulators, settings: PracsuiteApiSettings, practice: dict[str, Any], tmp_path: Path
) -> None:
    small = dataclasses.replace(settings, page_size=7)
    summary = extract(small, tmp_path / "dump")
    assert_dump_equals_practice(tmp_path / "dump", practice)
    # One request per page of 7 (an empty list still answers one page).
    expected = sum(max(1, math.ceil(len(practice.get(key, [])) / 7)) for _n, _s, key in ENDPOINTS)
    assert summary.requests == expected
    with pytest.raises(ValueError, match=r"page_size must be 1\.\.100"):
        dataclasses.replace(settings, page_size=101)


def test_cancelled_appointments_come_from_their_own_endpoint(
    pracsuite: RunningEmulators, settings: PracsuiteApiSettings, practice: dict[str, Any], tmp_path: Path
) -> None:
    assert pracsuite.pracsuite_control is not None
    moved = practice["appointments"][0]["appointment_id"]
    pracsuite.pracsuite_control.cancel(moved, reason_id=2)
    extract(settings, tmp_path / "dump")
    booked = {r["appointment_id"] for r in dump_lines(tmp_path / "dump" / "appointments.ndjson")}
    cancelled = {r["appointment_id"]: r for r in dump_lines(tmp_path / "dump" / "cancelled_appointments.ndjson")}
    assert moved not in booked and cancelled[moved]["appointment_cancellation_reason_id"] == 2
    assert set(cancelled) == {r["appointment_id"] for r in practice["cancelled_appointments"]} | {moved}
    assert not booked & set(cancelled)


def _refused(settings: PracsuiteApiSettings, tmp_path: Path) -> str:
    with pytest.raises(PracsuiteAuthError) as raised:
        extract(settings, tmp_path / "dump")
    return str(raised.value)


def test_each_auth_fault_gives_its_error_and_names_no_key(
    pracsuite: RunningEmulators, settings: PracsuiteApiSettings, tmp_path: Path
) -> None:
    wrong_vendor = dataclasses.replace(settings, vendor_key="not-the-vendor-key")
    message = _refused(wrong_vendor, tmp_path / "a")
    assert "401 invalid_api_key" in message and "vendor key" in message and "not-the-vendor-key" not in message
    wrong_account = dataclasses.replace(settings, account_key="not-the-account-key")
    message = _refused(wrong_account, tmp_path / "b")
    assert "401 invalid_account_key" in message and "revoked" in message and "not-the-account-key" not in message
    assert pracsuite.pracsuite_control is not None
    pracsuite.pracsuite_control.revoke_account_key()  # the clinic revokes the key it gave us
    message = _refused(settings, tmp_path / "c")
    assert "invalid_account_key" in message and settings.account_key not in message
    stats = pracsuite.pracsuite_control.stats()["requests"]
    assert stats == {"business 401": 3}  # refused at the first request, never retried


def test_a_request_missing_either_key_is_rejected_with_the_documented_error_shape(
    pracsuite: RunningEmulators, settings: PracsuiteApiSettings
) -> None:
    url = f"{settings.base_url}/patient"
    keys = {"x-api-key": settings.vendor_key, "A-api-key": settings.account_key}
    with httpx.Client(verify=pracsuite.ssl_context()) as client:
        for missing in keys:
            response = client.get(url, headers={k: v for k, v in keys.items() if k != missing})
            body = response.json()
            assert response.status_code == 401
            assert body["error"] == {
                "status": 401,
                "code": "missing_api_key",
                "detail": f"The {missing} header is required",
            }
            assert body["request_id"]
        response = client.get(url, headers=keys, params={"page_size": 101})
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_parameter"


def test_missing_keys_in_the_environment_are_named_never_shown() -> None:
    with pytest.raises(PracsuiteApiError) as raised:
        PracsuiteApiSettings.from_env("PM_ACME__PRACSUITE_", {"PM_ACME__PRACSUITE_VENDOR_KEY": "secret-vendor"})
    assert "PM_ACME__PRACSUITE_ACCOUNT_KEY" in str(raised.value) and "secret-vendor" not in str(raised.value)


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_and_server_errors_are_retried_with_back_off(
    pracsuite: RunningEmulators, settings: PracsuiteApiSettings, practice: dict[str, Any], tmp_path: Path, status: int
) -> None:
    assert pracsuite.pracsuite_control is not None
    pracsuite.pracsuite_control.set_faults(fail_next=3, error_status=status, paths=["/v1/patient"])
    summary = extract(dataclasses.replace(settings, page_size=20), tmp_path / "dump")
    assert_dump_equals_practice(tmp_path / "dump", practice)
    assert summary.retries == 3
    assert pracsuite.pracsuite_control.stats()["requests"][f"patient {status}"] == 3


def test_persistent_server_errors_end_with_a_clear_error(
    pracsuite: RunningEmulators, settings: PracsuiteApiSettings, tmp_path: Path
) -> None:
    assert pracsuite.pracsuite_control is not None
    pracsuite.pracsuite_control.set_faults(fail_next=50, error_status=502, paths=["/v1/referrer"])
    with pytest.raises(PracsuiteApiError, match=r"GET /v1/referrer: gave up after 3 attempts \(last: HTTP 502\)"):
        extract(dataclasses.replace(settings, max_attempts=3), tmp_path / "dump")


class _Killed(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the extractor catches it."""


def test_an_extraction_killed_mid_way_resumes_without_gaps_or_duplicates(
    settings: PracsuiteApiSettings, practice: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "dump"
    small = dataclasses.replace(settings, page_size=9)
    pages: list[tuple[str, int]] = []

    def kill_in_the_appointments(file_name: str, page: int) -> None:
        pages.append((file_name, page))
        if file_name == "appointments.ndjson" and page == 3:
            raise _Killed

    with pytest.raises(_Killed):
        extract(small, out, progress=kill_in_the_appointments)
    # The process died while writing the next page: half a record after the last checkpoint.
    with (out / "appointments.ndjson").open("a", encoding="utf-8") as handle:
        handle.write('{"appointment_id": 9999, "client_id"')
    assert (out / ".extract" / "checkpoint.json").exists() and not (out / "manifest.json").exists()
    summary = extract(small, out)
    assert summary.resumed
    assert_dump_equals_practice(out, practice)
    with pytest.raises(PracsuiteApiError, match="already holds a complete dump"):
        extract(small, out)


def test_a_next_link_to_another_host_is_not_followed(settings: PracsuiteApiSettings) -> None:
    with PracsuiteApi(settings) as api, pytest.raises(PracsuiteApiError, match="another host"):
        api.get("https://collector.invalid/v1/patient?page=2")
    assert api.requests == 0


def test_emulator_settings_come_from_the_launcher(pracsuite: RunningEmulators) -> None:
    settings = make_settings(pracsuite)
    assert settings.base_url.startswith("https://127.0.0.1:") and settings.ca_file


def test_a_record_added_while_paging_repeats_no_record(
    pracsuite: RunningEmulators, settings: PracsuiteApiSettings, practice: dict[str, Any], tmp_path: Path
) -> None:
    """A patient added while the extraction pages (an id sorting first) pushes every later record one page
    on: the record seen at the end of one page comes again at the start of the next, and is written once.
    The new patient itself is after the high-water mark: the next delta reads it."""
    control = pracsuite.pracsuite_control
    assert control is not None

    def add_while_paging(file_name: str, page: int) -> None:
        if file_name == "patients.ndjson" and page == 1:
            control.upsert("patient", {**practice["patients"][0], "client_id": 0})

    summary = extract(dataclasses.replace(settings, page_size=9), tmp_path / "dump", progress=add_while_paging)
    ids = [r["client_id"] for r in dump_lines(tmp_path / "dump" / "patients.ndjson")]
    assert len(ids) == len(set(ids)) == len(practice["patients"])
    assert summary.repeated == {"patients": 1}


def test_progress_lines_count_each_list_and_the_429s_it_waited_out(
    pracsuite: RunningEmulators, settings: PracsuiteApiSettings, tmp_path: Path
) -> None:
    """Issue 25 item 2: per list, records read of its total_entries and pages, and the 429s with their back-off."""
    assert pracsuite.pracsuite_control is not None
    pracsuite.pracsuite_control.set_faults(fail_next=3, error_status=429, paths=["/v1/patient"])
    lines, recorded = recording("pracsuite", ManualClock(), every=10)
    summary = extract(dataclasses.replace(settings, page_size=20), tmp_path / "dump", lines=lines)

    grouped = by_what(recorded)
    assert list(grouped) == [f"extract pracsuite/{name}" for name, _segment, _key in ENDPOINTS]
    closing = {name: grouped[f"extract pracsuite/{name}"][-1] for name, _segment, _key in ENDPOINTS}
    for name, line in closing.items():
        assert counts(line) == (summary.records[name],) * 2, line
        assert pages(line) == max(1, math.ceil(summary.records[name] / 20)), line
    assert len(grouped["extract pracsuite/patients"]) > 1  # lines while it runs, every 10 records
    patients_429s, patients_backoff = throttled(closing["patients"])
    assert patients_429s == 3 == sum(throttled(line)[0] for line in closing.values()) == summary.throttled
    assert patients_backoff >= 0.3  # 0.05, 0.1, 0.2 s at least (a Retry-After can ask for more)
