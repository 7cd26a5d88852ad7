"""$batch change sets and failure isolation against the emulator, plus the wire format on its own."""

from __future__ import annotations

import asyncio
import math

import pytest
from dv_helpers import contacts, guid, make_client, stored

from emulators.launcher import RunningEmulators
from targets.dynamics import BatchOperation, NotExecutedError, TerminalError, isolate_failures
from targets.dynamics.batch import build_batch, parse_batch_response

START = "2024-05-02T09:00:00Z"
END = "2024-05-02T09:30:00Z"


def _closed_appointment(number: int, subject: str | None = None) -> list[BatchOperation]:
    """Upsert an appointment by its GUID, then close it through the Content-ID (research §7.1)."""
    body = {"subject": subject or f"Visit {number}", "scheduledstart": START, "scheduledend": END}
    return [
        BatchOperation("PATCH", f"appointments({guid('appointment', number)})", body),
        BatchOperation("PATCH", "$1", {"statecode": 1, "statuscode": 3}, {"If-Match": "*"}),
    ]


def _appointments(running: RunningEmulators) -> dict[str, dict]:
    return {row["activityid"]: row for row in stored(running, "appointment")}


def test_change_sets_create_then_close_through_content_id(emulators: RunningEmulators) -> None:
    async def scenario() -> list:
        async with make_client(emulators) as dv:
            return await dv.execute_batch([_closed_appointment(n) for n in range(3)])

    results = asyncio.run(scenario())
    assert [r.ok for r in results] == [True, True, True]
    assert all(len(r.responses) == 2 and r.error is None for r in results)
    rows = _appointments(emulators)
    for number in range(3):
        row = rows[guid("appointment", number)]
        assert (row["statecode"], row["statuscode"]) == (1, 3)


def test_failing_change_set_with_continue_on_error(emulators: RunningEmulators) -> None:
    bad = _closed_appointment(1, subject="x" * 201)  # subject is String(200) (research §7.1)

    async def scenario() -> list:
        async with make_client(emulators) as dv:
            return await dv.execute_batch([_closed_appointment(0), bad, _closed_appointment(2)])

    results = asyncio.run(scenario())
    assert [r.ok for r in results] == [True, False, True]
    failed = results[1]
    assert isinstance(failed.error, TerminalError)
    assert (failed.error.status, failed.error.code) == (400, "0x80044331")
    assert "maximum allowed length" in failed.error.message
    assert str(failed.error) == "TerminalError: HTTP 400 0x80044331"  # no message text in str()
    rows = _appointments(emulators)
    assert guid("appointment", 1) not in rows  # the change set was rolled back whole
    assert {guid("appointment", 0), guid("appointment", 2)} <= set(rows)


def test_without_continue_on_error_processing_stops(emulators: RunningEmulators) -> None:
    bad = _closed_appointment(1, subject="x" * 201)

    async def scenario() -> list:
        async with make_client(emulators) as dv:
            batch = [_closed_appointment(0), bad, _closed_appointment(2)]
            return await dv.execute_batch(batch, continue_on_error=False)

    results = asyncio.run(scenario())
    assert [r.ok for r in results] == [True, False, False]
    assert results[1].error is not None and results[1].error.code == "0x80044331"
    assert isinstance(results[2].error, NotExecutedError) and results[2].responses == []
    assert set(_appointments(emulators)) == {guid("appointment", 0)}


def test_dropped_batch_answer_is_resent(emulators: RunningEmulators) -> None:
    """The emulator applies a batch, then cuts its answer off; the client resends the whole batch."""
    control = emulators.dataverse_control
    open_visits = [[_closed_appointment(n)[0]] for n in range(4)]  # upserts by GUID only

    async def scenario() -> tuple[list, list, dict]:
        async with make_client(emulators) as dv:
            await asyncio.to_thread(control.set_faults, drop_next=1)
            upserts = await dv.execute_batch(open_visits)
            await asyncio.to_thread(control.set_faults, drop_next=1)
            closes = await dv.execute_batch([_closed_appointment(9)])
            return upserts, closes, dv.stats.as_dict()

    upserts, closes, stats = asyncio.run(scenario())
    assert [r.ok for r in upserts] == [True] * 4  # PATCH by GUID: the resent batch changes nothing
    assert stats["connection_errors"] == 2 and stats["requests"] == 4
    rows = _appointments(emulators)
    assert sorted(rows) == sorted(guid("appointment", n) for n in (0, 1, 2, 3, 9))  # each applied once
    # Closing is not idempotent: the first (dropped) answer closed it, the resent change set finds it
    # read-only (research §7.1) — the loader reads such rows back instead of trusting the error.
    assert not closes[0].ok and closes[0].error is not None and closes[0].error.code == "0x80040203"
    assert (rows[guid("appointment", 9)]["statecode"], rows[guid("appointment", 9)]["statuscode"]) == (1, 3)


