"""Core Plus API errors: one class per error the emulator answers, with its HTTP status and message."""
# ruff: noqa: N818 - classes carry the situation's own name (research/aesthetics.md Synthesis 7).
# The FAQ (research/sources-round2.md §2.3) names the messages "Invalid token" and "Too Many Requests";
# the body shape is not documented: the emulator answers in the list envelope's `statusMessages`.

from __future__ import annotations

from typing import Any, ClassVar


class CoreplusError(Exception):
    """Base: a status, a message template and the emulator-only reason header."""

    status: ClassVar[int] = 400
    template: ClassVar[str] = "{detail}"

    def __init__(self, **params: Any) -> None:
        self.params = params
        self.message = self.template.format(**params)
        self.headers: dict[str, str] = {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"statusMessages": [{"type": "Error", "message": self.message}]}


class InvalidToken(CoreplusError):
    """401 "Invalid token" for every token problem (FAQ): expired, not yet valid, wrong secret, a missing
    space after `JwToken`, a missing claim, a claim for another request. The status is not documented
    (401 modelled). The real service does not say which; the emulator adds `X-Emulator-Reason` so a test
    can tell the cases apart (a client must not rely on it)."""

    status = 401
    template = "Invalid token"

    def __init__(self, *, reason: str) -> None:
        super().__init__()
        self.headers["X-Emulator-Reason"] = reason


class NotFound(CoreplusError):
    """404: unknown endpoint or record (wording UNCONFIRMED)."""

    status = 404
    template = "Not found: {what}"


class InvalidParameter(CoreplusError):
    """400: a paging or date parameter that cannot be used (wording UNCONFIRMED)."""

    status = 400
    template = "Invalid parameter {name}: {reason}"


class TooManyRequests(CoreplusError):
    """429 beyond 10 requests per second (FAQ); no Retry-After is documented, none is sent."""

    status = 429
    template = "Too Many Requests"


class ServerError(CoreplusError):
    """5xx injected by the fault options (README "Faults"); wording UNCONFIRMED."""

    template = "An unexpected error occurred (injected fault {status})"

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.status = int(params["status"])  # type: ignore[misc]


class ControlError(CoreplusError):
    """400 from a control endpoint."""

    status = 400
    template = "{detail}"
