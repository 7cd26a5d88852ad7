"""Extract a Cliniko account through its API into a dump folder: in full, or the changes since a time."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
import ssl
import time
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import urlsplit

import httpx

from sources.cliniko.api_settings import (
    ATTACHMENTS_RESOURCE,
    CLINIKO_API_LINK,
    DEFAULT_SHARD,
    MAIN_LIST,
    NESTED_LISTS,
    PUBLIC_SETTINGS_PATH,
    RATE_WINDOW_SECONDS,
    SETTINGS_PATH,
    SIDE_LISTS,
    SINGLE_OBJECTS,
    SOURCE_LIST_FIELD,
    WHOLE_LISTS,
    ClinikoApiSettings,
    base_url_for,
    shard_of,
)
from sources.cliniko.settings import ATTACHMENTS_DIR, FILE_SUFFIX, MANIFEST_FILE, RESOURCES
from store.files import private_dir, private_tree, safe_component
from store.progress import ExtractionProgress, ignore_lines

log = logging.getLogger(__name__)
Params = dict[str, Any] | Sequence[tuple[str, Any]] | None
Progress = Callable[[str, int], None]
TOMBSTONES_FILE = "tombstones.ndjson"
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_BACKOFF_SECONDS = 0.5  # first retry after a 5xx or a dropped connection, doubling (× time_scale)
_MAX_THROTTLED_IN_A_ROW = 50
_MAX_WAIT_SECONDS = 3600.0
_LISTING_ATTEMPTS = 3
_PROGRESS_EVERY = 100  # records
# Resources with no /deleted list (contacts, cases, communications, attachments, billable items…): a deletion is
# announced nowhere, so a delta finds it by comparing the ids a whole listing returns with the last snapshot's
# (issue 16 item 5; research/sources.md §2.4). The tombstone's `at` is null: when it went is not known.
ID_SET_RESOURCES: tuple[str, ...] = tuple(
    name
    for name in RESOURCES
    if name not in SINGLE_OBJECTS | WHOLE_LISTS and not any(side.kind == "deleted" for side in SIDE_LISTS.get(name, ()))
)


class ClinikoApiError(RuntimeError):
    """The API could not be read. Messages name the request (method and path), never the key or a query."""


class ClinikoAuthError(ClinikoApiError):
    """401 or 403: the key, its shard, the user's permissions or the User-Agent was refused."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ClinikoRequestError(ClinikoApiError):
    """Another 4xx: the request itself was refused (``status`` holds the code)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ClinikoUnavailableError(ClinikoApiError):
    """5xx answers, connection errors or 429s outlasted the retries."""


@dataclass
class ApiStats:
    """One client's counts: HTTP requests sent (retries included), 429s, pages, records, time spent."""

    requests: int = 0
    throttled: int = 0
    retries: int = 0
    pages: int = 0
    records: int = 0
    seconds: float = 0.0
    waited_seconds: float = 0.0
    backoff_seconds: float = 0.0  # of waited_seconds: after a 429, a 5xx or a dropped connection (not pacing)


@dataclass(frozen=True)
class ApiClock:
    """The client's sense of time: a monotonic clock for its own sliding window, epoch seconds to read
    X-RateLimit-Reset against, and how it waits. The default is the machine's; a test passes one that
    advances an emulator's manual clock instead of sleeping, so every wait is exact."""

    monotonic: Callable[[], float] = time.monotonic
    epoch: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


SYSTEM_CLOCK = ApiClock()


