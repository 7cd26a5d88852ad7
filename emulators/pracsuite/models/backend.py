"""The PracSuite emulator's practice and rules: the two API keys, rate limit, faults, pages, q[] filters.

The practice is a JSON document (`practice.json`, written by synthetic/pracsuite.py): one list per
collection under its list key (constants.COLLECTIONS), every record as the API returns it without its
`links` (added when served). Cancelled appointments are their own collection, as the API lists them from
their own endpoint; `/appointment` never lists a cancelled one (ASSUMED, the stricter case: a client that
reads only `/appointment` loses every cancellation).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from emulators.common import faults
from emulators.common.rate_window import RateWindow

from .. import exceptions as e
from ..constants import (
    API_PREFIX,
    COLLECTIONS,
    DEFAULT_PAGE_SIZE,
    FILTER_OPERATORS,
    MAX_PAGE_SIZE,
    RATE_LIMIT_REQUESTS,
    RATE_LIMIT_WINDOW_SECONDS,
    TIMESTAMP_FILTERS,
    TIMESTAMP_FORMAT,
)

FAULT_OPTIONS = tuple(faults.BASE_FAULTS)


@dataclass
class PracsuiteOptions:
    """The vendor key, the clinic's account key, the rate limit (None = off) and faults."""

    vendor_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    account_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    rate_limit: int | None = RATE_LIMIT_REQUESTS
    faults: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any] | None) -> PracsuiteOptions:
        given = dict(options or {})
        valid = {"vendor_key", "account_key", "rate_limit", "faults"}
        unknown = set(given) - valid
        if unknown:
            raise ValueError(
                f"unknown PracSuite emulator option(s) {sorted(unknown)}; valid: {', '.join(sorted(valid))}"
            )
        return cls(**given)


@dataclass(frozen=True)
class ListPage:
    key: str
    items: list[dict[str, Any]]
    total_entries: int
    page: int
    page_size: int


