"""Cliniko API extraction settings: the key and its shard, the client's limits, and every list to read."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# research/sources.md §2.1: the shard is the key's suffix after the last "-", validated with /\w{2}\d{1,2}/i;
# a key without one lives on au1.
SHARD_PATTERN = re.compile(r"\w{2}\d{1,2}")
DEFAULT_SHARD = "au1"
BASE_URL_TEMPLATE = "https://api.{shard}.cliniko.com/v1"
# redguava/cliniko-api guides/sharding.md: "Requests to https://api.cliniko.com and https://api.au1.cliniko.com
# are the same", so a link without a shard is on au1.
CLINIKO_API_LINK = re.compile(r"^https://api\.(?:(\w+)\.)?cliniko\.com/v1/(.*)$", re.IGNORECASE)
# §2.1: "APP_VENDOR_NAME (APP_VENDOR_EMAIL)"; requests without a name and contact e-mail may be blocked.
USER_AGENT_PATTERN = re.compile(r"^\s*[^\s(][^(]*\(\s*[^\s()@]+@[^\s()@]+\.[^\s()@]+\s*\)\s*$")
# §2.3: per_page up to 100. §2.2: 200 requests per minute per user.
MAX_PER_PAGE = 100
REQUESTS_PER_MINUTE = 200
RATE_WINDOW_SECONDS = 60.0
# Environment variables read by ClinikoApiSettings.from_env (secrets only from the environment, DESIGN §6).
ENV_API_KEY = "CLINIKO_API_KEY"
ENV_USER_AGENT = "CLINIKO_USER_AGENT"
ENV_BASE_URL = "CLINIKO_BASE_URL"
ENV_CA_FILE = "CLINIKO_CA_FILE"


@dataclass(frozen=True)
class ClinikoApiSettings:
    """How to reach one Cliniko account. The key is never shown (repr) nor logged.

    ``time_scale`` shrinks the client-side limiter window and the retry back-off together, for tests
    against an emulator whose clock is scaled the same way.
    """

    api_key: str = field(repr=False)
    user_agent: str
    base_url: str | None = None
    ca_file: str | None = None
    per_page: int = MAX_PER_PAGE
    requests_per_minute: int = REQUESTS_PER_MINUTE
    time_scale: float = 1.0
    max_retries: int = 5
    timeout_seconds: float = 60.0

    def __post_init__(self) -> None:
        if not self.api_key or not self.api_key.strip():
            raise ValueError("Cliniko API key is empty")
        if not USER_AGENT_PATTERN.match(self.user_agent or ""):
            raise ValueError(
                "User-Agent must name the application and a contact e-mail: 'APP_VENDOR_NAME (APP_VENDOR_EMAIL)' "
                "(research/sources.md §2.1)"
            )
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be 1..{MAX_PER_PAGE} (research/sources.md §2.3)")
        if self.requests_per_minute < 1 or not self.time_scale > 0 or self.max_retries < 0:
            raise ValueError("requests_per_minute >= 1, time_scale > 0 and max_retries >= 0 are required")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> ClinikoApiSettings:
        """Settings from CLINIKO_API_KEY, CLINIKO_USER_AGENT and optional CLINIKO_BASE_URL / CLINIKO_CA_FILE.

        Raises:
            KeyError: CLINIKO_API_KEY or CLINIKO_USER_AGENT is not set (the message names the variable only).
        """
        source = os.environ if env is None else env
        for name in (ENV_API_KEY, ENV_USER_AGENT):
            if not source.get(name):
                raise KeyError(f"{name} is not set")
        values: dict[str, object] = {
            "api_key": source[ENV_API_KEY],
            "user_agent": source[ENV_USER_AGENT],
            "base_url": source.get(ENV_BASE_URL) or None,
            "ca_file": source.get(ENV_CA_FILE) or None,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def shard_of(api_key: str) -> str:
    """The shard in a key's suffix (``…-au2`` → ``au2``), or ``au1`` for a key without one (§2.1)."""
    head, sep, tail = api_key.strip().rpartition("-")
    if sep and head and SHARD_PATTERN.fullmatch(tail):
        return tail.lower()
    return DEFAULT_SHARD


