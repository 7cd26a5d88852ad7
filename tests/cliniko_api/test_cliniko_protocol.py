"""The Cliniko emulator speaks the API of research/sources.md §2 over real HTTPS: auth, User-Agent, paging,
filters, side lists, the rate limit and the control endpoints."""

from __future__ import annotations

import datetime as dt
import math
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from cliniko_api_helpers import (
    USER_AGENT,
    cliniko_emulator,
    control,
    parse_instant,
    raw_client,
    read_ndjson,
    stats,
)

from emulators.launcher import RunningEmulators, ssl_context


def _live(records: list[dict[str, Any]], collection: str) -> list[dict[str, Any]]:
    """What the main list serves: not deleted; patients and appointment types not archived; appointments and
    attendees not cancelled; practitioners active."""
    kept = [r for r in records if not r.get("deleted_at")]
    if collection in ("patients", "appointment_types"):
        kept = [r for r in kept if not r.get("archived_at")]
    if collection in ("individual_appointments", "attendees"):
        kept = [r for r in kept if not r.get("cancelled_at")]
    if collection == "practitioners":
        kept = [r for r in kept if r.get("active") is not False]
    return kept


def _all_pages(client: Any, path: str, params: list[tuple[str, str]]) -> tuple[list[dict[str, Any]], list[dict]]:
    """Follow links.next from the first page; returns the records and every page body."""
    bodies = []
    response = client.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        bodies.append(response.json())
        following = bodies[-1]["links"].get("next")
        if not following:
            break
        response = client.get(following)
    key = path.split("/")[0]
    return [r for body in bodies for r in body[key]], bodies


# -- §2.1 auth, shards, User-Agent ----------------------------------------------------------------------


