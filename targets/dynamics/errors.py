"""Dataverse errors (terminal vs transient), their classification, and redaction of what may be logged."""

from __future__ import annotations

import email.utils
import json
import logging
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

# research/dataverse.md §4.1: the three service-protection facets and their Web API codes.
THROTTLE_CODES = {
    "0x80072322": "requests",
    "0x80072321": "execution_time",
    "0x80072326": "concurrency",
}
EXECUTION_TIME_CODE = "0x80072321"
# research/dataverse.md §8: a duplicate-detection hit is documented as a 500, but resending cannot succeed.
TERMINAL_5XX_CODES = frozenset({"0x80040333"})
# research/dataverse.md §5.2: 501 (not implemented) and 505 answer the same way however often they are sent.
TERMINAL_5XX_STATUSES = frozenset({501, 505})
# research/aesthetics.md §2 (dlt's redaction.py): query parameters whose values never reach a log.
SENSITIVE_PARAMS = frozenset(
    {"client_secret", "access_token", "refresh_token", "id_token", "code", "assertion", "client_assertion", "sig"}
)
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
REDACTED = "***"


class DataverseError(Exception):
    """An error answered by Dataverse (or its token endpoint), or raised by the client on its behalf.

    ``message`` is the service's own text and may quote record values, so the caller decides where it goes
    (a per-customer reject report, never a log). ``str(error)`` holds only the status and the code.

    Attributes:
        status: HTTP status (0 when no response arrived).
        code: Dataverse hex code (``0x8004431A``) or OAuth ``error``; None when the service gave none.
        message: The service's message (may contain personal values).
        request_id: ``REQ_ID`` of the failed request when the service sent one (for support tickets).
    """

    def __init__(self, status: int, code: str | None = None, message: str = "", *, request_id: str | None = None):
        self.status = status
        self.code = code or None
        self.message = message
        self.request_id = request_id
        super().__init__(status, self.code)

    def __str__(self) -> str:
        return f"{type(self).__name__}: HTTP {self.status}" + (f" {self.code}" if self.code else "")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r})"


class TerminalError(DataverseError):
    """The record or request is wrong (400, 403, 404, 412, 413 …): never retried, goes to rejects."""


class TransientError(DataverseError):
    """The service or the connection failed (5xx, 408, dropped connection): retried with backoff."""


class ThrottledError(TransientError):
    """429 from service protection: retried after ``retry_after`` seconds (research/dataverse.md §4.2).

    Attributes:
        retry_after: Seconds the service asked to wait (None when it sent no Retry-After).
        facet: ``requests``, ``execution_time`` or ``concurrency`` for the §4.1 codes, else None.
    """

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str = "",
        *,
        retry_after: float | None = None,
        request_id: str | None = None,
    ):
        super().__init__(status, code, message, request_id=request_id)
        self.retry_after = retry_after
        self.facet = THROTTLE_CODES.get((code or "").lower())


class AuthenticationError(TerminalError):
    """The token endpoint refused the credential (``invalid_client`` …) or Dataverse refused every token."""


class FileTooLargeError(TerminalError):
    """A document's base64 length exceeds ``maxuploadfilesize`` (research/dataverse.md §5.4); nothing was sent."""


class AnswerLostError(TransientError):
    """The request reached the service but its answer did not reach us (read timeout, connection cut mid-body).

    The service may have applied it, or may still be applying it; a write is verified against the org before it
    is sent again (loader.py), never resent blind.
    """


