"""What the REST API sources' clients (Core Plus, PracSuite) share: TLS verification with an optional private
CA, pacing under the service's rate limit, exponential back-off with one give-up rule, and JSON-object
answers. Each client keeps its own authentication, error classes and which answers it retries."""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable
from typing import Any, Protocol

import httpx


def tls_verify(ca_file: str | None) -> ssl.SSLContext | bool:
    """TLS verification, always on: the system's trust store, or a private CA's file (the emulator's)."""
    return ssl.create_default_context(cafile=ca_file) if ca_file else True


class PacingSettings(Protocol):
    """The settings of an API source's client that pacing, retries and TLS read."""

    @property
    def requests_per_second(self) -> float: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def backoff_seconds(self) -> float: ...
    @property
    def ca_file(self) -> str | None: ...


class PacedApiClient:
    """An httpx client paced to the settings' `requests_per_second`, retrying up to `max_attempts` with
    back-off doubling from `backoff_seconds`; counts requests, retries, 429 answers and seconds waited before
    retrying. `error` is the subclass's exception for an API that cannot be read; `service` names it in the log."""

    service = "API"
    error: type[Exception] = RuntimeError

    def __init__(
        self, settings: PacingSettings, *, sleep: Callable[[float], None] = time.sleep, **client_options: Any
    ) -> None:
        self._client = httpx.Client(verify=tls_verify(settings.ca_file), timeout=60, **client_options)
        self._requests_per_second = settings.requests_per_second
        self._max_attempts = settings.max_attempts
        self._first_backoff = settings.backoff_seconds
        self._sleep = sleep
        self._last = 0.0
        self.requests = 0
        self.retries = 0
        self.throttled = 0  # answers 429
        self.backoff_seconds = 0.0  # waited before retrying a 429, a 5xx or a dropped connection

    def __enter__(self) -> PacedApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    @property
    def attempts(self) -> range:
        """The attempt numbers of one request, from 1."""
        return range(1, self._max_attempts + 1)

    def _pace(self) -> None:
        gap = 1.0 / self._requests_per_second - (time.monotonic() - self._last)
        if gap > 0:
            self._sleep(gap)
        self._last = time.monotonic()

    def _backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt`: doubling from the first back-off."""
        return self._first_backoff * 2 ** (attempt - 1)

    def _retry_or_give_up(self, attempt: int, shown: str, failure: str, wait: float) -> None:
        """After failed attempt `attempt` of `shown` (method and path, no query): wait `wait` seconds before the
        next, or raise the client's error when it was the last."""
        if attempt >= self._max_attempts:
            raise self.error(f"{shown}: gave up after {attempt} attempts (last: {failure})")
        self.retries += 1
        # Logged under the subclass's module (sources.coreplus.api…), where a reader of the log looks.
        logger = logging.getLogger(type(self).__module__)
        logger.info("%s %s: %s, retrying in %.1f s", self.service, shown, failure, wait)
        self.backoff_seconds += wait
        self._sleep(wait)

    def _no_attempt(self, shown: str) -> Exception:
        return self.error(f"{shown}: no attempt made")  # max_attempts < 1

    def _json_object(self, response: httpx.Response, shown: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise self.error(f"{shown}: the answer is not JSON") from None
        if not isinstance(body, dict):
            raise self.error(f"{shown}: expected a JSON object")
        return body
