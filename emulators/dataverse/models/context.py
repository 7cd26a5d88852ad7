"""Who is calling and how: the caller resolved from the token, impersonation and per-request switches."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Caller:
    """The systemuser a request runs as (research/dataverse.md §2.1: impersonation headers)."""

    user_id: str
    business_unit_id: str
    app_id: str | None = None
    impersonator_id: str | None = None


@dataclass
class WriteContext:
    """Per-request inputs of a write beyond its body."""

    caller: Caller
    api_root: str
    duplicate_detection: bool = False
    content_refs: dict[str, str] = field(default_factory=dict)
    block_upload: bool = False
