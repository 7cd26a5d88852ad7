"""Errors, redaction and configuration: refused credentials, safe str(), classification, logs without values."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import httpx
import pytest
from dv_helpers import connection, contacts, make_client

from emulators.launcher import AppUser, RunningEmulators
from targets.dynamics import (
    AdaptiveLimiter,
    AppCredential,
    AuthenticationError,
    DataverseClient,
    DataverseConnection,
    TerminalError,
    ThrottledError,
    TransientError,
    classify,
)
from targets.dynamics.errors import loggable_target, redact_headers, redact_url


def test_wrong_secret_is_an_authentication_error(emulators: RunningEmulators) -> None:
    wrong = "not-the-secret-" + "x" * 12
    conn = connection(emulators, secret=wrong)

    async def scenario() -> tuple[AuthenticationError, int]:
        async with DataverseClient(conn) as dv:
            with pytest.raises(AuthenticationError) as refused:
                await dv.whoami()
            return refused.value, dv.stats.requests

    error, requests = asyncio.run(scenario())
    assert (error.status, error.code) == (401, "invalid_client")
    assert "AADSTS7000215" in error.message  # the caller may put this in a report …
    assert str(error) == "AuthenticationError: HTTP 401 invalid_client"  # … a log line gets only this
    assert wrong not in repr(error) and wrong not in repr(conn) and "AADSTS" not in str(error)
    assert requests == 0  # nothing reached Dataverse without a token


def test_app_unknown_to_dataverse_is_terminal(emulators: RunningEmulators) -> None:
    app = emulators.entra_control.register_app(name="entra-only")
    conn = replace(connection(emulators), credentials=(AppCredential(app["client_id"], app["client_secret"]),))

    async def scenario() -> TerminalError:
        async with DataverseClient(conn) as dv:
            with pytest.raises(TerminalError) as refused:
                await dv.whoami()
            assert dv.stats.requests == 1  # 403 is never retried
            return refused.value

    error = asyncio.run(scenario())
    assert (error.status, error.code) == (403, "0x80072560")


def test_transient_errors_give_up_after_max_attempts(emulators: RunningEmulators) -> None:
    emulators.dataverse_control.set_faults(fail_next=10)

    async def scenario() -> tuple[TransientError, int]:
        async with make_client(emulators, max_attempts=3) as dv:
            with pytest.raises(TransientError) as failed:
                await dv.whoami()
            return failed.value, dv.stats.requests

    error, requests = asyncio.run(scenario())
    assert (error.status, error.code, requests) == (503, "0x80040216", 3)


def test_logs_carry_no_values_keys_or_tokens(emulators: RunningEmulators, caplog: pytest.LogCaptureFixture) -> None:
    emulators.dataverse_control.set_faults(fail_next=2)
    rows = contacts(3)
    rows[0]["emailaddress1"] = "ann.private@example.org"

    async def scenario() -> None:
        async with make_client(emulators) as dv:
            await dv.upsert_multiple("contacts", "contact", rows)
            await dv.get_all("contacts", select=["contactid"], filter="emailaddress1 eq 'ann.private@example.org'")

    with caplog.at_level(logging.DEBUG):
        asyncio.run(scenario())
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request: POST https://127.0.0.1" in text  # httpx's own lines are still there …
    assert "ann.private" not in text and "emailaddress1" not in text  # … without the filter
    assert "eyJ" not in text and emulators.endpoints.client_secret not in text  # no JWT, no secret (msal masks)
    assert "retry 1" in text and "contacts" in text


def test_absolute_urls_must_stay_on_the_org(emulators: RunningEmulators) -> None:
    async def scenario() -> None:
        async with make_client(emulators) as dv:
            with pytest.raises(ValueError, match="outside"):
                await dv.request("GET", "https://elsewhere.example/api/data/v9.2/contacts")

    asyncio.run(scenario())


def _response(status: int, body: object = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def test_classify() -> None:
    throttled = classify(
        _response(
            429,
            {"error": {"code": "0x80072326", "message": "Number of concurrent requests…"}},
            **{"Retry-After": "1.5"},
        )
    )
    assert isinstance(throttled, ThrottledError)
    assert (throttled.retry_after, throttled.facet, throttled.code) == (1.5, "concurrency", "0x80072326")
    assert type(classify(_response(503, {"error": {"code": "0x80040216", "message": "x"}}))) is TransientError
    assert type(classify(_response(408))) is TransientError
    duplicate_rule = classify(_response(500, {"error": {"code": "0x80040333", "message": "dup"}}))
    assert type(duplicate_rule) is TerminalError  # research §8: a 500 that resending cannot fix
    for status in (400, 403, 404, 412, 413):
        assert type(classify(_response(status, {"error": {"code": "0x1", "message": "m"}}))) is TerminalError
    expired = classify(_response(401, None, **{"WWW-Authenticate": 'Bearer error="invalid_token"'}))
    assert isinstance(expired, AuthenticationError) and expired.code == "invalid_token"
    garbled = classify(httpx.Response(502, content=b"<html>bad gateway</html>"))
    assert (type(garbled), garbled.code, garbled.message) == (TransientError, None, "")


def test_redaction() -> None:
    url = "https://login.example/t/oauth2/token?client_secret=s3cret&scope=x&access_token=abc"
    assert "s3cret" not in redact_url(url) and "abc" not in redact_url(url) and "scope=x" in redact_url(url)
    assert redact_headers({"Authorization": "Bearer t", "Accept": "a"}) == {"Authorization": "***", "Accept": "a"}
    assert loggable_target("https://org.example/api/data/v9.2/contacts(emailaddress1='a@b.c')?$select=x") == "contacts"
    assert loggable_target("contacts/Microsoft.Dynamics.CRM.UpsertMultiple") == "contacts"
    assert loggable_target("https://org.example/api/data/v9.2/$batch") == "$batch"


def test_configuration_is_validated() -> None:
    credential = AppCredential("app", "s3cret-value")
    assert "s3cret-value" not in repr(credential)
    with pytest.raises(ValueError, match="https"):
        DataverseConnection("http://org.example", "tenant", (credential,))
    with pytest.raises(ValueError, match="at least one"):
        DataverseConnection("https://org.example", "tenant", ())
    conn = DataverseConnection("https://org.crm6.dynamics.com/", "tenant", (credential,))
    assert conn.api_root == "https://org.crm6.dynamics.com/api/data/v9.2"
    assert conn.scope == "https://org.crm6.dynamics.com/.default"
    assert conn.authority == "https://login.microsoftonline.com/tenant"


def test_adaptive_limiter() -> None:
    async def scenario() -> None:
        limiter = AdaptiveLimiter(4, 6, increase_after=3)
        slots = [await limiter.acquire() for _ in range(4)]
        assert limiter.in_flight == 4
        waiter = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.01)
        assert not waiter.done()  # the fifth waits for a slot
        for slot in slots:  # one burst of 429s halves once, not four times
            limiter.throttled(slot)
        assert limiter.limit == 2
        for slot in slots:
            slot.release()
        fifth = await waiter
        fifth.release()
        for _ in range(7):
            limiter.succeeded()
        assert limiter.limit == 4  # +1 per 3 successes in a row
        limiter.throttled(None, retry_after=0.1)
        assert limiter.limit == 2 and limiter.paused_for > 0
        started = asyncio.get_running_loop().time()
        async with limiter:
            assert asyncio.get_running_loop().time() - started >= 0.09  # held until Retry-After passed
        assert limiter.in_flight == 0
        limiter.set_limit(100)
        assert limiter.limit == 6  # never above the maximum
        # Execution time used up: pause for Retry-After, keep the concurrency (the window refills by itself).
        limiter.throttled(None, retry_after=0.05, reduce=False)
        assert limiter.limit == 6 and limiter.paused_for > 0

    asyncio.run(scenario())


def test_extra_users_need_their_own_secret(emulators: RunningEmulators) -> None:
    extra = AppUser("someone", "", None)
    with pytest.raises(ValueError, match="client_secret is empty"):
        connection(emulators, extra)
