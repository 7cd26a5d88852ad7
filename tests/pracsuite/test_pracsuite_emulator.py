"""The PracSuite emulator against the public docs (emulators/pracsuite/README.md), spoken to over plain HTTP:
the list envelope and its links, page bounds, the q[] timestamp filters, records by id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulators.launcher import RunningEmulators
from sources.pracsuite.api import PracsuiteApiSettings


@pytest.fixture
def client(pracsuite: RunningEmulators, settings: PracsuiteApiSettings) -> Iterator[httpx.Client]:
    keys = {"x-api-key": settings.vendor_key, "A-api-key": settings.account_key}
    with httpx.Client(base_url=settings.base_url, headers=keys, verify=pracsuite.ssl_context()) as http:
        yield http


def test_a_list_page_carries_total_entries_and_its_links(client: httpx.Client, practice: dict[str, Any]) -> None:
    body = client.get("/note", params={"page": 1}).json()
    total = len(practice["notes"])
    assert total > 50 and body["total_entries"] == total and len(body["notes"]) == 50  # the default page size
    assert body["links"]["previous"] is None and body["links"]["self"].endswith("/v1/note?page=1&page_size=50")
    last = client.get(body["links"]["next"]).json()
    assert len(last["notes"]) == total - 50 and last["links"]["next"] is None
    assert last["links"]["previous"].endswith("page=1&page_size=50")


def test_page_bounds_are_the_documented_ones(client: httpx.Client) -> None:
    for params in ({"page": 0}, {"page_size": 0}, {"page_size": 101}, {"page": "two"}):
        response = client.get("/referrer", params=params)
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_parameter", params
    assert client.get("/referrer", params={"page_size": 100}).status_code == 200


def test_the_updated_and_created_filters(client: httpx.Client, pracsuite: RunningEmulators) -> None:
    assert pracsuite.pracsuite_control is not None
    changed = pracsuite.pracsuite_control.upsert("patient", {"client_id": 3, "mobile": "0412 000 111"})
    since = {"q[]": f"updated:>={changed['modified']}"}
    assert [p["client_id"] for p in client.get("/patient", params=since).json()["patients"]] == [3]
    before = {"q[]": "created:<2026-01-01T00:00:00Z"}
    assert client.get("/patient", params=before).json()["total_entries"] == 0
    for wrong in ("surname:=Quill", "updated:~2026-01-01T00:00:00Z", "updated:>=yesterday", "updated:>=2026-01-01"):
        response = client.get("/patient", params={"q[]": wrong})
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_parameter", wrong


def test_a_record_by_id_and_an_unknown_one(client: httpx.Client, practice: dict[str, Any]) -> None:
    note = practice["notes"][0]
    got = client.get(f"/note/{note['note_id']}").json()
    assert {k: v for k, v in got.items() if k != "links"} == note
    assert got["links"]["self"].endswith(f"/v1/note/{note['note_id']}")
    missing = client.get("/note/999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/invoice").status_code == 404  # no invoice resource in the public API