def base_url_for(settings: ClinikoApiSettings) -> str:
    """The API base: the override (an emulator) or https://api.<shard>.cliniko.com/v1 from the key."""
    if settings.base_url:
        return settings.base_url.rstrip("/")
    return BASE_URL_TEMPLATE.format(shard=shard_of(settings.api_key))


@dataclass(frozen=True)
class SideList:
    """A list next to ``GET /<resource>``: ``/deleted``, ``/archived``, ``/cancelled`` or ``/inactive``.

    Attributes:
        view: The path segment after the resource.
        kind: The tombstone it reports in a delta ("deleted", "archived", "cancelled"), or None.
        stamp: The record field saying when (``deleted_at`` …), or None.
        delta_filter: The field a delta filters on server-side: the stamp where research/sources.md §2.7
            lists it as a filter, else ``updated_at``; None reads the list whole and filters client-side.
        in_main: The main list already returns these records, so only tombstones are new. No list is read
            so: the documentation does not say that a main list returns cancelled records, so they are read
            from /cancelled (the stricter reading, emulators/cliniko/README.md).
    """

    view: str
    kind: str | None
    stamp: str | None
    delta_filter: str | None
    in_main: bool = False


# No /deleted list offers deleted_at as a filter and deleting need not touch updated_at (it is not
# documented), so deleted lists are read whole in a delta; they hold few records.
_DELETED = SideList("deleted", "deleted", "deleted_at", None)
# archived_at is not a filter of patients or appointment types; archiving bumps updated_at (§2.7
# example payloads and every synthetic practice), so updated_at narrows the list server-side.
_ARCHIVED = SideList("archived", "archived", "archived_at", "updated_at")

# §2.4/§2.7: which side lists each resource has.
SIDE_LISTS: dict[str, tuple[SideList, ...]] = {
    "patients": (_DELETED, _ARCHIVED),
    "appointment_types": (_ARCHIVED,),
    "practitioners": (SideList("inactive", None, None, "updated_at"),),
    "individual_appointments": (_DELETED, SideList("cancelled", "cancelled", "cancelled_at", "cancelled_at")),
    "group_appointments": (_DELETED,),
    "attendees": (_DELETED, SideList("cancelled", "cancelled", "cancelled_at", "updated_at")),
    "invoices": (_DELETED,),
    "invoice_items": (_DELETED,),
    "medical_alerts": (_DELETED,),
    "treatment_notes": (_DELETED,),
    "treatment_note_templates": (_DELETED,),
}
# The field an extraction adds to each record of a resource with side lists: the list it was read from
# ("main", "archived", "cancelled", "inactive"), so a practitioner read from /practitioners/inactive is
# staged inactive (its payload says nothing about it) and every record's origin stays visible in raw.
SOURCE_LIST_FIELD = "_source_list"
MAIN_LIST = "main"

# Single objects, not lists (GET /settings); they have no updated_at filter, so a delta re-reads them whole.
SINGLE_OBJECTS = frozenset({"settings"})
# Resources read only per parent record (redguava/cliniko-api sections/practitioner_reference_numbers.md
# documents GET /practitioners/:practitioner_id/practitioner_reference_numbers and no top-level list):
# child → parent, whose main and side lists give the parent ids.
NESTED_LISTS: dict[str, str] = {"practitioner_reference_numbers": "practitioners"}
# Lists whose records have no id nor timestamps and take no filter (sections/referral_sources.md: one referral
# per patient, keyed by its patient link): read whole by every pass, full or delta; a delta's copy replaces the
# snapshot's (sources/cliniko/snapshots.py).
WHOLE_LISTS = frozenset({"referral_sources"})
SETTINGS_PATH = "settings"
PUBLIC_SETTINGS_PATH = "settings/public"  # any user's role may read it (sections/settings.md)
# §2.7: every other resource of the dump format filters on created_at and updated_at.
ATTACHMENTS_RESOURCE = "patient_attachments"
