"""Extract a Core Plus practice through its REST API into a dump folder, resumably.

research/sources-round2.md §2.3: every request carries a fresh HS256 JWT (`Authorization: JwToken
<jwt>`) naming the consumer, its access token, the request's URL and method, `nbf`/`exp` in UTC a
minute apart; lists page by `pageNumber`/`pageSize` (≤ 100) with `paging.totalRows`; appointments are
read in date windows per time zone (`timezoneId` from the locations); the FAQ limits a consumer to 10
requests per second and answers 429 beyond it.

The dump is the folder sources/coreplus/settings.py describes. Extraction is a fixed sequence of
steps (a list, a client's record, a client's family, one appointment window of one zone); after every
page the written bytes are flushed and `.extract/checkpoint.json` records how far it got and how long
each file was. A killed extraction started again truncates the files to the checkpoint and continues
with the next page: no gap, no duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt

from sources.api_client import PacedApiClient
from sources.coreplus.settings import FILE_SUFFIX, MANIFEST_FILE, RESOURCES
from store.progress import ExtractionProgress, ignore_lines

MAX_PAGE_SIZE = 100  # §2.3
TOKEN_LIFETIME_SECONDS = 60  # §2.3: "exp … 1 minute past the issued time"
REQUESTS_PER_SECOND = 10.0  # FAQ, §2.3
# The client's own pace, a margin under the limit: requests sent exactly 0.1 s apart arrive bunched by network
# jitter, and 11 within one second are refused (the 500-client benchmark saw one 429 per ~1 000 requests).
PACED_REQUESTS_PER_SECOND = 0.95 * REQUESTS_PER_SECOND
WORK_DIR = ".extract"
CHECKPOINT_FILE = "checkpoint.json"
CLIENT_IDS_FILE = "client_ids.ndjson"
ENV_NAMES = ("CONSUMER_ID", "CONSUMER_SECRET", "ACCESS_TOKEN")
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
Progress = Callable[[str, int], None]
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class CoreplusApiError(RuntimeError):
    """The API could not be read. Messages name the request's method and path, never a secret or a query."""


class CoreplusAuthError(CoreplusApiError):
    """401 "Invalid token" twice in a row with fresh tokens: credentials, secret or clock are wrong."""


@dataclass(frozen=True)
class CoreplusApiSettings:
    """Where the API is and the add-on's credentials (secrets come from the environment, see from_env)."""

    base_url: str  # e.g. https://sandbox.coreplus.com.au/API/Core/v2
    consumer_id: str
    consumer_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    appointments_from: dt.date
    appointments_to: dt.date
    window_days: int = 28
    issuer: str = "https://practice-migration.invalid"  # §2.3: iss is "the url of the company's web site"
    audience: str = "http://coreplus.com.au"  # §2.3's example
    ca_file: str | None = None
    page_size: int = MAX_PAGE_SIZE
    requests_per_second: float = PACED_REQUESTS_PER_SECOND
    max_attempts: int = 6
    backoff_seconds: float = 0.5

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE} (§2.3)")
        if self.appointments_to < self.appointments_from:
            raise ValueError("appointments_to is before appointments_from")
        if self.window_days < 1:
            raise ValueError("window_days must be at least 1")

    @classmethod
    def from_env(cls, prefix: str, env: Mapping[str, str] | None = None, **settings: Any) -> CoreplusApiSettings:
        """Credentials from `<prefix>CONSUMER_ID`, `<prefix>CONSUMER_SECRET`, `<prefix>ACCESS_TOKEN`
        (e.g. prefix "PM_ACME__COREPLUS_"); a missing one is named, its value never shown."""
        source = os.environ if env is None else env
        missing = [prefix + n for n in ENV_NAMES if not source.get(prefix + n)]
        if missing:
            raise CoreplusApiError(f"Core Plus credentials missing from the environment: {', '.join(missing)}")
        consumer_id, secret, token = (source[prefix + n] for n in ENV_NAMES)
        return cls(consumer_id=consumer_id, consumer_secret=secret, access_token=token, **settings)


