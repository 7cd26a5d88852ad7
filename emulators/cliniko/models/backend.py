"""ClinikoBackend: one practice's state and every behaviour of the API (auth, limits, lists, control)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import pathlib
import re
import secrets
import threading
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...common.timescale import TimeScale
from .. import exceptions as e
from ..constants import (
    ARCHIVED_VIEW,
    ATTACHMENTS_COLLECTION,
    CANCELLED_VIEW,
    DEFAULT_SHARD,
    FILES_PREFIX,
    FILTERS,
    INACTIVE_VIEW,
    MINIMAL_DELETED,
    RATE_LIMIT_REQUESTS,
    RATE_LIMIT_WINDOW_SECONDS,
    REAL_BASE_TEMPLATE,
    SHARD_PATTERN,
    USER_AGENT_PATTERN,
    VIEWS,
)
from .faults import ClinikoFaults, FaultInjector
from .query import Filter, ordered, page_params, parse_filter, parse_sort
from .records import Collection, Practice, Record, attachment_path, load_practice, present
from .throttle import RateLimiter

OPTIONS = ("api_key", "shard", "rate_limit", "require_user_agent", "faults", "can_view_settings")
_RATE_LIMIT_KEYS = ("requests", "window_seconds")
_CACHED_QUERIES = 16
# Columns every resource sorts on even when no record of it exists yet (an empty dump file).
_ALWAYS_SORTABLE = ("id", "created_at", "updated_at")


def split_key(api_key: str) -> tuple[str, str]:
    """(secret, shard) of an API key: the shard is the suffix after the last "-" when it matches SHARD_PATTERN;
    a key without one lives on au1 (research/sources.md §2.1)."""
    head, sep, tail = api_key.rpartition("-")
    if sep and head and re.fullmatch(SHARD_PATTERN, tail):
        return head, tail.lower()
    return api_key, DEFAULT_SHARD


@dataclass
class ClinikoOptions:
    """Emulator settings: the key (default random, ending with the dump's shard), the limit, the UA rule,
    injected faults."""

    api_key: str | None = None
    shard: str | None = None
    rate_limit_requests: int = RATE_LIMIT_REQUESTS
    rate_limit_window_seconds: float = RATE_LIMIT_WINDOW_SECONDS
    require_user_agent: bool = True
    faults: ClinikoFaults = field(default_factory=ClinikoFaults)
    # False: the key's user has a role that cannot view settings (GET /settings → 403; /settings/public works).
    can_view_settings: bool = True

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any] | None) -> ClinikoOptions:
        """Options from ``{"api_key", "shard", "rate_limit": {"requests", "window_seconds"},
        "require_user_agent", "faults": {...}}`` (faults: see ClinikoFaults).

        Raises:
            ValueError: An unknown option (the message lists the valid ones), a malformed shard, or a key whose
                shard suffix contradicts ``shard`` (a key without a suffix belongs to au1).
        """
        given = dict(options or {})
        unknown = set(given) - set(OPTIONS)
        if unknown:
            raise ValueError(f"unknown Cliniko emulator option(s) {sorted(unknown)}; valid: {', '.join(OPTIONS)}")
        limit = dict(given.get("rate_limit") or {})
        unknown = set(limit) - set(_RATE_LIMIT_KEYS)
        if unknown:
            raise ValueError(f"unknown rate_limit key(s) {sorted(unknown)}; valid: {', '.join(_RATE_LIMIT_KEYS)}")
        shard = given.get("shard")
        if shard is not None and not re.fullmatch(SHARD_PATTERN, str(shard)):
            raise ValueError(f"shard {shard!r} does not match /{SHARD_PATTERN}/ (research/sources.md §2.1)")
        api_key = given.get("api_key")
        if api_key is not None:
            if not str(api_key).strip():
                raise ValueError("api_key is empty")
            key_shard = split_key(str(api_key))[1]
            if shard is not None and str(shard).lower() != key_shard:
                raise ValueError(
                    f"shard {shard!r} contradicts the api_key's shard {key_shard!r} (the key's suffix names its "
                    "shard; a key without one belongs to au1)"
                )
        return cls(
            api_key=None if api_key is None else str(api_key),
            shard=None if shard is None else str(shard).lower(),
            rate_limit_requests=int(limit.get("requests", RATE_LIMIT_REQUESTS)),
            rate_limit_window_seconds=float(limit.get("window_seconds", RATE_LIMIT_WINDOW_SECONDS)),
            require_user_agent=bool(given.get("require_user_agent", True)),
            faults=ClinikoFaults.from_mapping(given.get("faults")),
            can_view_settings=bool(given.get("can_view_settings", True)),
        )


@dataclass(frozen=True)
class Page:
    """One page of a list: the served JSON texts and what the links need."""

    collection: str
    texts: list[str]
    total: int
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


@dataclass
class Stats:
    """Counts only: requests, 429s, statuses, per-endpoint requests, records served, control writes, faults.

    A dropped connection is counted under status 599 (no status reached the client).
    """

    requests: int = 0
    throttled: int = 0
    records_served: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    endpoints: Counter[str] = field(default_factory=Counter)
    control: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "throttled": self.throttled,
            "records_served": self.records_served,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "endpoints": dict(sorted(self.endpoints.items())),
            "control": dict(sorted(self.control.items())),
            "faults": dict(sorted(self.faults.items())),
        }


def utc_now() -> str:
    """Now as Cliniko writes instants: UTC, whole seconds, ``Z`` (research/sources.md §2.5)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ClinikoBackend:
    """The practice loaded from ``dump_dir`` and the API's behaviour over it. Thread-safe (one lock)."""

    def __init__(
        self, dump_dir: pathlib.Path, options: ClinikoOptions | None = None, *, clock: TimeScale | None = None
    ) -> None:
        self.dump_dir = pathlib.Path(dump_dir)
        self.options = options or ClinikoOptions()
        self.clock = clock or TimeScale(1.0)
        self._lock = threading.RLock()
        practice = load_practice(self.dump_dir)
        given_key = self.options.api_key
        # The shard: as configured, else the given key's suffix, else the one the dump's links name, else au1.
        self.shard = (
            self.options.shard or (split_key(given_key)[1] if given_key else None) or practice.shard or DEFAULT_SHARD
        ).lower()
        # hex: no "-" inside the secret, so the shard suffix is unambiguous.
        self.api_key = given_key or f"{secrets.token_hex(20)}-{self.shard}"
        self._secret = split_key(self.api_key)[0]
        self.practice: Practice = practice.rebased(self.shard)
        self.limiter = RateLimiter(self.options.rate_limit_requests, self.options.rate_limit_window_seconds, self.clock)
        self.faults = FaultInjector(self.options.faults)
        self.stats = Stats()
        self._queries: OrderedDict[tuple[Any, ...], tuple[int, list[Record]]] = OrderedDict()

    @property
    def real_base(self) -> str:
        """The base URL this practice's links use (https://api.<shard>.cliniko.com/v1)."""
        return REAL_BASE_TEMPLATE.format(shard=self.shard)

    # -- admission: User-Agent, Basic auth, rate limit ---------------------------------------------------

    def admit(self, authorization: str | None, user_agent: str | None) -> str:
        """Check a /v1 request in the order a client meets them; returns the key it used.

        Raises:
            UserAgentRequired, UserAgentWithoutContact, Unauthorized, TooManyRequests.
        """
        if self.options.require_user_agent:
            if not user_agent or not user_agent.strip():
                raise e.UserAgentRequired()
            if not re.match(USER_AGENT_PATTERN, user_agent):
                raise e.UserAgentWithoutContact()
        key = _basic_username(authorization)
        # §2.1: the key's suffix names its shard (none = au1); this emulator is one shard, so a key meant for
        # another shard is unknown here even when its secret part matches.
        if key is None:
            raise e.Unauthorized()
        secret, shard = split_key(key)
        if not (secrets.compare_digest(secret.encode(), self._secret.encode()) and shard == self.shard):
            raise e.Unauthorized()
        with self._lock:
            wait = self.limiter.admit(self.api_key)
        if wait is not None:
            raise e.TooManyRequests(
                reset_header=self.limiter.reset_header(wait),
                retry_after_header=self.limiter.retry_after_header(wait),
                limit=self.limiter.requests,
                window=f"{self.limiter.window_seconds:g}",
            )
        return key

    def fault(self, target: str) -> e.ServerError | str | None:
        """The fault injected into an admitted request (path and query): a ServerError, "drop", or None."""
        decision = self.faults.decide(target)
        with self._lock:
            if decision is not None:
                self.stats.faults["server_error" if decision == "error" else "drop"] += 1
        if decision == "error":
            return e.ServerError(status=self.faults.faults.error_status)
        return decision

    def stats_dict(self) -> dict[str, Any]:
        """The stats, the rate limit's configuration and its counters (``early``: see RateLimiter)."""
        with self._lock:
            result = self.stats.as_dict()
            result["rate_limit"] = {
                "requests": self.limiter.requests,
                "window_seconds": self.limiter.window_seconds,
                "windows": self.limiter.windows,
                "early": self.limiter.early,
            }
            return result

    def count_download(self, endpoint: str, status: int) -> None:
        """A file download (not an API request: no key, no rate limit, like S3): by endpoint and status only."""
        with self._lock:
            self.stats.statuses[status] += 1
            self.stats.endpoints[endpoint] += 1

    def count(self, endpoint: str, status: int, records: int = 0) -> None:
        with self._lock:
            self.stats.requests += 1
            self.stats.statuses[status] += 1
            self.stats.endpoints[endpoint] += 1
            self.stats.records_served += records
            if status == 429:
                self.stats.throttled += 1

    # -- reads ------------------------------------------------------------------------------------------

    def collection(self, name: str) -> Collection:
        found = self.practice.collection(name)
        if found is None:
            raise e.NotFound(what=f"/{name}")
        return found

    def list_page(
        self,
        name: str,
        view: str = "",
        *,
        filters: Sequence[str] = (),
        sort: str | None = None,
        order: str | None = None,
        page: str | None = None,
        per_page: str | None = None,
    ) -> Page:
        """One page of ``GET /<name>[/<view>]`` with q[] filters (AND), sort/order and paging (§2.3–2.4).

        Raises:
            NotFound: Unknown collection or a view the collection does not have.
            InvalidFilter, InvalidParameter: A filter, sort or paging parameter that cannot be used.
        """
        with self._lock:
            collection = self.collection(name)
            if view and name not in VIEWS.get(view, ()):
                raise e.NotFound(what=f"/{name}/{view}")
            number, size = page_params(page, per_page)
            parsed = [parse_filter(raw, FILTERS.get(name)) for raw in filters]
            sortable = [*collection.fields, *_ALWAYS_SORTABLE, *FILTERS.get(name, {})]
            keys = parse_sort(sort, order, sortable)
            matches = self._matches(collection, view, parsed, keys)
            chosen = matches[(number - 1) * size : number * size]
            if view == "deleted" and name in MINIMAL_DELETED:
                texts = [self._minimal_deleted(name, r).text for r in chosen]
            else:
                texts = [r.text for r in chosen]
            return Page(name, texts, len(matches), number, size)

    def _matches(
        self, collection: Collection, view: str, filters: list[Filter], keys: tuple[tuple[str, bool], ...]
    ) -> list[Record]:
        """Every record of the view that passes the filters, ordered; cached until the collection changes."""
        cache_key = (collection.name, view, tuple(filters), keys)
        cached = self._queries.get(cache_key)
        if cached is not None and cached[0] == collection.version:
            self._queries.move_to_end(cache_key)
            return cached[1]
        in_view = [r for r in collection.records.values() if _in_view(collection.name, view, r.data)]
        found = [r for r in in_view if all(f.matches(r.data) for f in filters)]
        result = ordered(found, keys)
        self._queries[cache_key] = (collection.version, result)
        if len(self._queries) > _CACHED_QUERIES:
            self._queries.popitem(last=False)
        return result

    def _minimal_deleted(self, name: str, record: Record) -> Record:
        return Record.of(
            {"deleted_at": record.data.get("deleted_at"), "links": {"self": f"{self.real_base}/{name}/{record.id}"}}
        )

    def get(self, name: str, record_id: str) -> Record:
        """``GET /<name>/<id>``; deleted records are gone (404).

        Raises:
            NotFound: Unknown collection or id, or a deleted record.
        """
        with self._lock:
            record = self.collection(name).records.get(record_id)
            if record is None or present(record.data.get("deleted_at")):
                raise e.NotFound(what=f"/{name}/{record_id}")
            return record

    def single(self, name: str, *, public: bool = False) -> Record:
        """The one record of a single-object resource: ``GET /settings`` (admin roles only) or ``GET
        /settings/public`` (any user; the documentation shows the same sections in both examples).

        Raises:
            SettingsForbidden: ``GET /settings`` for a key whose user cannot view settings.
            NotFound: The dump holds no settings.
        """
        if not public and not self.options.can_view_settings:
            raise e.SettingsForbidden()
        with self._lock:
            records = list(self.collection(name).records.values())
            if not records:
                raise e.NotFound(what=f"/{name}")
            return records[0]

    def attachment_token(self, record_id: str) -> str:
        """The unguessable part of an attachment's download URL (like a presigned URL's signature)."""
        return hmac.new(self._secret.encode(), f"attachment:{record_id}".encode(), hashlib.sha256).hexdigest()[:32]

    def attachment_download(self, record_id: str, token: str) -> tuple[bytes, str]:
        """The bytes behind a download URL ``attachment_token`` signed; no key needed, as with S3.

        Raises:
            NotFound: A token that does not sign this attachment, or no bytes for it.
        """
        if not hmac.compare_digest(token, self.attachment_token(record_id)):
            raise e.NotFound(what=f"{FILES_PREFIX}/{record_id}")
        return self.attachment(record_id)

    def attachment(self, record_id: str) -> tuple[bytes, str]:
        """The bytes and content type of ``GET /patient_attachments/<id>/content``.

        Raises:
            NotFound: No such attachment, or the dump holds no bytes for it.
        """
        record = self.get(ATTACHMENTS_COLLECTION, record_id)
        path = attachment_path(self.dump_dir, record)
        if path is None:
            raise e.NotFound(what=f"/{ATTACHMENTS_COLLECTION}/{record_id}/content")
        content_type = record.data.get("content_type")
        return path.read_bytes(), content_type if isinstance(content_type, str) else "application/octet-stream"

    # -- control: the practice keeps working during the delta window ------------------------------------

    def create(self, name: str, fields: Mapping[str, Any]) -> Record:
        """A new record: the collection's fields (null unless given), a new id, created_at = updated_at = now."""
        with self._lock:
            collection = self.collection(name)
            data: dict[str, Any] = dict.fromkeys(collection.fields)
            data.update(fields)
            record_id = data.get("id") or collection.new_id()
            if str(record_id) in collection.records:
                raise e.ControlError(detail=f"/{name}/{record_id} already exists")
            now = utc_now()
            data.update({"id": record_id, "created_at": now, "updated_at": now})
            record = Record.of(data)
            collection.add(record)
            self.stats.control["created"] += 1
            return record

    def update(self, name: str, record_id: str, fields: Mapping[str, Any], *, action: str = "updated") -> Record:
        """Change fields of a live record and bump updated_at (the id cannot change)."""
        with self._lock:
            record = self.get(name, record_id)
            if "id" in fields and str(fields["id"]) != record.id:
                raise e.ControlError(detail="the id of a record cannot change")
            data = {**record.data, **fields, "updated_at": utc_now()}
            self.stats.control[action] += 1
            return self.collection(name).replace(record_id, data)

    def delete(self, name: str, record_id: str) -> Record:
        """Set deleted_at: the record leaves the lists and GET, and appears under /<name>/deleted.

        updated_at is left alone: whether Cliniko touches it on delete is not documented, so a delta
        pickup must not rely on it (research/sources.md §2.4 reads /deleted separately).
        """
        with self._lock:
            record = self.get(name, record_id)
            self.stats.control["deleted"] += 1
            return self.collection(name).replace(record_id, {**record.data, "deleted_at": utc_now()})

    def archive(self, name: str, record_id: str) -> Record:
        """Set archived_at and updated_at (patients and appointment types then move to /archived)."""
        if name not in ARCHIVED_VIEW and "archived_at" not in self.collection(name).fields:
            raise e.ControlError(detail=f"/{name} has no archive action")
        return self.update(name, record_id, {"archived_at": utc_now()}, action="archived")

    def cancel(self, name: str, record_id: str, fields: Mapping[str, Any] | None = None) -> Record:
        """Set cancelled_at and updated_at (and any cancellation fields given) on an appointment or attendee."""
        if name not in CANCELLED_VIEW:
            raise e.ControlError(detail=f"/{name} has no cancel action")
        return self.update(name, record_id, {**(fields or {}), "cancelled_at": utc_now()}, action="cancelled")

    def reset(self) -> None:
        """Reload the dump, forget every change, zero the stats and the rate-limit windows, restore the faults
        given at start."""
        with self._lock:
            self.practice = load_practice(self.dump_dir).rebased(self.shard)
            self.limiter.clear()
            self.faults.reset()
            self.stats = Stats()
            self._queries.clear()


def _in_view(name: str, view: str, data: Mapping[str, Any]) -> bool:
    """Which list a record belongs to: deleted records only under /deleted; archived patients and appointment
    types only under /archived; cancelled appointments and attendees only under /cancelled; inactive
    practitioners only under /inactive (§2.4, §2.7; the cancelled case is the stricter reading of documentation
    that is silent on it, see README)."""
    deleted = present(data.get("deleted_at"))
    if view == "deleted":
        return deleted
    if deleted:
        return False
    if view == "archived":
        return present(data.get("archived_at"))
    if view == "cancelled":
        return present(data.get("cancelled_at"))
    if view == "inactive":
        return data.get("active") is False
    if name in ARCHIVED_VIEW and present(data.get("archived_at")):
        return False
    if name in CANCELLED_VIEW and present(data.get("cancelled_at")):
        return False
    return not (name in INACTIVE_VIEW and data.get("active") is False)


def _basic_username(header: str | None) -> str | None:
    """The username of ``Authorization: Basic base64(key:)`` (§2.1); the password is not checked."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username = decoded.partition(":")[0]
    return username or None
