"""Helpers shared by the emulator tests: tokens through msal, a Web API client, error envelopes."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import msal

from emulators.launcher import RunningEmulators, ssl_context


def acquire_token(running: RunningEmulators, client_id: str | None = None, secret: str | None = None) -> str:
    """A token from the Entra emulator through msal (research/dataverse.md §1.4 recipe A)."""
    endpoints = running.endpoints
    http = httpx.Client(verify=ssl_context(endpoints.ca_file), timeout=30)
    app = msal.ConfidentialClientApplication(
        client_id or endpoints.client_id,
        client_credential=secret or endpoints.client_secret,
        authority=f"{endpoints.entra_url}/{endpoints.tenant_id}",
        instance_discovery=False,
        http_client=http,
        azure_region=False,
    )
    result = app.acquire_token_for_client(scopes=[f"{endpoints.dataverse_url}/.default"])
    http.close()
    assert "access_token" in result, result
    return str(result["access_token"])


def api_client(running: RunningEmulators, token: str | None = None) -> httpx.Client:
    """An httpx client on the Web API root with the headers every Dataverse request carries (§2.1)."""
    headers = {
        "Authorization": f"Bearer {token or acquire_token(running)}",
        "Accept": "application/json",
        "OData-MaxVersion": "4.0",
        "OData-Version": "4.0",
        "If-None-Match": "null",
    }
    return httpx.Client(
        base_url=f"{running.endpoints.dataverse_url}/api/data/v9.2/",
        headers=headers,
        verify=ssl_context(running.endpoints.ca_file),
        timeout=60,
    )


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    """(status, hex code, message) of a Dataverse error envelope."""
    body = response.json()["error"]
    return response.status_code, body["code"], body["message"]


def wait_until_held(running: RunningEmulators, count: int, guard_seconds: float = 120.0) -> None:
    """Wait until ``count`` requests sleep on the emulators' manual clock (in flight until it is advanced).

    ``guard_seconds`` only stops a hung test; nothing is asserted about how fast the requests arrive.
    """
    deadline = time.monotonic() + guard_seconds
    while running.clock.sleeping != count:
        assert time.monotonic() < deadline, f"{running.clock.sleeping} requests held, expected {count}"
        time.sleep(0.005)


def answered_after(
    running: RunningEmulators, nominal_seconds: float, send: Callable[[], httpx.Response]
) -> httpx.Response:
    """Send one request on a manual clock and show it is answered after ``nominal_seconds`` of service time:
    still held 1 ms before, answered once the clock passes 1 ms after."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(send)
        wait_until_held(running, 1)
        running.clock.advance(nominal_seconds - 0.001)
        assert running.clock.sleeping == 1 and not pending.done(), "answered before its service time"
        running.clock.advance(0.002)
        return pending.result()


def batch_part(method: str, url: str, body: dict | None = None, content_id: int | None = None) -> str:
    """One request of a $batch body (application/http, research/dataverse.md §3.1)."""
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")
    lines += ["", f"{method} {url} HTTP/1.1"]
    if body is not None:
        lines += ["Content-Type: application/json; type=entry", "", json.dumps(body)]
    else:
        lines += [""]
    return "\r\n".join(lines)


def batch_body(items: list[str | list[str]]) -> tuple[str, str]:
    """(Content-Type, body) of a $batch: a list item is one change set, a string one request outside any."""
    boundary = f"batch_{uuid.uuid4()}"
    chunks = []
    for item in items:
        if isinstance(item, list):
            change_set = f"changeset_{uuid.uuid4()}"
            inner = "".join(f"--{change_set}\r\n{part}\r\n" for part in item) + f"--{change_set}--"
            chunks.append(f"--{boundary}\r\nContent-Type: multipart/mixed; boundary={change_set}\r\n\r\n{inner}\r\n")
        else:
            chunks.append(f"--{boundary}\r\n{item}\r\n")
    return f'multipart/mixed; boundary="{boundary}"', "".join(chunks) + f"--{boundary}--\r\n"


def send_batch(api: httpx.Client, items: list[str | list[str]], prefer: str | None = None) -> httpx.Response:
    content_type, body = batch_body(items)
    headers = {"Content-Type": content_type, **({"Prefer": prefer} if prefer else {})}
    return api.post("$batch", content=body.encode(), headers=headers)


def batch_statuses(response: httpx.Response) -> list[int]:
    """The status of every inner response of a $batch answer, in order."""
    return [int(s) for s in re.findall(r"^HTTP/1\.1 (\d{3})", response.text, flags=re.M)]