def test_basic_auth_takes_the_key_and_honours_its_shard_suffix(cliniko: RunningEmulators) -> None:
    key = str(cliniko.endpoints.cliniko_api_key)
    secret, _, shard = key.rpartition("-")
    assert shard == "au2"  # the synthetic NZ practice's links name api.au2.cliniko.com
    with raw_client(cliniko) as client:
        assert client.get("patients").status_code == 200
        anonymous = client.get("patients", auth=None, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert anonymous.json() == {"message": "HTTP Basic: Access denied."}
    refused = {
        "wrong secret": f"{'0' * len(secret)}-au2",
        "same secret, another shard": f"{secret}-uk1",
        "no suffix means au1": secret,
    }
    for label, other in refused.items():
        with raw_client(cliniko, key=other) as client:
            assert client.get("patients").status_code == 401, label
    with raw_client(cliniko, key=f"{secret}-AU2") as client:  # the shard pattern is case-insensitive (§2.1)
        assert client.get("patients").status_code == 200


def test_a_key_without_suffix_is_an_au1_key_and_links_follow_the_shard(cliniko_dump: Path) -> None:
    with cliniko_emulator(cliniko_dump, api_key="plainsecret") as running:
        assert running.cliniko_backend is not None and running.cliniko_backend.shard == "au1"
        with raw_client(running, key="plainsecret") as client:
            body = client.get("patient_attachments", params={"per_page": 1}).json()
        with raw_client(running, key="plainsecret-au2") as client:
            assert client.get("patients").status_code == 401
    assert body["patient_attachments"][0]["content"]["links"]["self"].startswith("https://api.au1.cliniko.com/v1/")
    with pytest.raises(ValueError, match="contradicts"), cliniko_emulator(cliniko_dump, api_key="s-au2", shard="uk1"):
        pass


def test_user_agent_must_name_the_app_and_a_contact_email(cliniko: RunningEmulators) -> None:
    with raw_client(cliniko, user_agent=None) as client:
        missing = client.get("patients")
    assert missing.status_code == 400
    assert missing.json()["message"] == "Requires a user agent"
    for agent in ("python-httpx/0.28", "practice-migration", "practice-migration (not an e-mail)"):
        with raw_client(cliniko, user_agent=agent) as client:
            assert client.get("patients").status_code == 403, agent
    with raw_client(cliniko, user_agent=USER_AGENT) as client:
        assert client.get("patients").status_code == 200


# -- §2.3 paging ------------------------------------------------------------------------------------------


def test_pages_follow_links_next_with_total_entries(cliniko: RunningEmulators, cliniko_dump: Path) -> None:
    expected = _live(read_ndjson(cliniko_dump / "individual_appointments.ndjson"), "individual_appointments")
    assert len(expected) > 300
    with raw_client(cliniko) as client:
        records, bodies = _all_pages(client, "individual_appointments", [("per_page", "100")])
        default = client.get("individual_appointments").json()
        capped = client.get("individual_appointments", params={"per_page": 500}).json()
        beyond = client.get("individual_appointments", params={"page": 99, "per_page": 100}).json()
        bad = [client.get("individual_appointments", params=p).status_code for p in ({"page": 0}, {"per_page": "x"})]
    assert len(bodies) == math.ceil(len(expected) / 100)
    assert {b["total_entries"] for b in bodies} == {len(expected)}
    assert [len(b["individual_appointments"]) for b in bodies[:-1]] == [100] * (len(bodies) - 1)
    assert sorted(r["id"] for r in records) == sorted(r["id"] for r in expected)
    assert "previous" not in bodies[0]["links"] and "previous" in bodies[1]["links"]
    assert "next" not in bodies[-1]["links"]
    # §2.3: ascending created_at by default.
    stamps = [r["created_at"] for r in records]
    assert stamps == sorted(stamps)
    assert len(default["individual_appointments"]) == 50  # the default page size
    assert len(capped["individual_appointments"]) == 100  # per_page is at most 100
    assert beyond["individual_appointments"] == [] and beyond["total_entries"] == len(expected)
    assert bad == [400, 400]


# -- §2.4 filters ------------------------------------------------------------------------------------------


def test_q_filters_select_by_updated_at_ids_strings_and_combine(cliniko: RunningEmulators, cliniko_dump: Path) -> None:
    appointments = _live(read_ndjson(cliniko_dump / "individual_appointments.ndjson"), "individual_appointments")
    stamps = sorted(r["updated_at"] for r in appointments)
    median = stamps[len(stamps) // 2]
    newer = {r["id"] for r in appointments if parse_instant(r["updated_at"]) > parse_instant(median)}
    assert 0 < len(newer) < len(appointments)
    patients = _live(read_ndjson(cliniko_dump / "patients.ndjson"), "patients")
    chosen = [p["id"] for p in patients[:3]]
    fragment = patients[5]["last_name"][1:4].upper()
    one_patient = appointments[0]["patient"]["links"]["self"].rsplit("/", 1)[-1]
    theirs = {
        r["id"]
        for r in appointments
        if r["patient"]["links"]["self"].endswith(f"/{one_patient}")
        and parse_instant(r["updated_at"]) > parse_instant(median)
    }
    with raw_client(cliniko) as client:
        updated, _ = _all_pages(
            client, "individual_appointments", [("q[]", f"updated_at:>{median}"), ("per_page", "100")]
        )
        by_ids = client.get("patients", params=[("q[]", f"id:={','.join(chosen)}")]).json()
        contains = client.get("patients", params=[("q[]", f"last_name:~{fragment}"), ("per_page", "100")]).json()
        both = client.get(
            "individual_appointments",
            params=[("q[]", f"patient_id:={one_patient}"), ("q[]", f"updated_at:>{median}"), ("per_page", "100")],
        ).json()
        unknown = client.get("patients", params=[("q[]", "shoe_size:=44")])
        local_time = client.get("patients", params=[("q[]", "updated_at:>2024-01-01T10:00:00+13:00")])
    assert {r["id"] for r in updated} == newer
    assert sorted(r["id"] for r in by_ids["patients"]) == sorted(chosen) and by_ids["total_entries"] == 3
    assert {r["id"] for r in contains["patients"]} == {
        p["id"] for p in patients if fragment.lower() in p["last_name"].lower()
    }
    assert {r["id"] for r in both["individual_appointments"]} == theirs
    assert unknown.status_code == 400 and "shoe_size" in unknown.json()["message"] and "44" not in unknown.text
    assert local_time.status_code == 400 and "UTC" in local_time.json()["message"]


# -- §2.4 side lists ---------------------------------------------------------------------------------------


def test_deleted_archived_cancelled_and_inactive_lists(cliniko: RunningEmulators, cliniko_dump: Path) -> None:
    patients = read_ndjson(cliniko_dump / "patients.ndjson")
    archived = {p["id"] for p in patients if p.get("archived_at")}
    appointments = read_ndjson(cliniko_dump / "individual_appointments.ndjson")
    cancelled = {a["id"] for a in appointments if a.get("cancelled_at")}
    inactive = {p["id"] for p in read_ndjson(cliniko_dump / "practitioners.ndjson") if p.get("active") is False}
    assert archived and cancelled and inactive  # the practice has each kind
    with raw_client(cliniko) as client:
        main_patients, _ = _all_pages(client, "patients", [("per_page", "100")])
        archived_list = client.get("patients/archived", params={"per_page": 100}).json()
        deleted_list = client.get("patients/deleted").json()
        cancelled_list, _ = _all_pages(client, "individual_appointments/cancelled", [("per_page", "100")])
        main_appointments, _ = _all_pages(client, "individual_appointments", [("per_page", "100")])
        inactive_list = client.get("practitioners/inactive").json()
        active_list = client.get("practitioners").json()
        no_such_view = client.get("contacts/deleted")
    assert {p["id"] for p in archived_list["patients"]} == archived
    assert archived.isdisjoint(p["id"] for p in main_patients)
    assert deleted_list == {"patients": [], "total_entries": 0, "links": deleted_list["links"]}
    assert {a["id"] for a in cancelled_list} == cancelled
    assert cancelled.isdisjoint(a["id"] for a in main_appointments)  # cancelled ones only under /cancelled
    assert {p["id"] for p in inactive_list["practitioners"]} == inactive
    assert inactive.isdisjoint(p["id"] for p in active_list["practitioners"])
    assert no_such_view.status_code == 404


def test_attachment_content_is_the_dump_bytes_behind_a_redirect(cliniko: RunningEmulators, cliniko_dump: Path) -> None:
    """The content link redirects to a signed download URL (README: the files live in S3); the URL itself is
    the credential, and only for that attachment."""
    record, other = read_ndjson(cliniko_dump / "patient_attachments.ndjson")[:2]
    with raw_client(cliniko) as client:
        redirect = client.get(f"patient_attachments/{record['id']}/content")
        location = redirect.headers["location"]
        with httpx.Client(verify=ssl_context(cliniko.endpoints.ca_file)) as anonymous:
            response = anonymous.get(location)  # no key, like a presigned URL
            forged = anonymous.get(location.replace(f"/{record['id']}/", f"/{other['id']}/"))
    assert redirect.status_code == 302 and f"/_files/{record['id']}/" in location
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(record["content_type"])
    assert response.content == (cliniko_dump / "attachments" / record["id"] / record["filename"]).read_bytes()
    assert forged.status_code == 404


# -- §2.2 rate limit -------------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_reset_and_counts_clients_that_do_not_wait(cliniko_dump: Path) -> None:
    # The emulator's clock stands still, so all seven requests fall into one window however slow the machine.
    limit = {"requests": 5, "window_seconds": 60}
    with cliniko_emulator(cliniko_dump, manual_clock=True, rate_limit=limit) as running:
        opened = running.clock.wall()
        with raw_client(running) as client:
            statuses = [client.get("businesses").status_code for _ in range(5)]
            refused = client.get("businesses")
            again = client.get("businesses")  # a client that does not wait for the reset
            running.clock.advance(59.9)  # not yet: the window is 60 s
            still = client.get("businesses")
            running.clock.advance(0.2)
            after = client.get("businesses")
        figures = stats(running)
    assert statuses == [200] * 5
    assert refused.status_code == 429 and again.status_code == 429 and still.status_code == 429
    assert "Too many requests" in refused.json()["message"]
    # The reset is the window's end (60 s at time scale 0.01 = 0.6 s), rounded up to the next millisecond.
    assert opened + 0.6 < float(refused.headers["X-RateLimit-Reset"]) <= opened + 0.6 + 0.002
    assert 0.6 < float(refused.headers["Retry-After"]) <= 0.6 + 0.002
    assert after.status_code == 200
    assert figures["throttled"] == 3 and figures["statuses"]["429"] == 3
    assert figures["rate_limit"] == {"requests": 5, "window_seconds": 60.0, "windows": 2, "early": 2}


def test_unscaled_rate_limit_resets_on_whole_epoch_seconds(cliniko_dump: Path) -> None:
    with (
        cliniko_emulator(cliniko_dump, time_scale=1.0, rate_limit={"requests": 2}) as running,
        raw_client(running) as client,
    ):
        before = time.time()
        codes = [client.get("taxes").status_code for _ in range(3)]
        refused = client.get("taxes")
        after = time.time()
    assert codes == [200, 200, 429] and refused.status_code == 429
    header = refused.headers["X-RateLimit-Reset"]
    assert header.isdigit()  # UNIX epoch seconds (§2.2)
    # The window opened with the first request, between `before` and `after`, and lasts 60 s; rounded up.
    assert before + 60 <= int(header) <= math.ceil(after + 60)
    assert refused.headers["Retry-After"].isdigit()


def test_default_limit_is_200_per_minute(cliniko: RunningEmulators) -> None:
    limit = stats(cliniko)["rate_limit"]
    assert (limit["requests"], limit["window_seconds"]) == (200, 60.0)


# -- control endpoints -------------------------------------------------------------------------------------


def test_control_changes_are_visible_through_the_api(cliniko: RunningEmulators) -> None:
    practice = cliniko.cliniko_control
    assert practice is not None
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        with raw_client(cliniko) as client:
            total = client.get("patients").json()["total_entries"]
            first, second, third = client.get("patients", params={"per_page": 3}).json()["patients"]
            live = next(
                a
                for a in client.get("individual_appointments", params={"per_page": 100}).json()[
                    "individual_appointments"
                ]
                if not a.get("cancelled_at")
            )
            created = practice.create("patients", first_name="Aroha", last_name="Control")
            practice.update("patients", first["id"], occupation="Beekeeper")
            practice.delete("patients", second["id"])
            practice.archive("patients", third["id"])
            practice.cancel("individual_appointments", live["id"], cancellation_reason=50)

            assert client.get("patients").json()["total_entries"] == total - 1  # +1 created, -1 deleted, -1 archived
            fetched = client.get(f"patients/{first['id']}").json()
            assert fetched["occupation"] == "Beekeeper"
            assert parse_instant(fetched["updated_at"]) >= before
            assert client.get(f"patients/{created['id']}").json()["last_name"] == "Control"
            assert len(created["id"]) == 19 and created["id"].isdigit()  # ids are 64-bit integers as strings
            assert client.get(f"patients/{second['id']}").status_code == 404
            recent = client.get("patients", params=[("q[]", f"updated_at:>={before.strftime('%Y-%m-%dT%H:%M:%SZ')}")])
            assert {p["id"] for p in recent.json()["patients"]} == {created["id"], first["id"]}
            deleted = client.get("patients/deleted").json()["patients"]
            assert deleted == [
                {
                    "deleted_at": deleted[0]["deleted_at"],
                    "links": {"self": f"https://api.au2.cliniko.com/v1/patients/{second['id']}"},
                }
            ]
            assert third["id"] in {p["id"] for p in client.get("patients/archived").json()["patients"]}
            cancelled = client.get(
                "individual_appointments/cancelled",
                params=[("q[]", f"cancelled_at:>={before.strftime('%Y-%m-%dT%H:%M:%SZ')}")],
            ).json()["individual_appointments"]
            assert [(a["id"], a["cancellation_reason"]) for a in cancelled] == [(live["id"], 50)]
            counts = stats(cliniko)["control"]
            assert counts == {"archived": 1, "cancelled": 1, "created": 1, "deleted": 1, "updated": 1}
    finally:
        practice.reset()
    with raw_client(cliniko) as client:
        assert client.get("patients").json()["total_entries"] == total
        assert client.get("patients/deleted").json()["total_entries"] == 0


def test_fault_control_shows_validates_and_clears(cliniko_dump: Path) -> None:
    with cliniko_emulator(cliniko_dump, faults={"fail_next": 1}) as running:
        assert control(running, "GET", "/faults")["fail_next"] == 1
        with pytest.raises(httpx.HTTPStatusError) as refused:
            control(running, "POST", "/faults", {"fail_nxt": 3})
        assert refused.value.response.status_code == 400 and "fail_next" in refused.value.response.json()["message"]
        with raw_client(running) as client:
            failed, served = client.get("taxes"), client.get("taxes")
            control(running, "POST", "/faults", {"error_rate": 1.0, "error_status": 500})
            outage = client.get("taxes")
            cleared = control(running, "DELETE", "/faults")
            after = client.get("taxes")
    assert (failed.status_code, served.status_code, outage.status_code, after.status_code) == (503, 200, 500, 200)
    assert cleared["error_rate"] == 0.0 and cleared["fail_next"] == 0