class ClinikoApi:
    """A synchronous HTTP/1.1 client: Basic auth, the mandatory User-Agent, paging, rate limit, retries."""

    def __init__(self, settings: ClinikoApiSettings, *, clock: ApiClock = SYSTEM_CLOCK) -> None:
        self.settings = settings
        self.base_url = base_url_for(settings)
        self._base = urlsplit(self.base_url)
        self._clock = clock
        self._sent: deque[float] = deque()
        self.stats = ApiStats()
        self.server_time: dt.datetime | None = None  # the Date of the latest response
        # Progress lines of the extraction using this client (none unless asked for): every page read moves them.
        self.lines = ExtractionProgress("cliniko", ignore_lines)
        context = httpx.create_ssl_context()  # public CAs; verification is never switched off (DESIGN §6)
        if settings.ca_file:
            context.load_verify_locations(cafile=settings.ca_file)
        self._client = httpx.Client(
            verify=context,
            auth=httpx.BasicAuth(settings.api_key, ""),  # §2.1: the key is the username, no password
            headers={"Accept": "application/json", "User-Agent": settings.user_agent},
            timeout=settings.timeout_seconds,
        )

    def __enter__(self) -> ClinikoApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def resolve(self, url_or_path: str) -> str:
        """An absolute URL on the API for a path or a link the API returned.

        Links name https://api.<shard>.cliniko.com/v1, or https://api.cliniko.com/v1 for au1 (the same service,
        guides/sharding.md); a link on the key's shard is re-based onto the base URL (the shard's host, or an
        emulator standing in for it). Any other host is refused: the key never leaves the API.

        Raises:
            ClinikoApiError: The URL is on another host.
        """
        if "://" not in url_or_path:
            return f"{self.base_url}/{url_or_path.lstrip('/')}"
        parts = urlsplit(url_or_path)
        if (parts.scheme, parts.netloc) == self._base[:2] and parts.path.startswith(self._base.path):
            return url_or_path
        match = CLINIKO_API_LINK.match(url_or_path)
        if match and (match.group(1) or DEFAULT_SHARD).lower() == shard_of(self.settings.api_key):
            return f"{self.base_url}/{match.group(2)}"
        raise ClinikoApiError(f"refusing to send the API key to {parts.netloc} (the API is at {self._base.netloc})")

    def _pace(self) -> None:
        """Client-side limit: at most requests_per_minute in any sliding window (research/sources.md §2.2)."""
        window = RATE_WINDOW_SECONDS * self.settings.time_scale
        monotonic = self._clock.monotonic
        while self._sent and monotonic() - self._sent[0] >= window:
            self._sent.popleft()
        if len(self._sent) >= self.settings.requests_per_minute:
            self._wait(self._sent.popleft() + window - monotonic())
        self._sent.append(monotonic())

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.stats.waited_seconds += seconds
            self._clock.sleep(seconds)

    def _throttle_wait(self, response: httpx.Response) -> float:
        """Until the limit resets: X-RateLimit-Reset (epoch seconds, §2.2) or Retry-After, the later one.

        A reset already past (the clocks differ) still means "not yet": back off briefly instead.
        """
        now = self._clock.epoch()
        waits = [
            _seconds(response.headers.get("x-ratelimit-reset"), now, epoch=True),
            _seconds(response.headers.get("retry-after"), now, epoch=False),
        ]
        wait = max((w for w in waits if w is not None), default=0.0)
        return min(wait if wait > 0 else _BACKOFF_SECONDS * self.settings.time_scale, _MAX_WAIT_SECONDS)

    def _retry(self, failures: int, shown: str, what: str) -> None:
        if failures > self.settings.max_retries:
            raise ClinikoUnavailableError(f"GET {shown}: {what} after {failures} attempts")
        self.stats.retries += 1
        self._back_off(_BACKOFF_SECONDS * self.settings.time_scale * 2 ** (failures - 1))

    def _back_off(self, seconds: float) -> None:
        self.stats.backoff_seconds += max(seconds, 0.0)
        self._wait(seconds)

    def _request(self, url: str, params: Params = None, *, follow_redirects: bool = False) -> httpx.Response:
        """GET under the limiter; 429 → wait for the reset and retry; 5xx and connection errors → bounded
        retries with exponential back-off; 401/403 and other 4xx → errors naming the problem."""
        shown = urlsplit(url).path  # never the query (filters) or the key
        failures = throttled = 0
        started = time.monotonic()
        try:
            while True:
                self._pace()
                self.stats.requests += 1
                try:
                    response = self._client.get(url, params=params, follow_redirects=follow_redirects)
                except httpx.TransportError as exc:
                    if _certificate_refused(exc):
                        raise ClinikoApiError(
                            f"GET {shown}: the TLS certificate of {self._base.netloc} is not trusted (verification "
                            "stays on; for an emulator set CLINIKO_CA_FILE to its CA file)"
                        ) from None
                    failures += 1
                    self._retry(failures, shown, type(exc).__name__)
                    continue
                self.server_time = _http_date(response.headers.get("date")) or self.server_time
                status = response.status_code
                if status == 429:
                    self.stats.throttled += 1
                    throttled += 1
                    if throttled > _MAX_THROTTLED_IN_A_ROW:
                        raise ClinikoUnavailableError(f"GET {shown}: still 429 after {throttled} waits")
                    self._back_off(self._throttle_wait(response))
                elif status >= 500:
                    failures += 1
                    self._retry(failures, shown, f"HTTP {status}")
                elif status in (401, 403):
                    raise ClinikoAuthError(_auth_message(status, shown, self._base.netloc), status)
                elif status >= 400:
                    raise ClinikoRequestError(f"GET {shown}: HTTP {status}: {_server_message(response)}", status)
                else:
                    return response
        finally:
            self.stats.seconds += time.monotonic() - started

    def get_json(self, path: str, params: Params = None) -> dict[str, Any]:
        """One JSON object, e.g. ``GET /settings``."""
        body = _json_object(self._request(self.resolve(path), params), path)
        self.stats.records += 1
        return body

    def get_bytes(self, url_or_path: str) -> bytes:
        """A download, e.g. an attachment's ``content`` link (redirects followed; httpx drops the
        credentials when a redirect leaves the API's host)."""
        return self._request(self.resolve(url_or_path), follow_redirects=True).content

    def get_pages(self, path: str, params: Params = None) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list, following ``links.next`` exactly as given (it keeps the filters, §2.3).

        ``per_page`` defaults to the settings' (100). Raises the ClinikoApiError subclasses.
        """
        for records, _total in self.pages_with_totals(path, params):
            yield records

    def pages_with_totals(self, path: str, params: Params = None) -> Iterator[tuple[list[dict[str, Any]], int | None]]:
        """Like get_pages, with each page's ``total_entries`` (it changes if the list changes while paging)."""
        query = list(params.items()) if isinstance(params, dict) else list(params or [])
        if all(name != "per_page" for name, _ in query):
            query.append(("per_page", self.settings.per_page))
        url: str | None = self.resolve(path)
        first = True
        while url is not None:
            body = _json_object(self._request(url, query if first else None), path)
            records = next((v for k, v in body.items() if k != "links" and isinstance(v, list)), None)
            if records is None:
                raise ClinikoApiError(f"GET {urlsplit(url).path}: the response holds no list of records")
            self.stats.pages += 1
            self.stats.records += len(records)
            total = body.get("total_entries")
            total = total if isinstance(total, int) else None
            if first:
                self.lines.listing(path, total)
            self.lines.page(len(records))
            first = False
            yield records, total
            following = (body.get("links") or {}).get("next")
            url = self.resolve(following) if following else None


