"""Faults a test injects into an API emulator (Core Plus, PracSuite): the next `fail_next` requests, to request
targets starting with one of `paths` if any are given, answer `error_status` — 429 or a 5xx — and the
control endpoint that reads, merges and clears those settings. Each emulator raises its own error class
for the status (moto's split: the rule here, the real error's body there)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request

BASE_FAULTS: dict[str, Any] = {"fail_next": 0, "error_status": 503, "paths": []}


def check_faults(values: Mapping[str, Any], *, service: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Validated fault settings of `service`: the base ones and its `extra` options (name → default).
    Raises ValueError naming an unknown option or an error status that is neither 429 nor a 5xx."""
    defaults = {**BASE_FAULTS, "paths": [], **(extra or {})}
    unknown = set(values) - set(defaults)
    if unknown:
        raise ValueError(f"unknown {service} fault(s) {sorted(unknown)}; valid: {', '.join(defaults)}")
    faults = {**defaults, **values}
    status = int(faults["error_status"])
    if status != 429 and not 500 <= status <= 599:
        raise ValueError("error_status must be 429 or a 5xx status")
    return faults


def take_fault(faults: dict[str, Any], target: str, *, ignore_case: bool = False) -> int | None:
    """The status the request to `target` answers if a fault is due for it (one fewer is then due), else None.
    `ignore_case` matches `paths` whatever their case (for a service whose paths are case-insensitive)."""
    if faults["fail_next"] <= 0:
        return None
    fold: Callable[[str], str] = str.lower if ignore_case else str
    if faults["paths"] and not any(fold(target).startswith(fold(p)) for p in faults["paths"]):
        return None
    faults["fail_next"] -= 1
    return int(faults["error_status"])


async def fault_settings_request(request: Request, set_faults: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """The control endpoint: DELETE clears the faults, GET shows them, a POST body merges into them (or
    replaces them with `"replace": true`). Returns the settings now in force; bad settings raise ValueError,
    TypeError or AttributeError (a body that is not an object)."""
    if request.method == "DELETE":
        return set_faults({}, replace=True)
    if request.method == "GET":
        return set_faults({})
    body = await request.json()
    replace = bool(body.pop("replace", False))
    return set_faults(body, replace=replace)
