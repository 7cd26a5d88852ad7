"""Failures the extractor meets: a refused key, 5xx answers and dropped connections (retried, bounded), an
untrusted certificate, attachments without bytes. A failed extract leaves no folder a reader could load."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cliniko_api_helpers import (
    TIME_SCALE,
    api_settings,
    cliniko_emulator,
    control,
    emulator_api_clock,
    parse_instant,
    read_ndjson,
    stats,
    wait_until_server_clock_passes,
)

from sources.cliniko.api import (
    ClinikoApiError,
    ClinikoAuthError,
    ClinikoUnavailableError,
    extract_full,
)
from sources.cliniko.settings import RESOURCES


def _nothing_left(out: Path) -> None:
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}*"))  # nor the working folder


def test_refused_key_raises_an_auth_error_naming_the_path_never_the_key(
    cliniko_dump: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with cliniko_emulator(cliniko_dump) as running:
        real_key = str(running.endpoints.cliniko_api_key)
        wrong_key = "f" * 40 + "-au2"
        settings = api_settings(running, api_key=wrong_key)
        with pytest.raises(ClinikoAuthError) as caught:
            extract_full(settings, tmp_path / "out")
        figures = stats(running)
    message = str(caught.value)
    assert "GET /v1/settings" in message and "401" in message and "CLINIKO_API_KEY" in message
    shown = " ".join([message, repr(caught.value), repr(settings), caplog.text])
    for secret in (wrong_key, wrong_key[:40], real_key, real_key.rpartition("-")[0]):
        assert secret not in shown
    assert figures["requests"] == 1 and figures["statuses"] == {"401": 1}  # refused at once, never retried
    _nothing_left(tmp_path / "out")


def test_server_errors_and_dropped_connections_are_retried(cliniko_dump: Path, tmp_path: Path) -> None:
    with cliniko_emulator(cliniko_dump, faults={"fail_next": 2, "error_status": 502}) as running:
        # Both kinds on one page reached through links.next (the filters ride in the link): 502, 502, a dropped
        # connection twice, then the page.
        active = control(running, "POST", "/faults", {"drop_next": 2, "paths": ["/v1/invoice_items?page=3"]})
        assert (active["fail_next"], active["drop_next"], active["error_status"]) == (2, 2, 502)
        summary = extract_full(api_settings(running), tmp_path / "out")
        figures = stats(running)
    assert figures["faults"] == {"drop": 2, "server_error": 2}
    assert figures["statuses"]["502"] == 2 and figures["statuses"]["599"] == 2
    assert summary.stats.retries == 4
    pages = -(-len(read_ndjson(cliniko_dump / "invoice_items.ndjson")) // 100)
    assert pages >= 3 and figures["endpoints"]["GET /v1/invoice_items"] == pages + 4  # page 3 four times more
    for resource in RESOURCES:
        assert summary.records[resource] == len(read_ndjson(cliniko_dump / f"{resource}.ndjson")), resource


def test_persistent_server_errors_give_up_after_bounded_retries(cliniko_dump: Path, tmp_path: Path) -> None:
    faults = {"error_rate": 1.0, "paths": ["/v1/invoices"]}  # an outage of one resource, mid-extract
    waits: list[float] = []
    with cliniko_emulator(cliniko_dump, manual_clock=True, faults=faults) as running:
        with pytest.raises(ClinikoUnavailableError) as caught:
            extract_full(
                api_settings(running, max_retries=3), tmp_path / "out", clock=emulator_api_clock(running, waits)
            )
        figures = stats(running)
    assert "GET /v1/invoices" in str(caught.value) and "HTTP 503" in str(caught.value)
    assert figures["endpoints"]["GET /v1/invoices"] == 4  # the first attempt and 3 retries, then no more
    assert figures["faults"] == {"server_error": 4}
    # The back-off is bounded: 0.5 s doubling (× the time scale) before each of the 3 retries, no wait after
    # the last attempt, and no other wait in the whole extract (no 429 at the default limit).
    assert waits == pytest.approx([0.5 * TIME_SCALE, 1.0 * TIME_SCALE, 2.0 * TIME_SCALE])
    _nothing_left(tmp_path / "out")  # patients etc. were read, yet no partial dump remains


def test_an_untrusted_certificate_fails_at_once(cliniko_dump: Path, tmp_path: Path) -> None:
    with cliniko_emulator(cliniko_dump) as running:
        with pytest.raises(ClinikoApiError) as caught:
            extract_full(api_settings(running, ca_file=None), tmp_path / "out")
        figures = stats(running)
    assert not isinstance(caught.value, ClinikoUnavailableError)
    assert "not trusted" in str(caught.value) and "CLINIKO_CA_FILE" in str(caught.value)
    assert figures["requests"] == 0  # no HTTP request got through the refused handshake
    _nothing_left(tmp_path / "out")


def test_attachments_without_bytes_are_listed_not_fatal(cliniko_dump: Path, tmp_path: Path) -> None:
    with cliniko_emulator(cliniko_dump) as running:
        assert running.cliniko_control is not None
        created = running.cliniko_control.create("patient_attachments", filename="lost.pdf", content_type="x/y")
        wait_until_server_clock_passes(running, parse_instant(created["created_at"]))  # inside the cut-off
        summary = extract_full(api_settings(running), tmp_path / "out")
    assert summary.missing_attachments == (created["id"],)
    assert summary.attachments == len(read_ndjson(cliniko_dump / "patient_attachments.ndjson"))
