"""Core Plus through its emulator: full extraction, token faults, 429/5xx, resume, DST (issue 20 item 1)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from coreplus_helpers import assert_dump_equals_practice, dump_lines, make_settings
from progress_lines import ManualClock, by_what, counts, pages, recording, throttled

from emulators.coreplus.constants import TIME_ZONES
from emulators.launcher import RunningEmulators
from sources.coreplus.api import (
    CoreplusApi,
    CoreplusApiError,
    CoreplusApiSettings,
    CoreplusAuthError,
    extract,
)


def test_full_extraction_equals_the_emulators_contents(
    settings: CoreplusApiSettings, practice: dict[str, Any], tmp_path: Path
) -> None:
    summary = extract(settings, tmp_path / "dump")
    assert_dump_equals_practice(tmp_path / "dump", practice)
    assert summary.records["client_family"] == len(practice["clientFamilies"]) > 0
    assert not summary.resumed


def test_quirks_are_delivered_as_the_api_writes_them(settings: CoreplusApiSettings, tmp_path: Path) -> None:
    extract(settings, tmp_path / "dump")
    client = dump_lines(tmp_path / "dump" / "clients.ndjson")[0]
    assert len(client["date_of_birth"]) == 19 and client["date_of_birth"].endswith("T00:00:00")  # no offset
    assert "medicare_card_irn" in client and "status" in client  # medicareCardIRN, Status
    invoice = dump_lines(tmp_path / "dump" / "invoices.ndjson")[0]
    assert isinstance(invoice["amount_owing"], str)
    assert all(isinstance(item["lineAmount"], float) for item in invoice["line_items"])  # nested keys as sent
    start = dump_lines(tmp_path / "dump" / "appointments.ndjson")[0]["start_date_time"]
    assert start[19] == " " and start[20] in "+-"  # "2026-03-23T09:00:00 +11:00"


def test_appointments_across_sydney_dst_changes_keep_their_local_times(
    settings: CoreplusApiSettings, practice: dict[str, Any], tmp_path: Path
) -> None:
    extract(settings, tmp_path / "dump")
    sydney = next(loc for loc in practice["locations"] if TIME_ZONES[loc["timezoneId"]] == "Australia/Sydney")
    got = {a["appointment_id"]: a for a in dump_lines(tmp_path / "dump" / "appointments.ndjson")}
    offsets = set()
    for source in practice["appointments"]:
        if source["locationId"] != sydney["locationId"]:
            continue
        start = got[source["appointmentId"]]["start_date_time"]
        assert start.split(" ")[0] == source["start"]  # the booked wall-clock time, whatever the offset
        offsets.add(start.split(" ")[1])
    assert offsets == {"+10:00", "+11:00"}  # both sides of a change were read


# --- tokens -----------------------------------------------------------------------------------------


def _token(running: RunningEmulators, target: str, **claims: Any) -> str:
    e = running.endpoints
    now = int(time.time())
    base = {
        "iss": "https://example.invalid",
        "aud": "http://coreplus.com.au",
        "nbf": now,
        "exp": now + 60,
        "consumerId": e.coreplus_consumer_id,
        "accessToken": e.coreplus_access_token,
        "url": target,
        "httpMethod": "GET",
    }
    secret = claims.pop("secret", e.coreplus_consumer_secret)
    return jwt.encode({**base, **claims}, secret, algorithm="HS256")


@pytest.mark.parametrize(
    ("header", "claims", "reason"),
    [
        ("JwToken{}", {}, "scheme"),  # FAQ: the missing space after JwToken
        ("JwToken {}", {"secret": "not-the-consumer-secret-of-this-add-on-at-all"}, "signature"),
        ("JwToken {}", {"nbf": -300, "exp": -240}, "expired"),
        ("JwToken {}", {"nbf": 300, "exp": 360}, "not_yet_valid"),
        ("JwToken {}", {"url": "/API/Core/v2/Client/?pageNumber=2"}, "request"),
        ("JwToken {}", {"exp": 3600}, "lifetime"),
    ],
)
def test_each_token_fault_gives_invalid_token(
    coreplus: RunningEmulators, header: str, claims: dict[str, Any], reason: str
) -> None:
    target = "/API/Core/v2/Client/?pageNumber=1"
    # nbf/exp are seconds from now as the test runs (from collection, a late test's "not yet valid" had expired).
    now = int(time.time())
    claims = {k: now + v if k in ("nbf", "exp") else v for k, v in claims.items()}
    with httpx.Client(verify=coreplus.ssl_context()) as client:
        response = client.get(
            coreplus.endpoints.coreplus_url + target,
            headers={"Authorization": header.format(_token(coreplus, target, **claims))},
        )
    assert response.status_code == 401
    assert response.json()["statusMessages"][0]["message"] == "Invalid token"
    assert response.headers["X-Emulator-Reason"] == reason


def test_a_valid_token_is_accepted(coreplus: RunningEmulators) -> None:
    target = "/API/Core/v2/Location/"
    with httpx.Client(verify=coreplus.ssl_context()) as client:
        response = client.get(
            coreplus.endpoints.coreplus_url + target, headers={"Authorization": f"JwToken {_token(coreplus, target)}"}
        )
    assert response.status_code == 200
    assert response.json()["paging"]["totalRows"] == 2


@pytest.mark.parametrize("fault", ["expire_next", "not_yet_valid_next"])
def test_the_client_recovers_from_one_refused_token_with_a_fresh_one(
    coreplus: RunningEmulators, settings: CoreplusApiSettings, fault: str
) -> None:
    assert coreplus.coreplus_control is not None
    coreplus.coreplus_control.set_faults(**{fault: 1})
    with CoreplusApi(settings) as api:
        body = api.get("/Location/")
        assert api.retries == 1 and api.requests == 2
    assert len(body["locations"]) == 2


def test_a_token_refused_twice_is_a_clear_error(coreplus: RunningEmulators, settings: CoreplusApiSettings) -> None:
    assert coreplus.coreplus_control is not None
    coreplus.coreplus_control.set_faults(expire_next=5)
    with CoreplusApi(settings) as api, pytest.raises(CoreplusAuthError, match="GET /API/Core/v2/Location/: 401"):
        api.get("/Location/")


def test_a_wrong_secret_is_a_clear_error_without_the_secret(coreplus: RunningEmulators) -> None:
    wrong = dataclasses.replace(make_settings(coreplus), consumer_secret="wrong-secret-value-long-enough-for-hs256")
    with CoreplusApi(wrong) as api, pytest.raises(CoreplusAuthError) as raised:
        api.get("/Client/")
    assert "wrong-secret-value-long-enough-for-hs256" not in str(raised.value)
    assert "Invalid token twice" in str(raised.value)


def test_missing_credentials_are_named() -> None:
    with pytest.raises(CoreplusApiError, match="PM_X__COREPLUS_CONSUMER_SECRET"):
        CoreplusApiSettings.from_env(
            "PM_X__COREPLUS_",
            {"PM_X__COREPLUS_CONSUMER_ID": "a", "PM_X__COREPLUS_ACCESS_TOKEN": "b"},
            base_url="https://127.0.0.1",
            appointments_from=dt.date(2026, 1, 1),
            appointments_to=dt.date(2026, 1, 2),
        )


# --- 429 / 5xx and resume ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_retried(
    coreplus: RunningEmulators, settings: CoreplusApiSettings, practice: dict[str, Any], tmp_path: Path, status: int
) -> None:
    assert coreplus.coreplus_control is not None
    coreplus.coreplus_control.set_faults(fail_next=3, error_status=status, paths=["/API/Core/v2/Client"])
    summary = extract(settings, tmp_path / "dump")
    assert summary.retries >= 3
    assert_dump_equals_practice(tmp_path / "dump", practice)


def test_an_outage_longer_than_the_retries_is_a_clear_error(
    coreplus: RunningEmulators, settings: CoreplusApiSettings
) -> None:
    assert coreplus.coreplus_control is not None
    coreplus.coreplus_control.set_faults(fail_next=50, error_status=503)
    with CoreplusApi(settings) as api, pytest.raises(CoreplusApiError, match="gave up after 6 attempts"):
        api.get("/Practitioner/")


class KilledError(Exception):
    pass


@pytest.mark.parametrize("kill_at", [2, 9, 30])
def test_a_killed_extraction_resumes_without_gaps_or_duplicates(
    settings: CoreplusApiSettings, practice: dict[str, Any], tmp_path: Path, kill_at: int
) -> None:
    out = tmp_path / "dump"
    small_pages = dataclasses.replace(settings, page_size=5)  # several pages per list
    seen: list[tuple[str, int]] = []

    def kill(step: str, page: int) -> None:
        seen.append((step, page))
        if len(seen) == kill_at:
            raise KilledError

    with pytest.raises(KilledError):
        extract(small_pages, out, progress=kill)
    # The process died while writing the next page: half a line after the checkpoint.
    with (out / "clients.ndjson").open("a", encoding="utf-8") as handle:
        handle.write('{"client_id": "half a rec')
    with (out / "appointments.ndjson").open("a", encoding="utf-8") as handle:
        handle.write('{"appointment_id": "x"}\n')
    resumed_steps: list[tuple[str, int]] = []
    summary = extract(small_pages, out, progress=lambda step, page: resumed_steps.append((step, page)))
    assert summary.resumed
    assert resumed_steps and resumed_steps[0] != seen[0]  # it continued, it did not start over
    assert_dump_equals_practice(out, practice)


def test_a_complete_dump_is_not_extracted_over(settings: CoreplusApiSettings, tmp_path: Path) -> None:
    extract(settings, tmp_path / "dump")
    with pytest.raises(CoreplusApiError, match="already holds a complete dump"):
        extract(settings, tmp_path / "dump")


@pytest.mark.parametrize(
    ("target", "parameter"),
    [
        ("/API/Core/v2/Client/?pageNumber=1&pageSize=101", "pageSize"),  # §2.3: at most 100
        ("/API/Core/v2/Appointment/?startDate=2026-04-01&endDate=2026-04-30", "timezoneId"),  # window needs a zone
        ("/API/Core/v2/ClientFamily/", "clientId"),
    ],
)
def test_requests_the_api_refuses(coreplus: RunningEmulators, target: str, parameter: str) -> None:
    with httpx.Client(verify=coreplus.ssl_context()) as client:
        response = client.get(
            coreplus.endpoints.coreplus_url + target, headers={"Authorization": f"JwToken {_token(coreplus, target)}"}
        )
    assert response.status_code == 400
    assert parameter in response.json()["statusMessages"][0]["message"]


def test_the_cli_refuses_coreplus_without_a_practice(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from emulators.cli import add_arguments, run

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args(["--coreplus"])) == 2
    assert "--coreplus-practice" in capsys.readouterr().err


def test_progress_lines_count_each_resource_and_the_429s_it_waited_out(
    coreplus: RunningEmulators, settings: CoreplusApiSettings, tmp_path: Path
) -> None:
    """Issue 25 item 2: per resource, records read of paging.totalRows (clients: clients done of the ids
    listed; appointments, one list per window: records and pages), and the 429s with their back-off."""
    assert coreplus.coreplus_control is not None
    coreplus.coreplus_control.set_faults(fail_next=3, error_status=429, paths=["/API/Core/v2/Client"])
    lines, recorded = recording("coreplus", ManualClock(), every=10)
    summary = extract(dataclasses.replace(settings, page_size=10), tmp_path / "dump", lines=lines)

    grouped = by_what(recorded)
    phases = ["locations", "practitioners", "client_ids", "clients", "appointments", "invoices"]
    assert list(grouped) == [f"extract coreplus/{p}" for p in phases]
    closing = {p: grouped[f"extract coreplus/{p}"][-1] for p in phases}
    clients = summary.records["clients"]
    for resource in ("locations", "practitioners", "invoices"):
        assert counts(closing[resource]) == (summary.records[resource],) * 2, closing[resource]
    assert counts(closing["client_ids"]) == (clients, clients)
    assert counts(closing["clients"]) == (clients, clients) and " clients/s" in closing["clients"]
    assert pages(closing["clients"]) >= 2 * clients  # a record and a family list per client
    done, total = counts(closing["appointments"])
    assert total is None and done >= summary.records["appointments"] > 0 and pages(closing["appointments"]) > 0
    assert len(grouped["extract coreplus/appointments"]) > 1  # lines while it runs, every 10 records
    # The three 429s met the client list; each retry's wait (0.05, 0.1, 0.2 s) is its back-off.
    assert throttled(closing["client_ids"])[0] >= 3
    assert sum(throttled(line)[0] for line in closing.values()) == summary.throttled
    assert abs(throttled(closing["client_ids"])[1] - 0.35) <= 0.06 + 0.05 * (summary.throttled - 3)  # shown to 0.1 s
