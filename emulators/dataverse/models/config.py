"""Dataverse emulator options: limits, cost model, faults and switches for unconfirmed behaviour."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import constants as c
from .profiles import expand

# research/dataverse.md §12: behaviours that are not confirmed are switchable; first value = default.
CHOICES = {
    "activity_statecode_on_create": ("ignore", "reject"),
    "inactive_key_error": ("invalid_key", "not_active"),
    "top_with_maxpagesize": ("ignore_top", "ignore_maxpagesize"),
}


@dataclass
class Limits:
    """Service-protection limits per user (research/dataverse.md §4.1; defaults equal Dataverse's)."""

    requests: int = c.REQUESTS_PER_WINDOW
    execution_seconds: float = c.EXECUTION_SECONDS_PER_WINDOW
    concurrency: int = c.CONCURRENT_REQUESTS
    window_seconds: float = c.WINDOW_SECONDS
    concurrency_retry_after_seconds: float = c.CONCURRENCY_RETRY_AFTER_SECONDS


@dataclass
class CostModel:
    """Simulated service time per request: base + per record written + per row read (anchors.md §4.2)."""

    enabled: bool = True
    base_latency_ms: float = c.BASE_LATENCY_MS
    per_record_ms: float = c.PER_RECORD_MS
    per_row_read_ms: float = c.PER_ROW_READ_MS

    def seconds(self, records_written: int, rows_read: int) -> float:
        """Nominal service time of one request (0 when the model is off)."""
        if not self.enabled:
            return 0.0
        ms = self.base_latency_ms + self.per_record_ms * records_written + self.per_row_read_ms * rows_read
        return ms / 1000.0


@dataclass
class Faults:
    """Injected failures; rates are probabilities per request, ``*_next`` counts are deterministic."""

    seed: int | None = None
    error_rate: float = 0.0
    error_status: int = 503
    fail_next: int = 0
    drop_rate: float = 0.0
    drop_next: int = 0
    slow_rate: float = 0.0
    slow_seconds: float = 5.0
    slow_next: int = 0
    storm_seconds: float = 0.0
    storm_facet: str = "requests"
    storm_retry_after_seconds: float = c.STORM_RETRY_AFTER_SECONDS
    # Once this many records have been written, the org stops answering: the request that reached the
    # count is applied but its response is held, and every later request waits before it is processed,
    # until the faults are changed or cleared — a deterministic point to kill a client mid-load.
    pause_after_writes: int = 0


@dataclass
class KeyActivation:
    """How alternate-key indexes progress Pending → InProgress → Active (research/dataverse.md §6.2)."""

    mode: str = "time"
    step_seconds: float = c.KEY_INDEX_STEP_SECONDS


@dataclass
class DataverseOptions:
    """Everything configurable; ``from_mapping`` accepts the same names as nested dicts."""

    org_name: str = "emulated"
    tenant_id: str = "00000000-0000-0000-0000-000000000000"
    entra_url: str | None = None
    trusted_keys: list[str] = field(default_factory=list)
    base_currency: str = "NZD"
    maxuploadfilesize: int = c.MAX_UPLOAD_FILE_SIZE
    dop_hint: int = c.DOP_HINT
    limits: Limits = field(default_factory=Limits)
    cost_model: CostModel = field(default_factory=CostModel)
    faults: Faults = field(default_factory=Faults)
    key_activation: KeyActivation = field(default_factory=KeyActivation)
    # research/dataverse.md §12 switches (the default is the behaviour the research considers likeliest).
    reject_disabled_owner: bool = True
    # Security roles with depths, owner teams and licences (models/privileges.py); off: every user holds every
    # privilege at Global depth until one is revoked. The real-org profile switches it on.
    security_roles: bool = False
    activity_statecode_on_create: str = "ignore"
    inactive_key_error: str = "invalid_key"
    top_with_maxpagesize: str = "ignore_top"
    bind_miss_status: int = 404
    enforce_application_required: bool = False
    multiple_supported: dict[str, bool] = field(default_factory=dict)
    duplicate_rules: dict[str, list[str]] = field(
        default_factory=lambda: {"contact": ["emailaddress1"], "account": ["name"]}
    )
    users: list[dict[str, Any]] = field(default_factory=list)
    # Plug-in steps and flows registered when the org starts and after every reset (same fields as
    # POST /_emulator/business-logic).
    business_logic: list[dict[str, Any]] = field(default_factory=list)
    app_users: list[dict[str, Any]] = field(default_factory=list)
    auto_provision_app_users: bool = False

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> DataverseOptions:
        """Build options from plain values (CLI, launcher, control endpoint).

        Raises:
            ValueError: For an unknown option (the message lists the valid ones) or a bad choice.
        """
        options = cls()
        options.update(expand(dict(values or {})))
        return options

    def update(self, values: Mapping[str, Any]) -> None:
        """Apply plain values onto these options (nested dicts for limits, cost_model, faults…)."""
        nested = {
            "limits": Limits,
            "cost_model": CostModel,
            "faults": Faults,
            "key_activation": KeyActivation,
        }
        valid = {f.name for f in dataclasses.fields(self)}
        for name, value in values.items():
            if name not in valid:
                raise ValueError(f"unknown Dataverse emulator option {name!r}; valid: {', '.join(sorted(valid))}")
            if name in nested and isinstance(value, bool) and name == "cost_model":
                self.cost_model.enabled = value
            elif name in nested:
                setattr(self, name, _merge(getattr(self, name), value, nested[name]))
            else:
                if name in CHOICES and value not in CHOICES[name]:
                    raise ValueError(f"{name} must be one of {', '.join(CHOICES[name])}, got {value!r}")
                setattr(self, name, value)


def _merge(current: Any, value: Any, kind: type) -> Any:
    if isinstance(value, kind):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(f"{kind.__name__} options must be a mapping, got {value!r}")
    valid = {f.name for f in dataclasses.fields(kind)}
    unknown = set(value) - valid
    if unknown:
        raise ValueError(f"unknown {kind.__name__} option(s) {sorted(unknown)}; valid: {', '.join(sorted(valid))}")
    return dataclasses.replace(current, **value)
