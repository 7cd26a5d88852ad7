"""The Core Plus emulator's practice and rules: token checks, rate limit, faults, pages, date windows.

The practice is a JSON document (`practice.json`, written by synthetic/coreplus.py): one list per
collection, every record as the API returns it except appointments, which are kept as the location's
local wall-clock times (`start`, `end`, naive) with `practitionerId` and `clientId`, and client family
members, which carry the `clientId` they belong to (the API's family objects do not).
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jwt

from emulators.common import faults
from emulators.common.rate_window import RateWindow

from .. import exceptions as e
from ..constants import (
    APPOINTMENT_TIME_FORMAT,
    AUTH_SCHEME,
    COLLECTIONS,
    DEFAULT_PAGE_SIZE,
    JWT_ALGORITHM,
    MAX_PAGE_SIZE,
    MAX_TOKEN_LIFETIME_SECONDS,
    RATE_LIMIT_REQUESTS,
    RATE_LIMIT_WINDOW_SECONDS,
    REQUEST_DATE_FORMAT,
    REQUIRED_CLAIMS,
    TIME_ZONES,
)

# §2.3: the Client list carries these fields; GET /Client/{id} returns the full record.
CLIENT_LIST_FIELDS = (
    "clientId",
    "title",
    "practitionerId",
    "preferredName",
    "culture",
    "pronouns",
    "firstName",
    "middleName",
    "lastName",
    "dateOfBirth",
    "gender",
)
TOKEN_FAULTS = {"expire_next": 0, "not_yet_valid_next": 0}
FAULT_OPTIONS = (*faults.BASE_FAULTS, *TOKEN_FAULTS)


@dataclass
class CoreplusOptions:
    """Credentials of the one add-on the emulator knows, the rate limit (None = off) and faults."""

    consumer_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    consumer_secret: str = field(default_factory=lambda: uuid.uuid4().hex + uuid.uuid4().hex)
    access_token: str = field(default_factory=lambda: uuid.uuid4().hex)
    rate_limit: int | None = RATE_LIMIT_REQUESTS
    faults: dict[str, Any] = field(default_factory=dict)
    # Seconds each API answer is held back: a remote server's round trip, for benchmarks (bench/).
    latency_seconds: float = 0.0

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any] | None) -> CoreplusOptions:
        given = dict(options or {})
        valid = {"consumer_id", "consumer_secret", "access_token", "rate_limit", "faults", "latency_seconds"}
        unknown = set(given) - valid
        if unknown:
            shown = ", ".join(sorted(valid))
            raise ValueError(f"unknown Core Plus emulator option(s) {sorted(unknown)}; valid: {shown}")
        return cls(**given)


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total_rows: int
    page_number: int
    page_size: int


def check_faults(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validated fault settings: `fail_next` requests answer `error_status` (429 or 5xx), restricted to
    request targets starting with one of `paths`; the next `expire_next` / `not_yet_valid_next` tokens
    are judged as if the server's clock were past their `exp` / before their `nbf`."""
    return faults.check_faults(values, service="Core Plus", extra=TOKEN_FAULTS)


def api_time(local: datetime) -> str:
    """§2.3 quirk: "2021-09-07T09:00:00 +10:00" — ISO local time, a space, the offset with a colon."""
    offset = local.strftime("%z")
    return f"{local.strftime(APPOINTMENT_TIME_FORMAT)} {offset[:3]}:{offset[3:]}"