def check_faults(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validated fault settings: the next `fail_next` requests (to targets starting with one of `paths`, if
    given) answer `error_status`, 429 or a 5xx."""
    return faults.check_faults(values, service="PracSuite")


def now_stamp() -> str:
    """The API's timestamp form: RFC 3339 UTC with microseconds (appointment schema, getappointment-get)."""
    return dt.datetime.now(dt.UTC).strftime(TIMESTAMP_FORMAT)


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _filter(expression: str) -> tuple[str, str, dt.datetime]:
    """`updated:>=2026-01-01T00:00:00Z` → (record field, operator, instant); anything else is a 400."""
    name, _, rest = expression.partition(":")
    if name not in TIMESTAMP_FILTERS:
        raise e.InvalidParameter(name="q[]", reason=f"unknown filter {name!r}; this emulator knows updated, created")
    operator = next((op for op in FILTER_OPERATORS if rest.startswith(op)), None)
    if operator is None:
        raise e.InvalidParameter(name="q[]", reason=f"operator must be one of {' '.join(FILTER_OPERATORS)}")
    try:
        moment = _instant(rest[len(operator) :])
    except ValueError:
        raise e.InvalidParameter(name="q[]", reason="expected an ISO 8601 timestamp with a zone") from None
    if moment.tzinfo is None:
        raise e.InvalidParameter(name="q[]", reason="expected an ISO 8601 timestamp with a zone")
    return TIMESTAMP_FILTERS[name], operator, moment


def _matches(value: dt.datetime, operator: str, moment: dt.datetime) -> bool:
    return {
        ">=": value >= moment,
        "<=": value <= moment,
        ">": value > moment,
        "<": value < moment,
        "=": value == moment,
    }[operator]


class PracsuiteBackend:
    """The practice and the rules. Thread-safe: the server calls it from its worker threads."""

    def __init__(self, practice_file: Path, options: PracsuiteOptions | None = None) -> None:
        self.practice_file = Path(practice_file)
        self.options = options or PracsuiteOptions()
        self._lock = threading.Lock()
        self._rate = RateWindow(RATE_LIMIT_WINDOW_SECONDS)
        self.requests: dict[str, int] = {}
        self.faults = check_faults(self.options.faults)
        self.revoked = False
        self.reset()

    # --- state -------------------------------------------------------------------------------------
    def reset(self) -> None:
        """The practice as generated, counters and the rate window emptied, the account key valid."""
        with self._lock:
            self.data: dict[str, list[dict[str, Any]]] = json.loads(self.practice_file.read_text(encoding="utf-8"))
            self.requests = {}
            self._rate.clear()
            self.revoked = False

    def set_faults(self, values: Mapping[str, Any], *, replace: bool = False) -> dict[str, Any]:
        with self._lock:
            self.faults = check_faults({**({} if replace else self.faults), **values})
            return dict(self.faults)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": dict(self.requests), "total": sum(self.requests.values())}

    def revoke_account_key(self) -> None:
        """The clinic revokes its A-api-key (overview: "can be created or revoked by the clinic at any time")."""
        with self._lock:
            self.revoked = True

    # --- changes a test makes in the practice (the clinic working on while we extract) ---------------
    def upsert(self, segment: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add or replace a record by its id; `modified` (and `created` for a new one) set to now."""
        key, id_field = self._collection(segment)
        stamp = now_stamp()
        with self._lock:
            rows = self.data.setdefault(key, [])
            for index, row in enumerate(rows):
                if str(row[id_field]) == str(record[id_field]):
                    rows[index] = {**row, **record, "modified": stamp}
                    return copy.deepcopy(rows[index])
            new = {**record, "created": stamp, "modified": stamp}
            rows.append(new)
            return copy.deepcopy(new)

    def delete(self, segment: str, record_id: str) -> None:
        key, id_field = self._collection(segment)
        with self._lock:
            rows = self.data.get(key, [])
            kept = [r for r in rows if str(r[id_field]) != record_id]
            if len(kept) == len(rows):
                raise e.NotFound(what=f"{segment} record")
            self.data[key] = kept

    def cancel(self, appointment_id: str, reason_id: int | None) -> dict[str, Any]:
        """Cancel an appointment: it leaves `/appointment` and appears in `/cancelled_appointment`."""
        with self._lock:
            rows = self.data.get("appointments", [])
            found = [r for r in rows if str(r["appointment_id"]) == appointment_id]
            if not found:
                raise e.NotFound(what="appointment record")
            self.data["appointments"] = [r for r in rows if str(r["appointment_id"]) != appointment_id]
            stamp = now_stamp()
            cancelled = {
                **found[0],
                "appointment_cancellation_reason_id": reason_id,
                "cancelled": stamp,
                "modified": stamp,
            }
            self.data.setdefault("cancelled_appointments", []).append(cancelled)
            return copy.deepcopy(cancelled)

    # --- admission ---------------------------------------------------------------------------------
    def admit(self, headers: Mapping[str, str], target: str) -> None:
        """Both keys (overview), then the rate limit, then injected faults. Raises a PracsuiteError."""
        with self._lock:
            vendor, account = headers.get("x-api-key"), headers.get("a-api-key")
            if not vendor:
                raise e.MissingApiKey(header="x-api-key")
            if not account:
                raise e.MissingApiKey(header="A-api-key")
            if vendor != self.options.vendor_key:
                raise e.InvalidVendorKey()
            if account != self.options.account_key or self.revoked:
                raise e.InvalidAccountKey()
            self._check_rate()
            self._check_fault(target)

    def _check_rate(self) -> None:
        if not self._rate.admit(self.options.rate_limit):
            raise e.TooManyRequests()

    def _check_fault(self, target: str) -> None:
        status = faults.take_fault(self.faults, target)
        if status == 429:
            raise e.TooManyRequests()
        if status is not None:
            raise e.ServerError(status=status)

    def count(self, endpoint: str, status: int) -> None:
        with self._lock:
            key = f"{endpoint} {status}"
            self.requests[key] = self.requests.get(key, 0) + 1

    # --- reads -------------------------------------------------------------------------------------
    def _collection(self, segment: str) -> tuple[str, str]:
        if segment not in COLLECTIONS:
            raise e.NotFound(what=f"endpoint {segment}")
        return COLLECTIONS[segment]

    def list_page(self, segment: str, page: str | None, page_size: str | None, filters: Sequence[str]) -> ListPage:
        """One page of a list, in id order (stable across pages while nothing changes)."""
        key, id_field = self._collection(segment)
        number = _int_param("page", page, 1, 1, None)
        size = _int_param("page_size", page_size, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        conditions = [_filter(f) for f in filters]
        with self._lock:
            rows = [
                r
                for r in self.data.get(key, [])
                if all(r.get(f) and _matches(_instant(r[f]), op, m) for f, op, m in conditions)
            ]
            rows = sorted(rows, key=lambda r: int(r[id_field]))
            start = (number - 1) * size
            items = [self._served(segment, r, id_field) for r in rows[start : start + size]]
        return ListPage(key, items, len(rows), number, size)

    def get(self, segment: str, record_id: str) -> dict[str, Any]:
        key, id_field = self._collection(segment)
        with self._lock:
            for row in self.data.get(key, []):
                if str(row[id_field]) == record_id:
                    return self._served(segment, row, id_field)
        raise e.NotFound(what=f"{segment} record")

    def _served(self, segment: str, row: Mapping[str, Any], id_field: str) -> dict[str, Any]:
        # Every documented record starts with links.self (getitem-get, getbusiness-get); a relative path
        # here, made absolute by the response layer, which knows the host.
        return {"links": {"self": f"{API_PREFIX}/{segment}/{row[id_field]}"}, **copy.deepcopy(dict(row))}


def _int_param(name: str, raw: str | None, default: int, minimum: int, maximum: int | None) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise e.InvalidParameter(name=name, reason="not an integer") from None
    if value < minimum or (maximum is not None and value > maximum):
        shown = f"[{minimum} .. {maximum}]" if maximum is not None else f">= {minimum}"
        raise e.InvalidParameter(name=name, reason=f"must be {shown}")
    return value


def page_links(base: str, path: str, params: Sequence[tuple[str, str]], page: ListPage) -> dict[str, str | None]:
    """links.self / previous / next of a list answer (overview: "best to use these links … rather than
    building URLs yourself"): the request's own query with `page` replaced; next is null on the last page
    and previous on the first (ASSUMED: the docs' example shows all three)."""

    def url(number: int) -> str:
        query = [(k, v) for k, v in params if k not in ("page", "page_size")]
        query += [("page", str(number)), ("page_size", str(page.page_size))]
        return f"{base}{path}?{urlencode(query)}"

    last = page.page * page.page_size >= page.total_entries
    return {
        "self": url(page.page),
        "previous": url(page.page - 1) if page.page > 1 else None,
        "next": None if last else url(page.page + 1),
    }


__all__ = ["ListPage", "PracsuiteBackend", "PracsuiteOptions", "check_faults", "now_stamp", "page_links"]
