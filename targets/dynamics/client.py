"""Async Dataverse Web API client: auth, retries, throttling, paging, bulk upserts, $batch and note files."""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from .auth import TokenProvider
from .batch import AdaptiveBatchSize, BatchOperations
from .capabilities import DataverseCapabilities
from .concurrency import AdaptiveLimiter
from .config import DataverseConnection
from .errors import (
    EXECUTION_TIME_CODE,
    AnswerLostError,
    AuthenticationError,
    DataverseError,
    TerminalError,
    ThrottledError,
    TransientError,
    classify,
    connection_error,
    install_httpx_log_redaction,
    loggable_target,
)
from .metadata import MetadataOperations

LOG = logging.getLogger("targets.dynamics")
NAMESPACE = "Microsoft.Dynamics.CRM"
# research/dataverse.md §2.1: headers every Web API request carries.
BASE_HEADERS = {
    "Accept": "application/json",
    "OData-MaxVersion": "4.0",
    "OData-Version": "4.0",
    "If-None-Match": "null",
    "User-Agent": "practice-migration-dataverse/0.1",
}
# anchors.md §4.1: x-ms-dop-hint was 4 in Microsoft's sample environment; used until a response says.
DEFAULT_INITIAL_CONCURRENCY = 4
# research/dataverse.md §4.2: on 429 the service says when to come back, so 429s do not use up
# max_attempts; this only stops a request that is throttled for ever (e.g. entitlement exhausted).
MAX_THROTTLED_RETRIES = 50
# A 401 drops the token and retries once with a new one (research §1.1: app.remove_tokens_for_client()).
MAX_TOKEN_REFRESHES = 1
# research/dataverse.md §9: default and maximum page size.
MAX_PAGE_SIZE = 5000


@dataclass
class ClientStats:
    """Counts only (DESIGN.md §6): requests, statuses, retries, 429s per facet code, records and bytes."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    throttled: Counter[str] = field(default_factory=Counter)
    backoff_seconds: float = 0.0  # waited after 429s (Retry-After or the client's own back-off)
    connection_errors: int = 0
    token_refreshes: int = 0
    records_written: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    per_credential: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (e.g. for Dagster metadata); status codes become string keys."""
        data = {k: dict(v) if isinstance(v, Counter) else v for k, v in vars(self).items()}
        data["statuses"] = {str(k): v for k, v in sorted(self.statuses.items())}
        return data


@dataclass
class _User:
    """One application user: its token provider and its own concurrency limit (limits are per user)."""

    auth: TokenProvider
    limiter: AdaptiveLimiter


