"""Cliniko API errors: one class per error the emulator answers, with its HTTP status and message."""
# ruff: noqa: N818 - classes carry the situation's own name (research/aesthetics.md Synthesis 7).
# research/sources.md §2.1 documents only "conventional HTTP codes"; bodies are JSON {"message": …}.
# Wordings marked UNCONFIRMED are the emulator's choice (emulators/cliniko/README.md lists them).

from __future__ import annotations

from typing import Any, ClassVar


class ClinikoError(Exception):
    """Base: a status, a message template and extra response headers."""

    status: ClassVar[int] = 400
    template: ClassVar[str] = "{detail}"

    def __init__(self, **params: Any) -> None:
        self.params = params
        self.message = self.template.format(**params)
        self.headers: dict[str, str] = {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"message": self.message}


class Unauthorized(ClinikoError):
    """401: no Basic credentials or an unknown key (Rails' wording, redguava/cliniko-api#164)."""

    status = 401
    template = "HTTP Basic: Access denied."

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.headers["WWW-Authenticate"] = 'Basic realm="Application"'


class UserAgentRequired(ClinikoError):
    """400: no User-Agent header ("Requires a user agent", redguava/cliniko-api#177; status UNCONFIRMED)."""

    status = 400
    template = "Requires a user agent"


class UserAgentWithoutContact(ClinikoError):
    """403: a User-Agent without a name and contact e-mail is "automatically blocked" (§2.1; wording UNCONFIRMED)."""

    status = 403
    template = "User-Agent must identify the application and a contact e-mail: APP_VENDOR_NAME (APP_VENDOR_EMAIL)"


class SettingsForbidden(ClinikoError):
    """403: ``GET /settings`` "is only accessible to users with a role that can view settings"
    (redguava/cliniko-api sections/settings.md; status and wording UNCONFIRMED)."""

    status = 403
    template = "You do not have permission to view the settings"


class NotFound(ClinikoError):
    """404: unknown path, collection, view or record (wording UNCONFIRMED)."""

    status = 404
    template = "The requested resource could not be found: {what}"


class InvalidParameter(ClinikoError):
    """400: page, per_page, sort or order that cannot be used (wording UNCONFIRMED)."""

    status = 400
    template = "Invalid parameter {name}: {reason}"


class InvalidFilter(ClinikoError):
    """400: a q[] filter on a field the resource does not filter on, a bad operator or value (UNCONFIRMED).

    The message names the field and the problem, never the value (it may be personal data).
    """

    status = 400
    template = "Invalid filter on {field}: {reason}"


class TooManyRequests(ClinikoError):
    """429 with X-RateLimit-Reset (UNIX epoch seconds, UTC, §2.2) and Retry-After (§2.2, au-cliniko-mcp)."""

    status = 429
    template = "Too many requests: the limit is {limit} per {window} seconds"

    def __init__(self, *, reset_header: str, retry_after_header: str, **params: Any) -> None:
        super().__init__(**params)
        self.headers["X-RateLimit-Reset"] = reset_header
        self.headers["Retry-After"] = retry_after_header


class ServerError(ClinikoError):
    """5xx injected by the fault options (emulators/cliniko/README.md "Faults"); wording UNCONFIRMED."""

    template = "Something went wrong on our end (injected fault {status})"

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.status = int(params["status"])  # type: ignore[misc]


class ControlError(ClinikoError):
    """400 from a control endpoint (bad body or an action the collection does not have)."""

    status = 400
    template = "{detail}"
