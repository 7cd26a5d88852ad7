"""Named option sets: ``profile: real_org`` makes the emulator behave like a production Dynamics 365 Sales org
rather than a bare sandbox (issue 24 item 8; README "The real-org profile" says where each number comes from).

Explicit options given beside a profile override it (``{"profile": "real_org", "dop_hint": 5}``).
"""

from __future__ import annotations

from typing import Any

from .. import constants as c

# Custom logic a Sales org of a practice typically carries (the migration's bypass headers skip it): the times are
# assumptions inside Microsoft's guidance that a synchronous step over 2 s "seriously degrades performance"
# (optimize-performance-create-update.md, anchors.md §4.1); the effects are what a migration must never cause.
REAL_ORG_LOGIC: list[dict[str, Any]] = [
    {"table": "contact", "message": "Create", "kind": "sync", "milliseconds": 20, "effect": "contact enriched"},
    {"table": "contact", "message": "Update", "kind": "sync", "milliseconds": 15, "effect": "contact enriched"},
    {
        "table": "contact",
        "message": "Create",
        "kind": "flow",
        "milliseconds": 1500,
        "effect": "welcome email sent to the contact",
    },
    {
        "table": "appointment",
        "message": "Create",
        "kind": "sync",
        "milliseconds": 25,
        "effect": "appointment synchronised to the organiser's mailbox",
    },
    {
        "table": "appointment",
        "message": "Create",
        "kind": "flow",
        "milliseconds": 2000,
        "effect": "appointment confirmation emailed to the contact",
    },
    {"table": "appointment", "message": "Update", "kind": "sync", "milliseconds": 15, "effect": "reminder rescheduled"},
    {"table": "annotation", "message": "Create", "kind": "sync", "milliseconds": 10, "effect": "note indexed"},
    {"table": "annotation", "message": "Create", "kind": "async", "milliseconds": 500, "effect": "document scanned"},
]

PROFILES: dict[str, dict[str, Any]] = {
    "real_org": {
        # Service protection per user per web server (api-limits.md; research/dataverse.md §4.1): the defaults,
        # spelled out so the profile documents them.
        "limits": {
            "requests": c.REQUESTS_PER_WINDOW,
            "execution_seconds": c.EXECUTION_SECONDS_PER_WINDOW,
            "concurrency": c.CONCURRENT_REQUESTS,
            "window_seconds": c.WINDOW_SECONDS,
        },
        # A Sales org's own (not bypassable) platform steps on top of the bare-sandbox measurement (anchors.md
        # §4.2): README "The real-org profile" shows how the per-record figure was chosen.
        "cost_model": {
            "enabled": True,
            "base_latency_ms": c.BASE_LATENCY_MS,
            "per_record_ms": c.SALES_ORG_PER_RECORD_MS,
            "per_row_read_ms": c.PER_ROW_READ_MS,
        },
        "business_logic": REAL_ORG_LOGIC,
        "security_roles": True,
        "dop_hint": c.DOP_HINT,
    }
}


def expand(values: dict[str, Any]) -> dict[str, Any]:
    """The options of ``values["profile"]`` overlaid by the other values (nested mappings merged one level).

    Raises:
        ValueError: An unknown profile.
    """
    values = dict(values)
    name = values.pop("profile", None)
    if name is None:
        return values
    if name not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, got {name!r}")
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in PROFILES[name].items()}
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged
