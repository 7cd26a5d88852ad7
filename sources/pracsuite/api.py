"""Extract a PracSuite practice through its REST API into a dump folder, resumably; and its changes since.

research/sources-round2.md §2.5, docs.api.pracsuite.com: every request carries the vendor key
(`x-api-key`) and the clinic's account key (`A-api-key`); lists take `page` (>= 1) and `page_size`
(1..100), answer `{<list key>: [...], total_entries, links: {self, previous, next}}`, and the overview
asks clients to follow `links.next` rather than build page URLs; `q[]` filters include `updated` and
`created` timestamps; errors are `{error: {status, code, detail}, request_id}`.

The dump is the folder sources/pracsuite/settings.py describes. Extraction is one step per list
(settings.ENDPOINTS); after every page the written bytes are flushed and `.extract/checkpoint.json`
records the step, the `links.next` to continue from and every file's length. A killed extraction started
again truncates the files to the checkpoint and continues from that link: no gap, no duplicate.
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

from sources.api_client import PacedApiClient
from sources.pracsuite.settings import ENDPOINTS, FILE_SUFFIX, MANIFEST_FILE, RESOURCES, TOMBSTONES_FILE
from store.progress import ExtractionProgress, ignore_lines

DEFAULT_BASE_URL = "https://api.pracsuite.com/v1"  # §2.5
MAX_PAGE_SIZE = 100  # §2.5: page_size [1 .. 100]
# An error code as §2.5 shows them (`invalid_account_key`); anything else is not echoed.
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
# ASSUMED: no limit is documented; the emulator models 10 per second. The client paces below it: pacing at
# the limit itself races the server's one-second window (a request at 0.999 s counts in the old one).
REQUESTS_PER_SECOND = 8.0
# The high-water mark is the extraction's start less this overlap: a record changed while the previous
# extraction ran, or stamped by a server clock a little behind ours, is read again (harmless: replaced).
HIGH_WATER_OVERLAP = dt.timedelta(minutes=5)
WORK_DIR = ".extract"
CHECKPOINT_FILE = "checkpoint.json"
ENV_NAMES = ("VENDOR_KEY", "ACCOUNT_KEY")
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
Progress = Callable[[str, int], None]

# What a person does about each documented auth failure (codes as the emulator models them, README).
_AUTH_ADVICE = {
    "missing_api_key": "a key header was not sent: both the vendor key and the account key must be set",
    "invalid_api_key": "the vendor key (x-api-key, issued by Smartsoft) was refused: check it or ask Smartsoft",
    "invalid_account_key": (
        "the clinic's account key (A-api-key) was refused: the clinic may have revoked it; "
        "ask the clinic to create a new one in PracSuite"
    ),
}


class PracsuiteApiError(RuntimeError):
    """The API could not be read. Messages name the request's method and path, never a key, a query or a value."""


class PracsuiteNotFoundError(PracsuiteApiError):
    """404: the record (or list) is not there (e.g. deleted since its id was listed)."""


class PracsuiteAuthError(PracsuiteApiError):
    """401: a key is missing, or the vendor or account key was refused (not retried)."""


@dataclass(frozen=True)
class PracsuiteApiSettings:
    """Where the API is and the two keys (secrets come from the environment, see from_env)."""

    vendor_key: str
    account_key: str
    base_url: str = DEFAULT_BASE_URL
    ca_file: str | None = None
    page_size: int = MAX_PAGE_SIZE
    requests_per_second: float = REQUESTS_PER_SECOND
    max_attempts: int = 6
    backoff_seconds: float = 0.5

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE} (§2.5)")
        if not self.base_url.startswith("https://"):
            raise ValueError("base_url must be an https URL (TLS verification is never off)")

    @classmethod
    def from_env(cls, prefix: str, env: Mapping[str, str] | None = None, **settings: Any) -> PracsuiteApiSettings:
        """Keys from `<prefix>VENDOR_KEY` and `<prefix>ACCOUNT_KEY` (e.g. prefix "PM_ACME__PRACSUITE_"); a
        missing one is named, its value never shown."""
        source = os.environ if env is None else env
        missing = [prefix + n for n in ENV_NAMES if not source.get(prefix + n)]
        if missing:
            raise PracsuiteApiError(f"PracSuite keys missing from the environment: {', '.join(missing)}")
        return cls(vendor_key=source[prefix + "VENDOR_KEY"], account_key=source[prefix + "ACCOUNT_KEY"], **settings)


class PracsuiteApi(PacedApiClient):
    """GET with both keys, pacing, back-off on 429 (Retry-After honoured), 5xx and transport errors."""

    service = "PracSuite"
    error = PracsuiteApiError

    def __init__(self, settings: PracsuiteApiSettings, *, sleep: Callable[[float], None] = time.sleep) -> None:
        headers = {"x-api-key": settings.vendor_key, "A-api-key": settings.account_key, "Accept": "application/json"}
        super().__init__(settings, sleep=sleep, headers=headers, follow_redirects=False)
        self.settings = settings
        self._origin = httpx.URL(settings.base_url)

    def __enter__(self) -> PracsuiteApi:
        return self

    def url(self, segment: str, params: list[tuple[str, str]]) -> str:
        return str(httpx.URL(f"{self.settings.base_url.rstrip('/')}/{segment}", params=params))

    def get(self, url: str) -> dict[str, Any]:
        """One JSON object from an absolute URL on the API's own host (a `links.next` pointing anywhere
        else is refused: the keys must not travel to another host)."""
        target = httpx.URL(url)
        if (target.scheme, target.host, target.port) != (self._origin.scheme, self._origin.host, self._origin.port):
            raise PracsuiteApiError(f"GET {target.path}: a link to another host than the API's is not followed")
        shown = f"GET {target.path}"
        for attempt in self.attempts:
            self._pace()
            self.requests += 1
            wait = self._backoff(attempt)
            try:
                response = self._client.get(target)
            except httpx.TransportError as exc:
                failure = type(exc).__name__
            else:
                if response.status_code == 200:
                    return self._json_object(response, shown)
                code = _error(response)
                if response.status_code == 401:
                    advice = _AUTH_ADVICE.get(code, "the keys were refused")
                    raise PracsuiteAuthError(f"{shown}: 401 {code or 'unauthorised'}: {advice}")
                if response.status_code == 404:
                    raise PracsuiteNotFoundError(f"{shown}: HTTP 404 {code}".rstrip())
                if response.status_code != 429 and response.status_code < 500:
                    raise PracsuiteApiError(f"{shown}: HTTP {response.status_code} {code}".rstrip())
                failure = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After", "")
                self.throttled += response.status_code == 429
                if response.status_code == 429 and retry_after.isdigit():
                    wait = max(wait, float(retry_after))
            self._retry_or_give_up(attempt, shown, failure, wait)
        raise self._no_attempt(shown)

    def pages(self, url: str, list_key: str) -> Iterator[tuple[list[dict[str, Any]], str | None, int]]:
        """(records, links.next, total_entries) per page from `url`, following links.next to the end."""
        next_url: str | None = url
        followed: set[str] = set()
        while next_url:
            if next_url in followed:  # a server whose next link loops would page forever
                raise PracsuiteApiError(
                    f"GET {httpx.URL(next_url).path}: links.next points back to a page already read"
                )
            followed.add(next_url)
            body = self.get(next_url)
            records, links, total = body.get(list_key), body.get("links"), body.get("total_entries")
            if not isinstance(records, list) or not isinstance(links, dict) or not isinstance(total, int):
                raise PracsuiteApiError(
                    f"GET {httpx.URL(next_url).path}: answer without '{list_key}', links or total_entries"
                )
            next_url = links.get("next") or None
            if next_url and not records:
                raise PracsuiteApiError(f"GET {httpx.URL(next_url).path}: an empty page with a next link")
            yield records, next_url, total


def _error(response: httpx.Response) -> str:
    """The stable `code` of §2.5's error object. Its `detail` is the service's free text and is not repeated:
    an exception's text reaches Dagster, and a server's message may quote what it was asked for."""
    try:
        code = str((response.json().get("error") or {}).get("code") or "")
    except (ValueError, AttributeError):
        return ""
    return code if _ERROR_CODE.fullmatch(code) else "unrecognised_code"


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ExtractSummary:
    out_dir: Path
    records: dict[str, int]
    requests: int
    retries: int
    resumed: bool
    high_water_mark: str
    tombstones: dict[str, int] = field(default_factory=dict)
    # Delta: records listed now that neither the snapshot nor the changes hold (a full extraction's page
    # shifted past them when a record was deleted meanwhile), fetched one by one.
    recovered: dict[str, int] = field(default_factory=dict)
    # Records a page repeated (a record added meanwhile shifted it): written once.
    repeated: dict[str, int] = field(default_factory=dict)
    throttled: int = 0  # answers 429


class _Dump:
    """The dump folder and its checkpoint: append pages, flush, record sizes; truncate on resume."""

    def __init__(self, out_dir: Path, files: list[str]) -> None:
        self.out_dir = out_dir
        self.work = out_dir / WORK_DIR
        self.checkpoint_path = self.work / CHECKPOINT_FILE
        self.files = files

    def start(self, header: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """(checkpoint state, resumed?); a new folder gets empty files and a first checkpoint."""
        if self.checkpoint_path.exists():
            state = json.loads(self.checkpoint_path.read_text(encoding="utf-8"))
            for name, size in state["sizes"].items():
                with (self.out_dir / name).open("r+b") as handle:
                    handle.truncate(size)  # drops whatever was written after the last checkpoint
            return state, True
        if (self.out_dir / MANIFEST_FILE).exists():
            raise PracsuiteApiError(f"{self.out_dir}: already holds a complete dump (manifest.json present)")
        if self.out_dir.exists() and any(self.out_dir.iterdir()):
            raise PracsuiteApiError(f"{self.out_dir}: not empty and no checkpoint to resume from")
        self.work.mkdir(parents=True, exist_ok=True)
        for name in self.files:
            (self.out_dir / name).touch()
        state = {"header": header, "step": 0, "next": None}
        self.checkpoint(state)
        return state, False

    def append(self, name: str, records: list[dict[str, Any]]) -> None:
        with (self.out_dir / name).open("a", encoding="utf-8") as handle:
            handle.writelines(_ENCODER.encode(r) + "\n" for r in records)
            handle.flush()
            os.fsync(handle.fileno())

    def checkpoint(self, state: dict[str, Any]) -> None:
        state["sizes"] = {name: (self.out_dir / name).stat().st_size for name in self.files}
        temporary = self.checkpoint_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state))
        temporary.replace(self.checkpoint_path)

    def finish(self, header: dict[str, Any], counted: list[str]) -> dict[str, int]:
        entries, counts = [], {}
        for name in counted:
            path = self.out_dir / name
            data = path.read_bytes()
            counts[name] = sum(1 for line in data.splitlines() if line.strip())
            digest = hashlib.sha256(data).hexdigest()
            entries.append({"path": name, "bytes": len(data), "records": counts[name], "sha256": digest})
        manifest = {**header, "files": entries}
        (self.out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        shutil.rmtree(self.work)
        return counts


def _ids_file(resource: str) -> str:
    return f"{WORK_DIR}/{resource}.ids"


def _file_ids(path: Path, id_field: str) -> set[str]:
    if not path.exists():
        return set()
    with path.open(encoding="utf-8") as handle:
        return {str(json.loads(line)[id_field]) for line in handle if line.strip()}


def _run(
    settings: PracsuiteApiSettings,
    out_dir: Path,
    *,
    since: dt.datetime | None,
    known_ids: Mapping[str, set[str]] | None,
    progress: Progress | None,
    lines: ExtractionProgress | None = None,
) -> ExtractSummary:
    """Full extraction (since None) or the changes since `since`: records with `q[]=updated:>=since`, and,
    for each resource in `known_ids`, the ids the API lists now (to find deletions)."""
    out_dir = Path(out_dir)
    data_files = [f"{name}{FILE_SUFFIX}" for name, _segment, _key in ENDPOINTS]
    id_files = [_ids_file(name) for name in (known_ids or {})]
    dump = _Dump(out_dir, data_files + id_files)
    started = dt.datetime.now(dt.UTC)
    header = {
        "system": "pracsuite",
        "kind": "full" if since is None else "delta",
        "extracted_at": _stamp(started),
        "high_water_mark": _stamp(started - HIGH_WATER_OVERLAP),
        **({} if since is None else {"since": _stamp(since)}),
    }
    state, resumed = dump.start(header)
    steps: list[tuple[str, str, str, list[tuple[str, str]], bool]] = []
    for name, segment, key in ENDPOINTS:
        changed = [] if since is None else [("q[]", f"updated:>={_stamp(since)}")]
        steps.append((f"{name}{FILE_SUFFIX}", segment, key, changed, False))
        if known_ids is not None and name in known_ids:
            steps.append((_ids_file(name), segment, key, [], True))
    repeated: dict[str, int] = {}
    recovered: dict[str, int] = {}
    lines = lines or ExtractionProgress("pracsuite", ignore_lines)
    with PracsuiteApi(settings) as api:
        lines.watch(lambda: (api.throttled, api.backoff_seconds))
        for index, (file_name, segment, key, params, ids_only) in enumerate(steps):
            if index < state["step"]:
                continue
            start_url = state["next"] or api.url(
                segment, [*params, ("page", "1"), ("page_size", str(settings.page_size))]
            )
            name = file_name.split("/")[-1].split(".")[0]
            id_field = RESOURCES[name].key
            lines.start(f"{name}_ids" if ids_only else name)  # a delta lists every id to find deletions
            # Page links are page numbers: a record added while we page shifts the next page back by one,
            # repeating a record; it is written once (rebuilt from the file when resuming).
            seen = _file_ids(out_dir / file_name, "id" if ids_only else str(id_field))
            for number, (records, next_url, total) in enumerate(api.pages(start_url, key), start=1):
                fresh = [r for r in records if str(r.get(id_field)) not in seen]
                repeated[name] = repeated.get(name, 0) + len(records) - len(fresh)
                seen |= {str(r.get(id_field)) for r in fresh}
                kept = [{"id": r.get(id_field)} for r in fresh] if ids_only else fresh
                dump.append(file_name, kept)
                state.update(step=index if next_url else index + 1, next=next_url)
                dump.checkpoint(state)
                if number == 1:
                    lines.listing(file_name, total)
                lines.page(len(records))
                if progress:
                    progress(file_name, number)
        lines.end()
        tombstones: dict[str, int] = {}
        if known_ids is not None:
            lines = []
            segments = {name: segment for name, segment, _key in ENDPOINTS}
            for name, before in known_ids.items():
                now = _file_ids(out_dir / _ids_file(name), "id")
                data_file = out_dir / f"{name}{FILE_SUFFIX}"
                # A record listed now that neither the snapshot nor this delta holds was skipped by an earlier
                # extraction (a deletion shifted its page): fetched by id, so the gap closes here. Recomputed
                # from the file, so a resumed run does not fetch one twice.
                changed = _file_ids(data_file, str(RESOURCES[name].key))
                missing = sorted(now - before - changed, key=lambda v: (len(v), v))
                for record_id in missing:
                    try:
                        dump.append(data_file.name, [api.get(api.url(f"{segments[name]}/{record_id}", []))])
                    except PracsuiteNotFoundError:
                        continue  # deleted since it was listed: nothing to recover
                    recovered[name] = recovered.get(name, 0) + 1
                # A record changed (or created) and then deleted before its list was read again is gone too:
                # its tombstone keeps the merge from adding it.
                gone = sorted((before | changed) - now, key=lambda v: (len(v), v))
                tombstones[name] = len(gone)
                lines += [{"resource": name, "id": i, "kind": "deleted"} for i in gone]
            # Written whole (not appended): a run resumed after this point writes the same file again.
            (out_dir / TOMBSTONES_FILE).write_text("".join(_ENCODER.encode(t) + "\n" for t in lines), encoding="utf-8")
        counted = data_files + ([TOMBSTONES_FILE] if known_ids is not None else [])
        counts = dump.finish(state["header"], counted)
        records = {name.removesuffix(FILE_SUFFIX): n for name, n in counts.items() if name in data_files}
        return ExtractSummary(
            out_dir,
            records,
            api.requests,
            api.retries,
            resumed,
            state["header"]["high_water_mark"],
            tombstones,
            {k: v for k, v in recovered.items() if v},
            {k: v for k, v in repeated.items() if v},
            api.throttled,
        )


def extract(
    settings: PracsuiteApiSettings,
    out_dir: Path,
    *,
    progress: Progress | None = None,
    lines: ExtractionProgress | None = None,
) -> ExtractSummary:
    """Extract the whole practice into `out_dir` (new, or holding a checkpoint to resume from).

    `progress(file, page)` is called after each checkpoint; `lines` gets progress lines per list (records
    and pages read of total_entries, 429s and back-off). Raises PracsuiteApiError.
    """
    return _run(settings, out_dir, since=None, known_ids=None, progress=progress, lines=lines)


def extract_changes(
    settings: PracsuiteApiSettings,
    out_dir: Path,
    *,
    since: dt.datetime,
    known_ids: Mapping[str, set[str]],
    progress: Progress | None = None,
    lines: ExtractionProgress | None = None,
) -> ExtractSummary:
    """The records changed since `since` (`q[]=updated:>=`) and tombstones for the ids of `known_ids` the
    API no longer lists (no deleted-records list is documented: deletions are found by comparing id sets)."""
    return _run(settings, out_dir, since=since, known_ids=known_ids, progress=progress, lines=lines)


def changes_waiting(settings: PracsuiteApiSettings, since: str) -> int:
    """How many records changed since `since`: one request per list (`page_size=1`, its total_entries).
    Deletions are not counted: finding them needs every id (the delta itself does that)."""
    moment = dt.datetime.fromisoformat(since.replace("Z", "+00:00"))
    found = 0
    with PracsuiteApi(settings) as api:
        for _name, segment, key in ENDPOINTS:
            url = api.url(segment, [("q[]", f"updated:>={_stamp(moment)}"), ("page", "1"), ("page_size", "1")])
            for _records, _next, total in api.pages(url, key):
                found += total
                break
    return found