class CoreplusApi(PacedApiClient):
    """GET with a fresh token per attempt, pacing, back-off on 429/5xx/transport errors, one token retry.
    `throttled` counts 429 answers (the FAQ's rate limit)."""

    service = "Core Plus"
    error = CoreplusApiError

    def __init__(self, settings: CoreplusApiSettings, *, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(settings, sleep=sleep)
        self.settings = settings

    def __enter__(self) -> CoreplusApi:
        return self

    def token(self, method: str, target: str) -> str:
        """§2.3's JWT for one request: `target` is the path with its query string."""
        now = int(time.time())
        s = self.settings
        claims = {
            "iss": s.issuer,
            "aud": s.audience,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
            "consumerId": s.consumer_id,
            "accessToken": s.access_token,
            "url": target,
            "httpMethod": method,
        }
        return jwt.encode(claims, s.consumer_secret, algorithm="HS256")

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One JSON object from `path` (relative to the base URL)."""
        url = httpx.URL(self.settings.base_url.rstrip("/") + path, params=dict(params or {}))
        target = url.raw_path.decode("ascii")
        shown = f"GET {url.path}"
        invalid_tokens = 0
        for attempt in self.attempts:
            self._pace()
            headers = {"Authorization": f"JwToken {self.token('GET', target)}", "Content-Type": "application/json"}
            self.requests += 1
            try:
                response = self._client.get(url, headers=headers)
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}"
            else:
                if response.status_code == 200:
                    return self._json_object(response, shown)
                if response.status_code == 401:
                    # A token can expire between signing and arrival (a slow retry, a clock step); one fresh
                    # token is worth a try, a second refusal means credentials or clock (FAQ, §2.3).
                    invalid_tokens += 1
                    if invalid_tokens >= 2:
                        raise CoreplusAuthError(
                            f"{shown}: 401 Invalid token twice with fresh tokens; check the consumer id, secret "
                            "and access token (sandbox vs production) and that this machine's clock is UTC-synced"
                        )
                    self.retries += 1
                    continue
                self.throttled += response.status_code == 429
                if response.status_code != 429 and response.status_code < 500:
                    raise CoreplusApiError(f"{shown}: HTTP {response.status_code} ({_message(response)})")
                failure = f"HTTP {response.status_code}"
            self._retry_or_give_up(attempt, shown, failure, self._backoff(attempt))
        raise self._no_attempt(shown)

    def pages(
        self, path: str, key: str, params: Mapping[str, Any], first_page: int = 1
    ) -> Iterator[tuple[int, list, int]]:
        """(page number, records, paging.totalRows) from `first_page` until totalRows records are covered."""
        number = first_page
        size = self.settings.page_size
        while True:
            body = self.get(path, {**params, "pageNumber": number, "pageSize": size})
            records = body.get(key)
            paging = body.get("paging") or {}
            if not isinstance(records, list) or not isinstance(paging.get("totalRows"), int):
                raise CoreplusApiError(f"GET {path}: answer without '{key}' list or paging.totalRows")
            yield number, records, paging["totalRows"]
            if not records or number * size >= paging["totalRows"]:
                return
            number += 1


def _message(response: httpx.Response) -> str:
    """The server's own status message (an error message names no record values)."""
    try:
        messages = response.json().get("statusMessages") or []
        return "; ".join(str(m.get("message")) for m in messages if isinstance(m, dict)) or "no message"
    except (ValueError, AttributeError):
        return "no message"


@dataclass(frozen=True)
class Step:
    """One unit of the extraction: a paged list (or one record) written to one resource file."""

    key: str
    resource: str
    path: str
    list_key: str | None  # None: a single record (GET /Client/{id})
    params: tuple[tuple[str, str], ...] = ()
    add: tuple[tuple[str, str], ...] = ()  # fields the extractor adds (README: clientId, timezoneId)
    keep_locations: frozenset[str] | None = None  # appointments: only this zone's locations


@dataclass(frozen=True)
class ExtractSummary:
    out_dir: Path
    records: dict[str, int]
    requests: int
    retries: int
    resumed: bool
    throttled: int = 0


class _Dump:
    """The dump folder and its checkpoint: append pages, flush, record sizes; truncate on resume."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.work = out_dir / WORK_DIR
        self.checkpoint_path = self.work / CHECKPOINT_FILE
        self.files = [*(f"{name}{FILE_SUFFIX}" for name in RESOURCES), f"{WORK_DIR}/{CLIENT_IDS_FILE}"]

    def start(self) -> tuple[int, int, bool]:
        """(steps done, pages done in the next step, resumed?)."""
        if self.checkpoint_path.exists():
            state = json.loads(self.checkpoint_path.read_text(encoding="utf-8"))
            for name, size in state["sizes"].items():
                with (self.out_dir / name).open("r+b") as handle:
                    handle.truncate(size)  # drops whatever was written after the last checkpoint
            return int(state["steps_done"]), int(state["pages_done"]), True
        if (self.out_dir / MANIFEST_FILE).exists():
            raise CoreplusApiError(f"{self.out_dir}: already holds a complete dump (manifest.json present)")
        if self.out_dir.exists() and any(self.out_dir.iterdir()):
            raise CoreplusApiError(f"{self.out_dir}: not empty and no checkpoint to resume from")
        self.work.mkdir(parents=True, exist_ok=True)
        for name in self.files:
            (self.out_dir / name).touch()
        self.checkpoint(0, 0)
        return 0, 0, False

    def append(self, name: str, records: list[dict[str, Any]]) -> None:
        with (self.out_dir / name).open("a", encoding="utf-8") as handle:
            handle.writelines(_ENCODER.encode(r) + "\n" for r in records)
            handle.flush()
            os.fsync(handle.fileno())

    def checkpoint(self, steps_done: int, pages_done: int) -> None:
        sizes = {name: (self.out_dir / name).stat().st_size for name in self.files}
        temporary = self.checkpoint_path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"steps_done": steps_done, "pages_done": pages_done, "sizes": sizes}))
        temporary.replace(self.checkpoint_path)

    def lines(self, name: str) -> Iterator[dict[str, Any]]:
        with (self.out_dir / name).open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)

    def finish(self, header: dict[str, Any]) -> dict[str, int]:
        entries, counts = [], {}
        for name in RESOURCES:
            path = self.out_dir / f"{name}{FILE_SUFFIX}"
            data = path.read_bytes()
            counts[name] = sum(1 for line in data.splitlines() if line.strip())
            entries.append(
                {
                    "path": path.name,
                    "bytes": len(data),
                    "records": counts[name],
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
        manifest = {**header, "files": entries}
        (self.out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        shutil.rmtree(self.work)
        return counts


def _steps(dump: _Dump, settings: CoreplusApiSettings) -> Iterator[Step]:
    """The extraction's steps in a fixed order; later steps are derived from files earlier steps wrote,
    so the sequence is the same when a resumed run recomputes it."""
    yield Step("locations", "locations", "/Location/", "locations")
    yield Step("practitioners", "practitioners", "/Practitioner/", "practitioners")
    yield Step("client list", f"{WORK_DIR}/{CLIENT_IDS_FILE}", "/Client/", "clients")
    for row in dump.lines(f"{WORK_DIR}/{CLIENT_IDS_FILE}"):
        client = str(row["clientId"])
        yield Step(f"client {client}", "clients", f"/Client/{client}", None)
        yield Step(
            f"family {client}",
            "client_family",
            "/ClientFamily/",
            "clientFamilies",
            (("clientId", client),),
            (("client_id", client),),
        )
    zones: dict[str, set[str]] = {}
    for location in dump.lines(f"locations{FILE_SUFFIX}"):
        zones.setdefault(str(location["timezone_id"]), set()).add(str(location["location_id"]))
    yield from appointment_steps(settings, zones)
    yield Step("invoices", "invoices", "/invoice/", "invoices")


def appointment_steps(settings: CoreplusApiSettings, zones: Mapping[str, set[str]]) -> Iterator[Step]:
    """One step per appointment window per time zone (`zones`: zone id → its location ids)."""
    for zone in sorted(zones):
        start = settings.appointments_from
        while start <= settings.appointments_to:
            end = min(start + dt.timedelta(days=settings.window_days - 1), settings.appointments_to)
            params = (("startDate", start.isoformat()), ("endDate", end.isoformat()), ("timezoneId", zone))
            yield Step(
                f"appointments {zone} {start}",
                "appointments",
                "/Appointment/",
                "appointments",
                params,
                (("timezone_id", zone),),
                frozenset(zones[zone]),
            )
            start = end + dt.timedelta(days=1)


def _file(step: Step) -> str:
    return step.resource if step.resource.startswith(WORK_DIR) else f"{step.resource}{FILE_SUFFIX}"


def dump_key(api_key: str) -> str:
    """A top-level API key as a dump column: snake_case (`medicareCardIRN` → `medicare_card_irn`), because
    the warehouse takes lower-case column names only; values and nested keys are kept as delivered."""
    return _WORD_BOUNDARY.sub("_", api_key).lower()


def _kept(step: Step, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if step.resource == f"{WORK_DIR}/{CLIENT_IDS_FILE}":
        return [{"clientId": r["clientId"]} for r in records]
    if step.keep_locations is not None:
        # A zone's window lists every location's appointments; each is kept in its own location's zone.
        records = [r for r in records if str(r.get("locationId")) in step.keep_locations]
    return [{**{dump_key(k): v for k, v in r.items()}, **dict(step.add)} for r in records]


def _phase(step: Step) -> str:
    """What a step's progress line is about: a client's record and family steps both move "clients"."""
    if step.resource == f"{WORK_DIR}/{CLIENT_IDS_FILE}":
        return "client_ids"
    return "clients" if step.resource == "client_family" else step.resource


def _start_phase(lines: ExtractionProgress, phase: str, dump: _Dump) -> None:
    if phase == "clients":  # one record and one family list per client: clients done of the ids listed
        lines.start(phase, sum(1 for _ in dump.lines(f"{WORK_DIR}/{CLIENT_IDS_FILE}")), unit="clients")
    else:  # appointments come in one list per window and zone: records and pages only
        lines.start(phase, listing_totals=phase != "appointments")


def extract(
    settings: CoreplusApiSettings,
    out_dir: Path,
    *,
    progress: Progress | None = None,
    lines: ExtractionProgress | None = None,
) -> ExtractSummary:
    """Extract the practice into `out_dir` (new, or holding a checkpoint to resume from).

    `progress(step key, page)` is called after each checkpoint; `lines` gets progress lines per resource
    (records and pages read, of paging.totalRows; 429s and back-off). Raises CoreplusApiError.
    """
    out_dir = Path(out_dir)
    dump = _Dump(out_dir)
    steps_done, pages_done, resumed = dump.start()
    lines = lines or ExtractionProgress("coreplus", ignore_lines)
    phase = None
    with CoreplusApi(settings) as api:
        lines.watch(lambda: (api.throttled, api.backoff_seconds))
        for index, step in enumerate(_steps(dump, settings)):
            if index < steps_done:
                continue
            if _phase(step) != phase:
                phase = _phase(step)
                _start_phase(lines, phase, dump)
            if step.list_key is None:
                dump.append(_file(step), _kept(step, [api.get(step.path)]))
                dump.checkpoint(index + 1, 0)
                lines.page(1)
                if progress:
                    progress(step.key, 1)
                continue
            for number, records, total in api.pages(step.path, step.list_key, dict(step.params), pages_done + 1):
                dump.append(_file(step), _kept(step, records))
                dump.checkpoint(index, number)
                if number == pages_done + 1:
                    lines.listing(step.key, total)
                lines.page(0 if phase == "clients" else len(records))
                if progress:
                    progress(step.key, number)
            dump.checkpoint(index + 1, 0)
            pages_done = 0
        lines.end()
        header = {
            "system": "coreplus",
            "extracted_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "appointments_from": settings.appointments_from.isoformat(),
            "appointments_to": settings.appointments_to.isoformat(),
        }
        counts = dump.finish(header)
        return ExtractSummary(out_dir, counts, api.requests, api.retries, resumed, api.throttled)