def _certificate_refused(exc: BaseException) -> bool:
    """Whether a transport error is a refused certificate (retrying cannot help)."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _http_date(value: str | None) -> dt.datetime | None:
    try:
        return parsedate_to_datetime(value).astimezone(dt.UTC) if value else None
    except (TypeError, ValueError):
        return None


def _seconds(value: str | None, now: float, *, epoch: bool) -> float | None:
    """Seconds from ``now`` (epoch seconds) of an epoch timestamp (X-RateLimit-Reset) or of Retry-After
    (seconds or HTTP date)."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        moment = _http_date(value)
        return moment.timestamp() - now if moment else None
    return number - now if epoch else number


def _json_object(response: httpx.Response, path: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise ClinikoApiError(f"GET {path}: the response is not JSON") from None
    if not isinstance(body, dict):
        raise ClinikoApiError(f"GET {path}: expected a JSON object")
    return body


def _server_message(response: httpx.Response) -> str:
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return str(message)[:200] if message else "(no message)"


def _auth_message(status: int, path: str, host: str) -> str:
    if status == 401:
        return (
            f"GET {path}: 401 Unauthorized from {host}: Cliniko did not accept the API key. Check the key "
            "(CLINIKO_API_KEY) and that its shard suffix (e.g. '-au2') is the account's shard."
        )
    return (
        f"GET {path}: 403 Forbidden from {host}: the key's user may lack permission for this resource (use an "
        "administrator's key for a full export), or the User-Agent was refused (it must be 'APP (contact email)')."
    )


class _DumpWriter:
    """``<resource>.ndjson`` (one record per line, compact JSON, de-duplicated by id), attachments, manifest."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        if self.out_dir.exists() and (not self.out_dir.is_dir() or any(self.out_dir.iterdir())):
            raise ValueError(f"{self.out_dir}: not empty (an extract never mixes with other files)")
        # Files are written next to out_dir and moved into place by finish(): a failed extract never leaves
        # a half-written dump where a reader would find it (DESIGN §6). Leftovers of a killed process go.
        self.work_dir = self.out_dir.parent / f".{self.out_dir.name}.partial"
        if self.work_dir.exists():
            shutil.rmtree(self.work_dir)
        private_dir(self.work_dir)  # patient data: owner-only (issue 15 item 9)
        self._files: dict[str, dict[str, Any]] = {}
        self._open: dict[str, tuple[IO[bytes], Any]] = {}
        self.seen: dict[str, set[str]] = {r: set() for r in RESOURCES}
        self.attachments: list[dict[str, Any]] = []  # patient_attachments records, for their downloads
        # One parent record whose nested list could not be read: {"resource", "id", "list", "status"}.
        self.sub_resource_errors: list[dict[str, Any]] = []
        for resource in RESOURCES:
            self._start(f"{resource}{FILE_SUFFIX}")

    def _start(self, name: str) -> None:
        self._open[name] = ((self.work_dir / name).open("wb"), hashlib.sha256())
        self._files[name] = {"path": name, "bytes": 0, "sha256": "", "records": 0}

    def _line(self, name: str, value: dict[str, Any]) -> None:
        data = (_ENCODER.encode(value) + "\n").encode("utf-8")
        handle, digest = self._open[name]
        handle.write(data)
        digest.update(data)
        self._files[name]["bytes"] += len(data)
        self._files[name]["records"] += 1

    def write(self, resource: str, record: dict[str, Any]) -> bool:
        """Append a record unless its id was written already; True when written."""
        key = str(record.get("id", len(self.seen[resource])))
        if key in self.seen[resource]:
            return False
        self.seen[resource].add(key)
        self._line(f"{resource}{FILE_SUFFIX}", record)
        if resource == ATTACHMENTS_RESOURCE:
            self.attachments.append(record)
        return True

    def count(self, resource: str) -> int:
        return int(self._files[f"{resource}{FILE_SUFFIX}"]["records"])

    def plain_file(self, name: str, lines: list[dict[str, Any]]) -> None:
        """An NDJSON file listed in the manifest without a record count (not a resource the reader loads)."""
        self._start(name)
        for line in lines:
            self._line(name, line)
        del self._files[name]["records"]

    def attachment(self, record_id: str, filename: str, data: bytes) -> None:
        relative = f"{ATTACHMENTS_DIR}/{record_id}/{filename}"
        path = self.work_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self._files[relative] = {"path": relative, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    def finish(self, header: dict[str, Any]) -> Path:
        """Close every file, write manifest.json (sorted paths, bytes, sha256, records), move the folder into place."""
        self.close()
        for name, (_handle, digest) in self._open.items():
            self._files[name]["sha256"] = digest.hexdigest()
        manifest = {**header, "files": [self._files[k] for k in sorted(self._files)]}
        (self.work_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        private_tree(self.work_dir)
        if self.out_dir.exists():
            self.out_dir.rmdir()  # empty, checked in __init__
        self.work_dir.rename(self.out_dir)
        return self.out_dir / MANIFEST_FILE

    def close(self) -> None:
        for handle, _digest in self._open.values():
            handle.close()

    def discard(self) -> None:
        """After a failure: close and remove the working folder (no partial copy of patient data lingers)."""
        self.close()
        shutil.rmtree(self.work_dir, ignore_errors=True)


@dataclass(frozen=True)
class ExtractSummary:
    """What a full extraction wrote (counts and ids, never values); ``high_water_mark`` starts the deltas."""

    out_dir: Path
    manifest: Path
    records: dict[str, int]
    attachments: int
    attachment_bytes: int
    missing_attachments: tuple[str, ...]
    deleted_without_payload: dict[str, int]
    high_water_mark: dt.datetime
    stats: ApiStats = field(repr=False)
    settings_read_from: str = SETTINGS_PATH
    attachments_processing: tuple[str, ...] = ()
    sub_resource_errors: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class DeltaSummary:
    """What a delta wrote: changed records and tombstones per kind in [since, high_water_mark)."""

    out_dir: Path
    manifest: Path
    since: dt.datetime
    high_water_mark: dt.datetime
    records: dict[str, int]
    tombstones: dict[str, int]
    refetched_whole: tuple[str, ...]
    attachments: int
    missing_attachments: tuple[str, ...]
    stats: ApiStats = field(repr=False)
    settings_read_from: str = SETTINGS_PATH
    attachments_processing: tuple[str, ...] = ()
    sub_resource_errors: tuple[dict[str, Any], ...] = ()


def _nested_records(
    api: ClinikoApi,
    dump: _DumpWriter,
    resource: str,
    parent_ids: list[str],
    params: list[tuple[str, str]],
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> set[str]:
    """Write `resource` read per parent (``/<parent>/<id>/<resource>``), only the records `keep` accepts when
    given; returns the ids read. A 404 for one parent (deleted while the pass ran, or a list the account does
    not serve for it) is recorded against that parent in ``dump.sub_resource_errors`` and the pass goes on;
    other errors end it."""
    parent = NESTED_LISTS[resource]
    seen: set[str] = set()
    for parent_id in parent_ids:
        try:
            for record in _listing(api, f"{parent}/{parent_id}/{resource}", params):
                seen.add(str(record.get("id")))
                if keep is None or keep(record):
                    dump.write(resource, record)
        except ClinikoRequestError as exc:
            if exc.status != 404:
                raise
            dump.sub_resource_errors.append({"resource": parent, "id": parent_id, "list": resource, "status": 404})
            log.warning(
                "cliniko: /%s/{id}/%s: 404 for one %s record; recorded, the pass goes on", parent, resource, parent
            )
    return seen


def _set_aside_processing(dump: _DumpWriter) -> list[str]:
    """Ids of the attachments Cliniko is still processing, taken out of this pass's downloads.

    Such a record has ``processing_completed`` false and no filename or size yet (redguava/cliniko-api
    sections/patient_attachments.md), so there are no bytes to fetch. Its record is in the dump and its id in
    the manifest's ``attachments_processing`` (reported, not lost); a later delta that reads the record again
    once it is complete downloads the bytes. The documentation does not say whether completing touches
    ``updated_at``; a full extraction reads them again in any case.
    """
    processing = [r for r in dump.attachments if r.get("processing_completed") is False]
    dump.attachments[:] = [r for r in dump.attachments if r.get("processing_completed") is not False]
    if processing:
        log.warning("cliniko: %d attachments still processing; their bytes are left to a later pass", len(processing))
    return [str(r["id"]) for r in processing]


def _single_objects(api: ClinikoApi, dump: _DumpWriter) -> str:
    """Write the settings object; return the path it was read from.

    ``GET /settings`` "is only accessible to users with a role that can view settings"; ``GET
    /settings/public`` to any user (redguava/cliniko-api sections/settings.md). A key without that role reads
    the public settings — their example shows the same sections, the patient custom field definitions
    included — and the customer's configuration supplies the practice's country and time zone as always. The
    manifest and the summary say which was read; a key refused on both still fails.
    """
    try:
        dump.write("settings", api.get_json(SETTINGS_PATH))
        return SETTINGS_PATH
    except ClinikoAuthError as exc:
        if exc.status != 403:  # 401: the key itself was refused; the public settings would be too
            raise
        log.warning(
            "cliniko: /%s refused for this key's role; reading /%s instead", SETTINGS_PATH, PUBLIC_SETTINGS_PATH
        )
    dump.write("settings", api.get_json(PUBLIC_SETTINGS_PATH))
    return PUBLIC_SETTINGS_PATH


def _whole_list(api: ClinikoApi, dump: _DumpWriter, resource: str) -> None:
    """Write every record of a list that has no id, timestamps or filters (WHOLE_LISTS), unfiltered: a record
    made after the pass began may be in it (it has no created_at to leave it out by)."""
    for records in api.get_pages(resource):
        for record in records:
            dump.write(resource, record)
    log.info("cliniko: %s: %d records (read whole)", resource, dump.count(resource))


def _z(moment: dt.datetime) -> str:
    """A Cliniko DateTime filter value: UTC, whole seconds, Z (research/sources.md §2.4)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _floor(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(dt.UTC) if moment.tzinfo else None


def _cutoff(api: ClinikoApi) -> dt.datetime:
    """The server's clock (its Date header, whole seconds) as a pass starts. A pass reads what changed
    before it and the next pass starts there, so passes tile without gaps or repeats (a high-water mark
    taken from the records' own max updated_at would lose or repeat same-second changes). Without a Date
    header the local clock stands in."""
    return _floor(api.server_time or dt.datetime.now(dt.UTC))


def _with_origin(resource: str, record: dict[str, Any], view: str) -> dict[str, Any]:
    """The record with the list it was read from (SOURCE_LIST_FIELD), for resources that have side lists."""
    if not any(side.kind != "deleted" for side in SIDE_LISTS.get(resource, ())):
        return record
    return {**record, SOURCE_LIST_FIELD: view or MAIN_LIST}


def _listing(api: ClinikoApi, path: str, params: list[tuple[str, str]]) -> Iterator[dict[str, Any]]:
    """Every record of a list, ordered by created_at then id (both immutable, so updates do not move records).

    Pages are offsets: a record leaving the list mid-way (deleted, archived, updated out of a delta window)
    would shift the next page and hide another record. The time cut-off keeps records from entering, so any
    shift shows as a changed total_entries, and the list is read again (callers de-duplicate by id).
    """
    for attempt in range(1, _LISTING_ATTEMPTS + 1):
        totals: set[int | None] = set()
        for records, total in api.pages_with_totals(path, [*params, ("sort", "created_at,id")]):
            totals.add(total)
            yield from records
        if len(totals) <= 1:
            return
        log.info("cliniko: /%s changed while paging (attempt %d); reading it again", path, attempt)
    log.warning("cliniko: /%s kept changing while paging (%d attempts)", path, _LISTING_ATTEMPTS)


def _download_attachments(api: ClinikoApi, dump: _DumpWriter) -> tuple[int, list[str]]:
    """Each attachment's bytes through its content link into attachments/<id>/<filename>; 404s are listed."""
    size, missing = 0, []
    api.lines.start(ATTACHMENTS_DIR, len(dump.attachments), unit="files")
    for record in dump.attachments:
        written = _download_attachment(api, dump, record)
        if written is None:
            missing.append(str(record["id"]))
        size += written or 0
        api.lines.page(1, pages=0)
    return size, missing


def _download_attachment(api: ClinikoApi, dump: _DumpWriter, record: dict[str, Any]) -> int | None:
    """One attachment's bytes into attachments/<id>/<filename>: its size, or None when it is not there."""
    record_id = str(record["id"])
    if not safe_component(record_id):
        # An id that is not one plain name would place the file outside attachments/ (issue 15 item 1):
        # not downloaded; staging rejects the record (dump_path: unsafe_path).
        return None
    link = ((record.get("content") or {}).get("links") or {}).get("self")
    try:
        data = api.get_bytes(link if isinstance(link, str) else f"patient_attachments/{record_id}/content")
    except ClinikoRequestError as exc:
        if exc.status != 404:
            raise
        return None
    name = PurePosixPath(str(record.get("filename") or "")).name  # never a path out of its folder
    dump.attachment(record_id, name if safe_component(name) else f"attachment-{record_id}", data)
    return len(data)


def _header(kind: str, api: ClinikoApi, high_water_mark: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {
        "system": "cliniko",
        "format_version": 1,
        "source": "api",
        "kind": kind,
        "shard": shard_of(api.settings.api_key),
        "extracted_at": _z(dt.datetime.now(dt.UTC)),
        "high_water_mark": _z(high_water_mark),
        **extra,
    }


def _reporting(api: ClinikoApi, lines: ExtractionProgress | None) -> ExtractionProgress:
    """The extraction's progress lines (none when not asked for), moved by every page the client reads."""
    if lines is not None:
        api.lines = lines
    api.lines.watch(lambda: (api.stats.throttled, api.stats.backoff_seconds))
    return api.lines


def extract_full(
    settings: ClinikoApiSettings,
    out_dir: Path,
    *,
    progress: Progress | None = None,
    clock: ApiClock = SYSTEM_CLOCK,
    lines: ExtractionProgress | None = None,
) -> ExtractSummary:
    """Read every resource of sources/cliniko/settings.RESOURCES into a dump folder.

    Each resource's main list and the lists it leaves out (archived patients and appointment types,
    inactive practitioners; never deleted records) go to ``<resource>.ndjson``
    exactly as the API returned them; attachments to ``attachments/<id>/<filename>``; ``manifest.json``
    lists every file (path, bytes, sha256, records). Records created after the pass began are left to the
    first delta, whose ``since`` is the returned ``high_water_mark``. The files are written to a hidden
    sibling folder (``.<name>.partial``) and moved to ``out_dir`` once complete; a failed extract removes
    it, leaving nothing a reader could take for a dump (nor a stray copy of patient data).

    Args:
        settings: The account (key from the environment) and the client's limits.
        out_dir: An empty or missing folder.
        progress: Called as progress(resource, records written so far).
        clock: How the client tells and waits out time (tests: an emulator's manual clock).
        lines: Progress lines per resource (records and pages read, of the API's total_entries; 429s).

    Returns:
        Counts per resource, attachments, the high-water mark and the client's statistics.

    Raises:
        ClinikoApiError: The API refused or failed (the message names the request, never the key).
        ValueError: ``out_dir`` is not empty.
    """
    dump = _DumpWriter(out_dir)
    skipped: Counter[str] = Counter()
    try:
        with ClinikoApi(settings, clock=clock) as api:
            reporting = _reporting(api, lines)
            settings_read = _single_objects(api, dump)
            until = _cutoff(api)
            for resource in RESOURCES:
                if resource in SINGLE_OBJECTS:
                    continue
                # A nested resource is a list per parent record: no total to add up, records and pages only.
                reporting.start(resource, listing_totals=resource not in NESTED_LISTS)
                if resource in NESTED_LISTS:
                    parents = sorted(dump.seen[NESTED_LISTS[resource]])
                    _nested_records(api, dump, resource, parents, [("q[]", f"created_at:<{_z(until)}")])
                    continue
                if resource in WHOLE_LISTS:
                    _whole_list(api, dump, resource)
                    continue
                # Deleted records are not the practice's data any more: a full extract leaves them out
                # (deltas report them as tombstones), as a practice's own export does.
                views = [s.view for s in SIDE_LISTS.get(resource, ()) if not s.in_main and s.kind != "deleted"]
                for view in ["", *views]:
                    path = f"{resource}/{view}".rstrip("/")
                    for record in _listing(api, path, [("q[]", f"created_at:<{_z(until)}")]):
                        if record.get("id") is None:
                            skipped[resource] += 1  # a deleted patient comes back as a link only (§2.4)
                        elif (
                            dump.write(resource, _with_origin(resource, record, view))
                            and progress
                            and dump.count(resource) % _PROGRESS_EVERY == 0
                        ):
                            progress(resource, dump.count(resource))
                if progress:
                    progress(resource, dump.count(resource))
                log.info("cliniko extract: %s: %d records", resource, dump.count(resource))
            processing = _set_aside_processing(dump)
            size, missing = _download_attachments(api, dump)
            reporting.end()
            manifest = dump.finish(
                _header(
                    "full",
                    api,
                    until,
                    missing_attachments=missing,
                    attachments_processing=processing,
                    settings_read_from=settings_read,
                    sub_resource_errors=dump.sub_resource_errors,
                )
            )
    except BaseException:
        dump.discard()
        raise
    counts = {r: dump.count(r) for r in RESOURCES}
    found = len(dump.attachments) - len(missing)
    return ExtractSummary(
        Path(out_dir),
        manifest,
        counts,
        found,
        size,
        tuple(missing),
        dict(skipped),
        until,
        api.stats,
        settings_read,
        tuple(processing),
        tuple(dump.sub_resource_errors),
    )


def extract_changes(
    settings: ClinikoApiSettings,
    out_dir: Path,
    *,
    since: dt.datetime,
    until: dt.datetime | None = None,
    progress: Progress | None = None,
    known_ids: Mapping[str, Collection[str]] | None = None,
    lines: ExtractionProgress | None = None,
) -> DeltaSummary:
    """Read what changed in [since, until) into a dump folder the same reader loads (delta pickup, §2.4).

    Every resource that filters on updated_at (all of RESOURCES but ``settings``) is read with
    ``q[]=updated_at:>=since`` and ``q[]=updated_at:<until``, from its main list and from the lists the main
    one leaves out (archived, inactive). ``settings`` has no updated_at filter and is re-fetched whole.
    Tombstones go to ``tombstones.ndjson``, one ``{"resource", "id", "kind", "at"}`` per line: deleted
    records from every /deleted list (read whole and filtered on deleted_at here: no /deleted list filters
    on it and deleting need not touch updated_at), archived ones (archived_at in the window) and cancelled
    ones (the ``cancelled_at`` filter where §2.7 offers it, else updated_at). New attachments are downloaded.
    A resource of ID_SET_RESOURCES (no /deleted list) given in ``known_ids`` is read whole instead, its records
    changed in the window written, and every known id the listing no longer returns is a ``deleted`` tombstone
    with ``at`` null. Like extract_full, the folder appears at ``out_dir`` only when complete.

    Args:
        settings: The account and the client's limits.
        out_dir: An empty or missing folder.
        since: Start of the window (timezone-aware): the previous pass's high_water_mark.
        until: End of the window (exclusive); default: the server's clock as this pass starts, so the next
            pass (since = the returned high_water_mark) neither misses nor repeats a change.
        progress: Called as progress(resource, records written so far).
        known_ids: Per resource, the ids the last snapshot holds (sources/cliniko/snapshots.py passes them);
            without them deletions from resources with no /deleted list go undetected.
        lines: Progress lines per resource, as extract_full's.

    Returns:
        Counts per resource, tombstones per kind and the high-water mark for the next pass.

    Raises:
        ClinikoApiError: The API refused or failed. ValueError: a naive datetime or a non-empty out_dir.
    """
    if since.tzinfo is None or (until is not None and until.tzinfo is None):
        raise ValueError("since and until must be timezone-aware (UTC)")
    start = _floor(since)
    dump = _DumpWriter(out_dir)
    tombstones: list[dict[str, Any]] = []
    try:
        with ClinikoApi(settings) as api:
            reporting = _reporting(api, lines)
            settings_read = _single_objects(api, dump)
            end = max(_floor(until) if until else _cutoff(api), start)
            for resource in RESOURCES:
                if resource not in SINGLE_OBJECTS:
                    reporting.start(resource, listing_totals=resource not in NESTED_LISTS)
                if resource in ID_SET_RESOURCES and known_ids is not None and resource in known_ids:
                    tombstones += _changes_by_id_set(api, dump, resource, start, end, known_ids[resource])
                elif resource in WHOLE_LISTS:
                    _whole_list(api, dump, resource)
                elif resource not in SINGLE_OBJECTS:
                    tombstones += _resource_changes(api, dump, resource, start, end)
                    if progress:
                        progress(resource, dump.count(resource))
            dump.plain_file(TOMBSTONES_FILE, tombstones)
            processing = _set_aside_processing(dump)
            _size, missing = _download_attachments(api, dump)
            reporting.end()
            manifest = dump.finish(
                _header(
                    "delta",
                    api,
                    end,
                    since=_z(start),
                    missing_attachments=missing,
                    attachments_processing=processing,
                    settings_read_from=settings_read,
                    sub_resource_errors=dump.sub_resource_errors,
                )
            )
    except BaseException:
        dump.discard()
        raise
    counts = {r: dump.count(r) for r in RESOURCES}
    kinds = dict(Counter(str(t["kind"]) for t in tombstones))
    found = len(dump.attachments) - len(missing)
    whole = tuple(sorted(SINGLE_OBJECTS | WHOLE_LISTS))
    return DeltaSummary(
        Path(out_dir),
        manifest,
        start,
        end,
        counts,
        kinds,
        whole,
        found,
        tuple(missing),
        api.stats,
        settings_read,
        tuple(processing),
        tuple(dump.sub_resource_errors),
    )


def _resource_changes(
    api: ClinikoApi, dump: _DumpWriter, resource: str, start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    """Write one resource's records changed in [start, end); return its tombstones."""

    def window(name: str) -> list[tuple[str, str]]:
        return [("q[]", f"{name}:>={_z(start)}"), ("q[]", f"{name}:<{_z(end)}")]

    if resource in NESTED_LISTS:
        _nested_records(api, dump, resource, _parent_ids(api, resource), window("updated_at"))
        return []  # no /deleted list: deletions show by id set (_changes_by_id_set) when known ids are given
    for record in _listing(api, resource, window("updated_at")):
        dump.write(resource, _with_origin(resource, record, ""))
    found: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()  # a list read again after it changed while paging repeats records
    for side in SIDE_LISTS.get(resource, ()):
        for record in _listing(api, f"{resource}/{side.view}", window(side.delta_filter) if side.delta_filter else []):
            at = record.get(side.stamp) if side.stamp else None
            moment = _instant(at)
            inside = moment is not None and start <= moment < end
            if side.delta_filter is None and not inside:
                continue  # a /deleted list read whole: only this window's deletions
            if not side.in_main and side.kind != "deleted" and record.get("id") is not None:
                # archived / cancelled / inactive records stay data; deleted ones are tombstones
                dump.write(resource, _with_origin(resource, record, side.view))
            link = (record.get("links") or {}).get("self")  # a deleted patient has only its link (§2.4)
            record_id = record.get("id") or (link.rstrip("/").rsplit("/", 1)[-1] if isinstance(link, str) else None)
            if side.kind and inside and record_id is not None and (side.kind, str(record_id)) not in seen:
                seen.add((side.kind, str(record_id)))
                found.append({"resource": resource, "id": str(record_id), "kind": side.kind, "at": at})
    log.info("cliniko delta: %s: %d records, %d tombstones", resource, dump.count(resource), len(found))
    return found


def _parent_ids(api: ClinikoApi, resource: str) -> list[str]:
    """The ids of every parent of a nested resource, from the parent's main and side lists."""
    parent = NESTED_LISTS[resource]
    views = [s.view for s in SIDE_LISTS.get(parent, ()) if s.kind != "deleted"]
    return sorted({str(r["id"]) for view in ["", *views] for r in _listing(api, f"{parent}/{view}".rstrip("/"), [])})


def _changes_by_id_set(
    api: ClinikoApi, dump: _DumpWriter, resource: str, start: dt.datetime, end: dt.datetime, known: Collection[str]
) -> list[dict[str, Any]]:
    """A resource with no /deleted list, read whole: write its records changed in [start, end), return its
    tombstones — side-list ones as _resource_changes does, and a ``deleted`` one (``at`` null) for every known
    id no list returns any more. A 404 on one parent's nested list leaves that resource without id-set
    tombstones this pass (its children were not all read), so nothing is dropped on a failed read."""

    def inside(value: Any) -> bool:
        moment = _instant(value)
        return moment is not None and start <= moment < end

    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    errors_before = len(dump.sub_resource_errors)
    if resource in NESTED_LISTS:
        seen = _nested_records(
            api, dump, resource, _parent_ids(api, resource), [], keep=lambda r: inside(r.get("updated_at"))
        )
    else:
        for side in (None, *SIDE_LISTS.get(resource, ())):
            view = side.view if side else ""
            for record in _listing(api, f"{resource}/{view}".rstrip("/"), []):
                record_id = str(record.get("id"))
                if record_id in seen:
                    continue  # a list read again after it changed while paging repeats records
                seen.add(record_id)
                if inside(record.get("updated_at")):
                    dump.write(resource, _with_origin(resource, record, view))
                if side is not None and side.kind and side.stamp and inside(record.get(side.stamp)):
                    found.append({"resource": resource, "id": record_id, "kind": side.kind, "at": record[side.stamp]})
    if len(dump.sub_resource_errors) > errors_before:
        log.warning("cliniko delta: %s: a list could not be read whole; no id-set tombstones this pass", resource)
        return found
    gone = sorted(set(map(str, known)) - seen)
    found += [{"resource": resource, "id": record_id, "kind": "deleted", "at": None} for record_id in gone]
    log.info("cliniko delta: %s: %d records, %d gone from the id set", resource, dump.count(resource), len(gone))
    return found