class NotExecutedError(TransientError):
    """A $batch change set that never ran because processing stopped at an earlier failure (§3.1)."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: seconds (decimals allowed) or an HTTP date.

    Args:
        value: The header value, or None.

    Returns:
        The wait in seconds (≥ 0), or None when absent or unreadable.
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_envelope(body: Any) -> tuple[str | None, str]:
    """(code, message) of a research §5.1 envelope ``{"error": {"code", "message", "innererror"?}}``."""
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body) if body else None
        except ValueError:
            return None, ""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, ""
    code = error.get("code")
    message = str(error.get("message") or "")
    inner = error.get("innererror")
    if not message and isinstance(inner, dict):
        message = str(inner.get("message") or "")
    return (str(code) if code else None), message


def classify_parts(status: int, headers: Mapping[str, str], body: Any) -> DataverseError:
    """The error for one answer given as parts (used for whole responses and for $batch parts).

    Args:
        status: HTTP status.
        headers: Response headers (any capitalisation).
        body: The JSON body as bytes, text or an already parsed value.

    Returns:
        ThrottledError for 429, TransientError for 408/5xx (except §8's duplicate-detection 500),
        AuthenticationError for 401 and TerminalError for every other status.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    code, message = error_envelope(body)
    request_id = lowered.get("req_id") or lowered.get("x-ms-service-request-id")
    if status == 429:
        retry_after = parse_retry_after(lowered.get("retry-after"))
        return ThrottledError(status, code, message, retry_after=retry_after, request_id=request_id)
    if status == 401:
        challenge = lowered.get("www-authenticate", "")
        found = re.search(r'error="([^"]+)"', challenge)
        return AuthenticationError(status, code or (found.group(1) if found else None), message, request_id=request_id)
    transient = status == 408 or (status >= 500 and status not in TERMINAL_5XX_STATUSES)
    if transient and (code or "").lower() not in TERMINAL_5XX_CODES:
        return TransientError(status, code, message, request_id=request_id)
    return TerminalError(status, code, message, request_id=request_id)


def classify(response: httpx.Response) -> DataverseError:
    """The DataverseError for a failed ``httpx.Response`` (research/dataverse.md §5.1 envelope).

    Args:
        response: A response with status ≥ 400 whose body has been read.

    Returns:
        The classified error (see ``classify_parts``).
    """
    return classify_parts(response.status_code, response.headers, response.content)


def connection_error(exc: Exception) -> TransientError:
    """A TransientError for a request that got no (complete) answer: reset, timeout, dropped mid-body.

    Once the request was written, a read timeout or a connection cut while reading leaves its effect unknown
    (``AnswerLostError``); a failure to connect or to send means the service never had the whole request.
    """
    if isinstance(exc, httpx.ReadTimeout | httpx.ReadError | httpx.RemoteProtocolError):
        return AnswerLostError(0, None, type(exc).__name__)
    return TransientError(0, None, type(exc).__name__)


# -- redaction ---------------------------------------------------------------------------------------------


def redact_url(url: str) -> str:
    """The URL with secret query values replaced by ``***`` (dlt's ``sanitize_url``).

    Args:
        url: Any URL.

    Returns:
        The same URL, sensitive parameters masked.
    """
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [(k, REDACTED if k.lower() in SENSITIVE_PARAMS else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="*$@,'()")))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to log: Authorization and cookie values masked."""
    return {k: (REDACTED if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}


def loggable_target(url: str) -> str:
    """What a log line may say about a request URL: the first path segment below the API root.

    Keys (``contacts(emailaddress1='…')``), query options (``$filter`` values) and secrets are dropped,
    because alternate keys and filters can quote personal values (DESIGN.md §6).

    Args:
        url: Absolute or API-relative URL.

    Returns:
        E.g. ``contacts``, ``$batch``, ``EntityDefinitions``, ``WhoAmI``.
    """
    path = urlsplit(url).path
    if "/api/data/" in path:
        path = path.split("/api/data/", 1)[1].partition("/")[2]  # drop "v9.2/"
    first = path.lstrip("/").split("/", 1)[0]
    return first.split("(", 1)[0] or "/"


class _HttpxRedaction(logging.Filter):
    """Shortens httpx's ``HTTP Request`` lines: Web API URLs to their entity set, others without secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 2 and isinstance(args[1], (str, httpx.URL)):
            url = str(args[1])
            parts = urlsplit(url)
            if "/api/data/" in parts.path:
                url = f"{parts.scheme}://{parts.netloc}/…/{loggable_target(url)}"
            record.args = (args[0], redact_url(url), *args[2:])
        return True


_HTTPX_FILTER = _HttpxRedaction()


def install_httpx_log_redaction() -> None:
    """Attach (once) a filter to the ``httpx`` logger so its request lines never carry keys or filters."""
    logger = logging.getLogger("httpx")
    if _HTTPX_FILTER not in logger.filters:
        logger.addFilter(_HTTPX_FILTER)
