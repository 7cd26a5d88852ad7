"""Who is calling and how: the caller resolved from the token, impersonation and per-request switches."""

from __future__ import annotations

from dataclasses import dataclass, field

# The bypass privileges (models/business_logic.py).
BYPASS_BUSINESS_LOGIC = "prvBypassCustomBusinessLogic"
BYPASS_PLUGINS = "prvBypassCustomPlugins"


@dataclass(frozen=True)
class Caller:
    """The systemuser a request runs as (research/dataverse.md §2.1: impersonation headers)."""

    user_id: str
    business_unit_id: str
    app_id: str | None = None
    impersonator_id: str | None = None


@dataclass(frozen=True)
class Bypass:
    """What one request asked to skip (parsed from its own headers; a $batch's inner requests carry theirs)."""

    sync: bool = False
    custom_async: bool = False
    flows: bool = False
    step_ids: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()  # privileges the request's bypass headers require

    @classmethod
    def from_headers(cls, headers: dict[str, str]) -> Bypass:
        """Headers are lower-cased names; values are compared case-insensitively."""
        values = {v.strip().lower() for v in headers.get("mscrm.bypassbusinesslogicexecution", "").split(",")}
        plugins = headers.get("mscrm.bypasscustompluginexecution", "").strip().lower() == "true"
        steps = frozenset(
            s.strip().strip('"').lower()
            for s in headers.get("mscrm.bypassbusinesslogicexecutionstepids", "").split(",")
            if s.strip().strip('"')
        )
        needs = set()
        if values & {"customsync", "customasync"} or steps:
            needs.add(BYPASS_BUSINESS_LOGIC)
        if plugins:
            needs.add(BYPASS_PLUGINS)
        return cls(
            sync="customsync" in values or plugins,
            custom_async="customasync" in values,
            flows=headers.get("mscrm.suppresscallbackregistrationexpanderjob", "").strip().lower() == "true",
            step_ids=steps,
            needs=frozenset(needs),
        )

    def skips(self, kind: str, step_id: str) -> bool:
        """Whether logic of ``kind`` (sync, async, flow) registered as ``step_id`` is bypassed."""
        if step_id in self.step_ids:
            return True
        return {"sync": self.sync, "async": self.custom_async, "flow": self.flows}[kind]


@dataclass
class WriteContext:
    """Per-request inputs of a write beyond its body."""

    caller: Caller
    api_root: str
    duplicate_detection: bool = False
    content_refs: dict[str, str] = field(default_factory=dict)
    block_upload: bool = False
    bypass: Bypass = field(default_factory=Bypass)
