"""$batch on the wire: change sets, Content-ID references, inner URL forms, error handling (§3.1)."""

from __future__ import annotations

import re

import httpx
from emulator_helpers import batch_part as _part
from emulator_helpers import batch_statuses as _statuses
from emulator_helpers import error_of
from emulator_helpers import send_batch as _send

from emulators.launcher import RunningEmulators

API = "/api/data/v9.2"


def _names(emulators: RunningEmulators, entity: str, field: str, prefix: str) -> list[str]:
    rows = emulators.dataverse_control.dump_table(entity)
    return sorted(r[field] for r in rows if str(r.get(field) or "").startswith(prefix))


def test_change_set_with_content_id_references(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    root = emulators.endpoints.dataverse_url
    response = _send(
        api,
        [
            [
                _part("POST", f"{API}/accounts", {"name": f"B{unique}"}, 1),
                _part(
                    "POST",
                    f"{root}{API}/contacts",
                    {"lastname": f"B{unique}", "parentcustomerid_account@odata.bind": "$1"},
                    2,
                ),
                _part("PATCH", "$2", {"firstname": "Via"}, 3),
            ],
            _part("GET", f"contacts?$select=fullname&$filter=lastname eq 'B{unique}'"),
        ],
    )
    assert response.status_code == 200
    assert re.search(r"boundary=batchresponse_", response.headers["content-type"])
    assert _statuses(response) == [204, 204, 204, 200]
    assert "Content-ID: 2" in response.text
    assert f'"fullname":"Via B{unique}"' in response.text
    contact = next(r for r in emulators.dataverse_control.dump_table("contact") if r["lastname"] == f"B{unique}")
    account = next(r for r in emulators.dataverse_control.dump_table("account") if r["name"] == f"B{unique}")
    assert contact["parentcustomerid"]["id"] == account["accountid"]


def test_stop_at_first_error_returns_400_and_skips_the_rest(
    api: httpx.Client, emulators: RunningEmulators, unique: str
) -> None:
    response = _send(
        api,
        [
            _part("POST", f"{API}/tasks", {"subject": f"T{unique}-1"}),
            _part("POST", f"{API}/tasks", {"subject": "x" * 201}),
            _part("POST", f"{API}/tasks", {"subject": f"T{unique}-3"}),
        ],
    )
    assert response.status_code == 400
    assert _statuses(response) == [204, 400]
    assert "0x80044331" in response.text
    assert "exceeded the maximum allowed length of '200'" in response.text
    assert _names(emulators, "task", "subject", f"T{unique}") == [f"T{unique}-1"]


def test_continue_on_error_runs_everything(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    response = _send(
        api,
        [
            _part("POST", f"{API}/tasks", {"subject": f"C{unique}-1"}),
            _part("POST", f"{API}/tasks", {"nosuchcolumn": 1}),
            _part("POST", f"{API}/tasks", {"subject": f"C{unique}-3"}),
        ],
        prefer="odata.continue-on-error",
    )
    assert response.status_code == 200
    assert _statuses(response) == [204, 400, 204]
    assert _names(emulators, "task", "subject", f"C{unique}") == [f"C{unique}-1", f"C{unique}-3"]


def test_failed_change_set_is_rolled_back(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    bind = {"parentcustomerid_account@odata.bind": "/accounts(00000000-0000-0000-0000-00000000dead)"}
    response = _send(
        api,
        [
            [
                _part("POST", f"{API}/accounts", {"name": f"R{unique}"}, 1),
                _part("POST", f"{API}/contacts", {"lastname": f"R{unique}", **bind}, 2),
            ]
        ],
        prefer="odata.continue-on-error",
    )
    assert _statuses(response) == [404]
    assert "0x80040217" in response.text
    assert _names(emulators, "account", "name", f"R{unique}") == []


def test_unknown_content_id_reference(api: httpx.Client) -> None:
    response = _send(api, [[_part("PATCH", "$7", {"lastname": "x"}, 1)]])
    assert response.status_code == 400
    assert "Content-ID Reference: '$7' does not exist in the batch context." in response.text


def test_more_than_1000_operations_is_rejected(api: httpx.Client) -> None:
    response = _send(api, [_part("GET", "WhoAmI")] * 1001)
    status, code, message = error_of(response)
    assert (status, code) == (400, "0x80040203")
    assert "1001" in message and "1000" in message


def test_batch_counts_as_one_request(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    before = emulators.dataverse_control.stats()
    _send(api, [_part("POST", f"{API}/tasks", {"subject": f"N{unique}-{i}"}) for i in range(5)])
    after = emulators.dataverse_control.stats()
    # research/dataverse.md §3.1: one request for service protection, each operation still writes.
    assert after["requests"] - before["requests"] == 1
    assert after["records"]["created"] - before["records"]["created"] == 5