class DataverseClient(MetadataOperations, BatchOperations):
    """Talks to one org as one or more application users; use as ``async with DataverseClient(...) as dv``.

    Args:
        connection: Org URL, tenant, credentials, CA.
        capabilities: Limits (defaults from research); ``detect_capabilities`` refines them.
        max_attempts: Attempts per request for 5xx, 408 and connection failures.
        initial_concurrency: Requests in flight per user at start; None takes ``x-ms-dop-hint``.
        min_backoff: First backoff ceiling in seconds (doubles per failure, full jitter).
        max_backoff: Largest backoff ceiling in seconds.
        clock_scale: Multiplies backoff sleeps (0.01 against an emulator at time_scale 0.01); Retry-After
            is honoured as sent.
    """

    def __init__(
        self,
        connection: DataverseConnection,
        capabilities: DataverseCapabilities | None = None,
        *,
        max_attempts: int = 8,
        initial_concurrency: int | None = None,
        min_backoff: float = 0.5,
        max_backoff: float = 60.0,
        clock_scale: float = 1.0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be ≥ 1")
        self.connection = connection
        self.capabilities = capabilities or DataverseCapabilities()
        self.stats = ClientStats()
        self.max_attempts = max_attempts
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.clock_scale = clock_scale
        self._hinted = initial_concurrency is not None
        self._initial = initial_concurrency or DEFAULT_INITIAL_CONCURRENCY
        self._users: list[_User] = []
        self._next_user = 0
        self._http: httpx.AsyncClient | None = None
        self._entities: dict[str, dict[str, Any]] = {}

    # -- lifecycle ----------------------------------------------------------------------------------------

    async def __aenter__(self) -> DataverseClient:
        install_httpx_log_redaction()
        context = self.connection.ssl_context()
        users = len(self.connection.credentials)
        pool = self.capabilities.max_concurrency * users
        # research §4.2: no ARR affinity cookie, so parallel requests spread over the web servers.
        no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        self._http = httpx.AsyncClient(
            verify=context,
            timeout=self.connection.timeout_seconds,
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
            cookies=no_cookies,
        )
        maximum = self.capabilities.max_concurrency
        self._users = [
            _User(TokenProvider(self.connection, credential, context), AdaptiveLimiter(self._initial, maximum))
            for credential in self.connection.credentials
        ]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        for user in self._users:
            user.auth.close()

    @property
    def limiters(self) -> dict[str, AdaptiveLimiter]:
        """The concurrency limiter of each application user, by client id."""
        return {user.auth.client_id: user.limiter for user in self._users}

    # -- the request loop -------------------------------------------------------------------------------

    def _open_http(self) -> httpx.AsyncClient:
        if self._http is None:
            raise RuntimeError("DataverseClient is not open; use `async with DataverseClient(...)`")
        return self._http

    def _url(self, path: str) -> str:
        if path.startswith(("https://", "http://")):
            # A nextLink is absolute; a bearer token must never go to another host.
            if not path.startswith(self.connection.api_root + "/"):
                raise ValueError("absolute URL outside this org's Web API root")
            return path
        return f"{self.connection.api_root}/{path.lstrip('/')}"

    def _pick(self) -> _User:
        """Round-robin over the users, skipping those paused by a Retry-After when another is free."""
        count = len(self._users)
        for offset in range(count):
            user = self._users[(self._next_user + offset) % count]
            if user.limiter.paused_for == 0:
                self._next_user = (self._next_user + offset + 1) % count
                return user
        return min(self._users, key=lambda u: u.limiter.paused_for)

    def _backoff(self, failures: int) -> float:
        # Exponential backoff with full jitter (research §4.2: 2^attempt for transient errors).
        ceiling = min(self.max_backoff, self.min_backoff * 2 ** (failures - 1))
        return random.uniform(0, ceiling) * self.clock_scale

    def _apply_dop_hint(self, response: httpx.Response) -> None:
        hint = response.headers.get("x-ms-dop-hint")
        if self._hinted or not hint or not hint.isdigit():
            return
        self._hinted = True
        for user in self._users:
            user.limiter.set_limit(int(hint))
        LOG.info("x-ms-dop-hint %s: initial concurrency per user set to %d", hint, self._users[0].limiter.limit)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send one Web API request with auth, §2.1 headers, retries and throttling.

        Args:
            method: HTTP method.
            path: Relative to the API root, or an absolute URL below it (a nextLink).
            json: JSON body.
            params: Query options.
            headers: Extra headers (override the defaults).
            content: Raw body (with its own Content-Type header).

        Returns:
            The successful (< 400) response, body read.

        Raises:
            TerminalError: 4xx other than 401/408/429 (never retried).
            AuthenticationError: The credential or every fresh token was refused.
            TransientError: 5xx, 408 or connection failures after ``max_attempts``, or 429s beyond
                ``MAX_THROTTLED_RETRIES`` (a ThrottledError).
        """
        return await self._send(method, path, json=json, params=params, headers=headers, content=content)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        accept: frozenset[int] = frozenset(),
        pinned: _User | None = None,
        sizer: AdaptiveBatchSize | None = None,
        resend_lost: bool = True,
    ) -> httpx.Response:
        self._open_http()
        url = self._url(path)
        # Every write bypasses the org's own logic unless the customer lets it run (business_logic.py).
        extra = {**self.connection.bypass_headers, **(headers or {})} if method != "GET" else dict(headers or {})
        if json is not None:
            content = jsonlib.dumps(json, separators=(",", ":")).encode("utf-8")
            extra.setdefault("Content-Type", "application/json")
        target = loggable_target(url)
        failures = throttles = refreshes = 0
        while True:
            user = pinned or self._pick()
            slot = await user.limiter.acquire()
            token = ""
            outcome: httpx.Response | DataverseError
            try:
                token = await user.auth.token()  # a refused credential raises AuthenticationError here
                outcome = await self._attempt(
                    user, method, url, params, {**extra, "Authorization": f"Bearer {token}"}, content
                )
            except TransientError as exc:  # the token endpoint throttled or was unreachable
                outcome = exc
            finally:
                slot.release()
            if isinstance(outcome, httpx.Response):
                if outcome.status_code < 400 or outcome.status_code in accept:
                    user.limiter.succeeded()
                    if sizer is not None:
                        sizer.answered(outcome.elapsed.total_seconds())
                    self._apply_dop_hint(outcome)
                    return outcome
                outcome = classify(outcome)
            error = outcome
            if isinstance(error, ThrottledError):
                throttles += 1
                self.stats.throttled[error.code or "none"] += 1
                if throttles > MAX_THROTTLED_RETRIES:
                    raise error
                if sizer is not None and error.code == EXECUTION_TIME_CODE:
                    sizer.too_heavy()
                wait = error.retry_after if error.retry_after is not None else self._backoff(throttles)
                self.stats.backoff_seconds += wait
                # Pauses this user (the retry may go to another one). Too many requests or too many at once:
                # fewer in flight. Execution time used up: the window refills at its own pace (§4.1), so
                # wait for it and carry on at the same concurrency.
                user.limiter.throttled(slot, wait, reduce=error.code != EXECUTION_TIME_CODE)
                LOG.debug("429 %s on %s %s: wait %.3fs", error.code, method, target, wait)
            elif isinstance(error, AuthenticationError):  # Dataverse refused the token (401)
                refreshes += 1
                if refreshes > MAX_TOKEN_REFRESHES:
                    raise error
                self.stats.token_refreshes += 1
                await user.auth.invalidate(token)
                LOG.info("401 on %s %s: token dropped, retrying", method, target)
            elif isinstance(error, AnswerLostError) and not resend_lost:
                if sizer is not None:
                    sizer.too_heavy()
                LOG.info("%s on %s %s: answer lost, left to the caller to verify", error, method, target)
                raise error
            elif isinstance(error, TransientError):
                if sizer is not None and isinstance(error, AnswerLostError):
                    sizer.too_heavy()
                failures += 1
                if failures >= self.max_attempts:
                    LOG.warning("%s %s failed after %d attempts: %s", method, target, failures, error)
                    raise error
                delay = self._backoff(failures)
                LOG.debug("%s on %s %s: retry %d in %.3fs", error, method, target, failures, delay)
                await asyncio.sleep(delay)
            else:
                raise error
            self.stats.retries += 1

    async def _attempt(
        self,
        user: _User,
        method: str,
        url: str,
        params: dict[str, str] | None,
        headers: dict[str, str],
        content: bytes | None,
    ) -> httpx.Response | TransientError:
        """One HTTP exchange: the response (any status), or the error of a connection that gave none."""
        self.stats.requests += 1
        self.stats.per_credential[user.auth.client_id] += 1
        self.stats.bytes_sent += len(content or b"")
        try:
            response = await self._open_http().request(
                method, url, params=params, headers={**BASE_HEADERS, **headers}, content=content
            )
        except httpx.TransportError as exc:  # reset, timeout, or a response cut off mid-body
            self.stats.connection_errors += 1
            return connection_error(exc)
        self.stats.statuses[response.status_code] += 1
        self.stats.bytes_received += len(response.content)
        return response

    async def as_each_user(self, method: str, path: str) -> list[tuple[str, httpx.Response]]:
        """The same request sent once as each application user: (client id, response). What one user may do
        (its privileges) says nothing of the others."""
        return [(user.auth.client_id, await self._send(method, path, pinned=user)) for user in self._users]

    # -- reads --------------------------------------------------------------------------------------------

    async def whoami(self) -> dict[str, Any]:
        """``GET WhoAmI`` (research §7.5); its ``x-ms-dop-hint`` sets the initial concurrency (§4.2).

        Returns:
            ``{"BusinessUnitId", "UserId", "OrganizationId"}``.
        """
        return dict((await self.request("GET", "WhoAmI")).json())

    async def get_all(
        self,
        entity_set: str,
        *,
        select: Sequence[str],
        filter: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        expand: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every matching row, following ``@odata.nextLink`` (research §9).

        Args:
            entity_set: E.g. ``contacts``.
            select: Columns to return.
            filter: An OData ``$filter``.
            page_size: ``Prefer: odata.maxpagesize`` (1–5,000).
            expand: An OData ``$expand``.

        Returns:
            The rows of all pages.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1–{MAX_PAGE_SIZE}")
        params = {"$select": ",".join(select)}
        if filter:
            params["$filter"] = filter
        if expand:
            params["$expand"] = expand
        headers = {"Prefer": f"odata.maxpagesize={page_size}"}
        rows: list[dict[str, Any]] = []
        page = (await self.request("GET", entity_set, params=params, headers=headers)).json()
        while True:
            rows.extend(page.get("value") or [])
            next_link = page.get("@odata.nextLink")
            if not next_link:
                return rows
            page = (await self.request("GET", next_link, headers=headers)).json()

    async def get_by_ids(
        self, entity_set: str, pk: str, ids: Sequence[str], select: Sequence[str], chunk: int = 100
    ) -> list[dict[str, Any]]:
        """Rows whose ``pk`` is in ``ids``, read with ``Microsoft.Dynamics.CRM.In`` in concurrent chunks.

        Args:
            entity_set: E.g. ``contacts``.
            pk: The column to match (primary key or any key column).
            ids: Values to look up.
            select: Columns to return (``pk`` is added).
            chunk: Values per request (keeps the URL well under 32 KB, research §2.1).

        Returns:
            The rows found (missing ids are simply absent).
        """
        columns = [pk, *(c for c in select if c != pk)]
        groups = [list(ids[i : i + chunk]) for i in range(0, len(ids), chunk)]

        async def read(values: list[str]) -> list[dict[str, Any]]:
            quoted = ",".join("'" + str(v).replace("'", "''") + "'" for v in values)
            where = f"{NAMESPACE}.In(PropertyName='{pk}',PropertyValues=[{quoted}])"
            return await self.get_all(entity_set, select=columns, filter=where)

        pages = await asyncio.gather(*(read(group) for group in groups))
        return [row for page in pages for row in page]

    # -- writes -------------------------------------------------------------------------------------------

    async def patch(
        self, entity_set: str, key: str, body: dict[str, Any], *, if_match: str | None = None
    ) -> httpx.Response:
        """``PATCH {set}({key})``: an upsert, or update-only with ``if_match="*"`` (research §2.4–2.5)."""
        headers = {"If-Match": if_match} if if_match else None
        response = await self.request("PATCH", f"{entity_set}({key})", json=body, headers=headers)
        self.stats.records_written += 1
        return response

    async def delete(self, entity_set: str, key: str) -> bool:
        """``DELETE {set}({key})``.

        Returns:
            True when deleted, False when the row was already absent (404, research §2.4).
        """
        try:
            await self.request("DELETE", f"{entity_set}({key})")
        except TerminalError as exc:
            if exc.status == 404:
                return False
            raise
        self.stats.records_written += 1
        return True