class CoreplusBackend:
    """The practice and the rules. Thread-safe: the server calls it from its worker threads."""

    def __init__(self, practice_file: Path, options: CoreplusOptions | None = None) -> None:
        self.practice_file = Path(practice_file)
        self.options = options or CoreplusOptions()
        self._lock = threading.Lock()
        self._rate = RateWindow(RATE_LIMIT_WINDOW_SECONDS)
        self.requests: dict[str, int] = {}
        self.faults = check_faults(self.options.faults)
        self.reset()

    # --- state -------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.data: dict[str, list[dict[str, Any]]] = json.loads(self.practice_file.read_text(encoding="utf-8"))
            self.requests = {}
            self._rate.clear()

    def set_faults(self, values: Mapping[str, Any], *, replace: bool = False) -> dict[str, Any]:
        with self._lock:
            self.faults = check_faults({**({} if replace else self.faults), **values})
            return dict(self.faults)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": dict(self.requests), "total": sum(self.requests.values())}

    # --- admission ---------------------------------------------------------------------------------
    def admit(self, authorization: str | None, method: str, target: str) -> None:
        """Token checks (§2.3), then the rate limit (FAQ), then injected faults. Raises a CoreplusError."""
        with self._lock:
            self._check_token(authorization, method, target)
            self._check_rate()
            self._check_fault(target)

    def _check_token(self, authorization: str | None, method: str, target: str) -> None:
        if not authorization or not authorization.startswith(AUTH_SCHEME):
            # FAQ: a missing space between "JwToken" and the token is a common cause of "Invalid token".
            raise e.InvalidToken(reason="scheme")
        token = authorization[len(AUTH_SCHEME) :]
        try:
            claims = jwt.decode(
                token,
                self.options.consumer_secret,
                algorithms=[JWT_ALGORITHM],
                options={"verify_exp": False, "verify_nbf": False, "verify_aud": False, "verify_iss": False},
            )
        except jwt.InvalidSignatureError:
            raise e.InvalidToken(reason="signature") from None
        except jwt.PyJWTError:
            raise e.InvalidToken(reason="malformed") from None
        if any(claims.get(name) in (None, "") for name in REQUIRED_CLAIMS):
            raise e.InvalidToken(reason="claims")
        if claims["consumerId"] != self.options.consumer_id or claims["accessToken"] != self.options.access_token:
            raise e.InvalidToken(reason="credentials")
        if str(claims["httpMethod"]).upper() != method.upper() or str(claims["url"]).lower() != target.lower():
            raise e.InvalidToken(reason="request")
        try:
            nbf, exp = int(claims["nbf"]), int(claims["exp"])
        except (TypeError, ValueError):
            raise e.InvalidToken(reason="claims") from None
        if exp - nbf > MAX_TOKEN_LIFETIME_SECONDS:
            raise e.InvalidToken(reason="lifetime")
        now = time.time()
        if self.faults["expire_next"] > 0:
            self.faults["expire_next"] -= 1
            now = exp
        elif self.faults["not_yet_valid_next"] > 0:
            self.faults["not_yet_valid_next"] -= 1
            now = nbf - 1
        # "jwtoken's will not be accepted if the coreplus API UTC time is before" nbf; exp is the time
        # "on or after which the token MUST NOT be accepted" (§2.3, creating-json-web-token page).
        if now < nbf:
            raise e.InvalidToken(reason="not_yet_valid")
        if now >= exp:
            raise e.InvalidToken(reason="expired")

    def _check_rate(self) -> None:
        if not self._rate.admit(self.options.rate_limit):
            raise e.TooManyRequests()

    def _check_fault(self, target: str) -> None:
        status = faults.take_fault(self.faults, target, ignore_case=True)  # Core Plus paths ignore case
        if status == 429:
            raise e.TooManyRequests()
        if status is not None:
            raise e.ServerError(status=status)

    def count(self, endpoint: str, status: int) -> None:
        with self._lock:
            key = f"{endpoint} {status}"
            self.requests[key] = self.requests.get(key, 0) + 1

    # --- reads -------------------------------------------------------------------------------------
    def list_page(self, segment: str, params: Mapping[str, str]) -> tuple[str, Page]:
        """One page of a list endpoint: (JSON key, page). Raises NotFound / InvalidParameter."""
        if segment not in COLLECTIONS:
            raise e.NotFound(what=f"endpoint {segment}")
        key, _id = COLLECTIONS[segment]
        number = _int_param(params, "pageNumber", 1, minimum=1)
        size = _int_param(params, "pageSize", DEFAULT_PAGE_SIZE, minimum=1)
        if size > MAX_PAGE_SIZE:
            raise e.InvalidParameter(name="pageSize", reason=f"at most {MAX_PAGE_SIZE}")
        with self._lock:
            rows = self._rows(segment, params)
        start = (number - 1) * size
        return key, Page(rows[start : start + size], len(rows), number, size)

    def get(self, segment: str, record_id: str) -> dict[str, Any]:
        if segment not in COLLECTIONS or segment in {"appointment", "clientfamily"}:
            raise e.NotFound(what=f"endpoint {segment}")
        key, id_field = COLLECTIONS[segment]
        with self._lock:
            for record in self.data.get(key, []):
                if str(record[id_field]).lower() == record_id.lower():
                    return copy.deepcopy(record)
        raise e.NotFound(what=f"{segment} record")

    def _rows(self, segment: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        key, _id = COLLECTIONS[segment]
        records = self.data.get(key, [])
        if segment == "client":
            return [{f: r.get(f) for f in CLIENT_LIST_FIELDS} for r in records]
        if segment == "clientfamily":
            client = params.get("clientId")
            if not client:
                raise e.InvalidParameter(name="clientId", reason="required")
            return [
                {k: v for k, v in r.items() if k != "clientId"}
                for r in records
                if str(r["clientId"]).lower() == client.lower()
            ]
        if segment == "appointment":
            return self._appointments(params)
        return copy.deepcopy(records)

    def _appointments(self, params: Mapping[str, str]) -> list[dict[str, Any]]:
        """§2.3: startDate/endDate (yyyy-mm-dd) and timezoneId are required; "input dates are assumed to
        be in this time zone, and results are returned in that time zone". Both dates inclusive (ASSUMED)."""
        zone_id = params.get("timezoneId", "").lower()
        if zone_id not in TIME_ZONES:
            raise e.InvalidParameter(name="timezoneId", reason="required: a time zone id from the Location list")
        first, last = _date_param(params, "startDate"), _date_param(params, "endDate")
        if last < first:
            raise e.InvalidParameter(name="endDate", reason="before startDate")
        zone = ZoneInfo(TIME_ZONES[zone_id])
        zones = {loc["locationId"]: ZoneInfo(TIME_ZONES[loc["timezoneId"]]) for loc in self.data.get("locations", [])}
        rows = []
        for record in self.data.get("appointments", []):
            home = zones[record["locationId"]]
            start = datetime.fromisoformat(record["start"]).replace(tzinfo=home).astimezone(zone)
            if not first <= start.date() <= last:
                continue
            end = datetime.fromisoformat(record["end"]).replace(tzinfo=home).astimezone(zone)
            rows.append(
                {
                    "appointmentId": record["appointmentId"],
                    "appointmentReferenceNumber": record.get("appointmentReferenceNumber"),
                    "status": record.get("status"),
                    "practitioner": {"practitionerId": record["practitionerId"]},
                    "subject": record.get("subject"),
                    "notes": record.get("notes"),
                    "locationId": record["locationId"],
                    "appointmentTypeId": record.get("appointmentTypeId"),
                    "startDateTime": api_time(start),
                    "endDateTime": api_time(end),
                    "clients": [{"clientId": record["clientId"]}] if record.get("clientId") else [],
                    "notifyPractitioner": record.get("notifyPractitioner", False),
                }
            )
        rows.sort(key=lambda r: (r["startDateTime"], r["appointmentId"]))
        return rows


def _int_param(params: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise e.InvalidParameter(name=name, reason="not an integer") from None
    if value < minimum:
        raise e.InvalidParameter(name=name, reason=f"at least {minimum}")
    return value


def _date_param(params: Mapping[str, str], name: str) -> date:
    raw = params.get(name)
    if not raw:
        raise e.InvalidParameter(name=name, reason="required (yyyy-mm-dd)")
    try:
        return datetime.strptime(raw, REQUEST_DATE_FORMAT).date()
    except ValueError:
        raise e.InvalidParameter(name=name, reason="expected yyyy-mm-dd") from None


__all__ = ["CoreplusBackend", "CoreplusOptions", "Page", "api_time"]
