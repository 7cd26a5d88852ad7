"""PracSuite API errors: one class per error the emulator answers, with its HTTP status and code.

research/sources-round2.md §2.5 (listreferrers-get.md): an error body is
`{"error": {"status", "code", "detail"}, "request_id"}`. The codes and details below are ASSUMED (the
docs show the shape, not the values); the statuses are the standard ones the overview promises.
"""
# ruff: noqa: N818 - classes carry the situation's own name (research/aesthetics.md Synthesis 7).

from __future__ import annotations

import uuid
from typing import Any, ClassVar


class PracsuiteError(Exception):
    """Base: a status, a code and a detail template."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    template: ClassVar[str] = "{detail}"

    def __init__(self, **params: Any) -> None:
        self.params = params
        self.detail = self.template.format(**params)
        self.headers: dict[str, str] = {}
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        return {
            "error": {"status": self.status, "code": self.code, "detail": self.detail},
            "request_id": str(uuid.uuid4()),
        }


class MissingApiKey(PracsuiteError):
    """401: a request without one of the two headers ("A request missing either header will be rejected")."""

    status = 401
    code = "missing_api_key"
    template = "The {header} header is required"


class InvalidVendorKey(PracsuiteError):
    """401: an x-api-key Smartsoft did not issue (or rotated)."""

    status = 401
    code = "invalid_api_key"
    template = "The x-api-key is not valid"


class InvalidAccountKey(PracsuiteError):
    """401: an A-api-key the clinic never created or has revoked ("can be created or revoked by the clinic
    at any time"). 401 rather than 403: the key does not identify an account at all (ASSUMED)."""

    status = 401
    code = "invalid_account_key"
    template = "The A-api-key is not valid or has been revoked"


class NotFound(PracsuiteError):
    status = 404
    code = "not_found"
    template = "Not found: {what}"


class InvalidParameter(PracsuiteError):
    """400: page, page_size or a q[] filter that cannot be used (page_size [1 .. 100] is documented)."""

    status = 400
    code = "invalid_parameter"
    template = "Invalid parameter {name}: {reason}"


class TooManyRequests(PracsuiteError):
    """429 beyond the (ASSUMED) rate limit, with Retry-After in seconds."""

    status = 429
    code = "too_many_requests"
    template = "Too many requests"

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.headers["Retry-After"] = "1"


class ServerError(PracsuiteError):
    """5xx injected by the fault options (README "Faults")."""

    code = "server_error"
    template = "An unexpected error occurred (injected fault {status})"

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.status = int(params["status"])  # type: ignore[misc]


class ControlError(PracsuiteError):
    status = 400
    code = "control_error"