def test_batch_size_is_checked_before_sending(emulators: RunningEmulators) -> None:
    async def scenario() -> int:
        async with make_client(emulators) as dv:
            with pytest.raises(ValueError, match="1002 operations"):
                await dv.execute_batch([_closed_appointment(n) for n in range(501)])
            return dv.stats.requests

    assert asyncio.run(scenario()) == 0


def test_isolate_failures_finds_the_one_bad_record(emulators: RunningEmulators) -> None:
    rows = contacts(500)
    rows[337] = dict(rows[337], gendercode=99)  # picklist value out of range (research §5.3)

    async def scenario() -> tuple[list, list, int]:
        async with make_client(emulators) as dv:
            written, failed = await isolate_failures(
                lambda chunk: dv.upsert_multiple("contacts", "contact", chunk), rows
            )
            return written, failed, dv.stats.requests

    written, failed, requests = asyncio.run(scenario())
    assert len(written) == 499 and rows[337] not in written
    assert written == [r for i, r in enumerate(rows) if i != 337]  # input order kept
    [(item, error)] = failed
    assert item is rows[337]
    assert (error.status, error.code) == (400, "0x8004431A")
    assert requests <= 2 * math.ceil(math.log2(500)) + 1  # 19: one full try, then two halves per level
    held = {r["contactid"] for r in stored(emulators)}
    assert held == {r["contactid"] for r in written}


def test_isolate_failures_with_several_bad_records_and_nothing_bad() -> None:
    sent: list[list[int]] = []

    async def send(chunk: list[int]) -> None:
        sent.append(chunk)
        if any(n % 10 == 3 for n in chunk):
            raise TerminalError(400, "0x80040203", "bad")

    written, failed = asyncio.run(isolate_failures(send, list(range(40))))
    assert [n for n, _ in failed] == [3, 13, 23, 33]
    assert written == [n for n in range(40) if n % 10 != 3]
    assert max(sent.count(chunk) for chunk in sent) == 1  # no set is ever sent twice
    assert asyncio.run(isolate_failures(send, [])) == ([], [])


def test_wire_format_round_trip() -> None:
    content_type, body = build_batch(
        "https://org.example/api/data/v9.2",
        [[BatchOperation("POST", "contacts", {"lastname": "A"}), BatchOperation("PATCH", "$1", {"firstname": "B"})]],
    )
    text = body.decode()
    assert content_type.startswith("multipart/mixed; boundary=batch_")
    assert "POST https://org.example/api/data/v9.2/contacts HTTP/1.1\r\n" in text
    assert "PATCH $1 HTTP/1.1\r\n" in text and "Content-ID: 2\r\n" in text
    response = (
        "--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n"
        "--c\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\nHTTP/1.1 204 No Content\r\n"
        "OData-EntityId: https://org.example/api/data/v9.2/contacts(1)\r\n\r\n\r\n--c--\r\n"
        "--b\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 412 Precondition Failed\r\n"
        'Content-Type: application/json\r\n\r\n{"error":{"code":"0x80060892","message":"dup"}}\r\n--b--\r\n'
    )
    ok, failed, skipped = parse_batch_response("multipart/mixed; boundary=b", response.encode(), 3)
    assert ok.ok and ok.responses[0].status == 204 and ok.responses[0].content_id == "1"
    assert (
        not failed.ok and failed.error is not None and (failed.error.status, failed.error.code) == (412, "0x80060892")
    )
    assert isinstance(skipped.error, NotExecutedError)
