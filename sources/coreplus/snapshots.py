"""A Core Plus practice taken through its API as numbered dump snapshots, in the layout of Cliniko's
(sources/cliniko/snapshots.py): `snapshots/0001` the first full extraction, then per delta pass
`deltas/NNNN` (what changed: records and tombstones.ndjson) and `snapshots/NNNN` (the practice as it is).

The API has no "modified since" filter and no list of deleted records (research/sources-round2.md §2.3),
so a delta pass is a re-read: every appointment window again, the client list again with each client's
record, and the other lists. The delta is the difference to the previous snapshot by each resource's key:
a record whose bytes differ, or whose id is new, is changed; an id the previous snapshot held and the
re-read lacks gets a `deleted` tombstone (clients and every other resource: an id-set comparison). The
new snapshot is the re-read itself, which equals the previous one with the delta applied.

A snapshot's high-water mark is `<extracted at>#<listing fingerprint>`: a digest of the list answers
(locations, practitioners, the client list's summary fields, every appointment window, invoices) read
just before the extraction. The delta sensor's probe (`changes_waiting`) reads the lists again and
compares digests; a change visible only in a client's full record (`GET /Client/{id}`: an address, a
Medicare number) does not change the digest, so it waits for the next pass that runs for another reason.
Reading the lists before the extraction errs on the safe side: a change made during the extraction is in
the snapshot and also wakes the sensor once more.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from customers.home import SNAPSHOTS_DIR, latest_snapshot
from sources.cliniko.api import TOMBSTONES_FILE

# The snapshot layout and result are Cliniko's (the same folders, read by the same raw layer); the file
# helpers every API source shares are sources/snapshot_files.py's.
from sources.cliniko.snapshots import SnapshotResult
from sources.coreplus.api import CHECKPOINT_FILE, WORK_DIR, CoreplusApi, CoreplusApiSettings, appointment_steps, extract
from sources.coreplus.export import copy_export
from sources.coreplus.location import CoreplusApiSource
from sources.coreplus.settings import FILE_SUFFIX, MANIFEST_FILE, RESOURCES
from sources.snapshot_files import (
    DELTAS_DIR,
    ManifestedLineFile,
    fresh_folder,
    high_water_mark,
    next_snapshot_number,
    nonblank_lines,
)
from store.files import private_dir, private_tree
from store.progress import ExtractionProgress

MARK_SEPARATOR = "#"
FINGERPRINT_SUFFIX = ".fingerprint"  # beside a partial snapshot: the digest taken before its extraction
_LISTS = (("/Location/", "locations"), ("/Practitioner/", "practitioners"), ("/Client/", "clients"))


def settings_for(
    source: CoreplusApiSource, env: Mapping[str, str] | None = None, **overrides: object
) -> CoreplusApiSettings:
    """Client settings from a customer's `source.<run kind>` API entry; the credentials from the environment
    variables it names.

    Raises:
        KeyError: a variable is not set (the message names the variables, never a value).
    """
    values = os.environ if env is None else env
    names = (source.consumer_id_env, source.consumer_secret_env, source.access_token_env)
    missing = [name for name in names if not values.get(name)]
    if missing:
        raise KeyError(f"{', '.join(missing)} not set (the Core Plus add-on credentials of this customer)")
    consumer_id, secret, token = (values[name] for name in names)
    settings: dict[str, object] = {
        "base_url": source.base_url,
        "consumer_id": consumer_id,
        "consumer_secret": secret,
        "access_token": token,
        "appointments_from": source.appointments_from,
        "appointments_to": source.appointments_to,
        "window_days": source.window_days,
        "ca_file": str(source.ca_file) if source.ca_file else None,
        **overrides,
    }
    return CoreplusApiSettings(**settings)  # type: ignore[arg-type]


def listing_fingerprint(settings: CoreplusApiSettings) -> tuple[str, int]:
    """A digest of every list answer (module docstring): equal digests, no change a list can show. Returns
    (digest, requests made)."""
    digest = hashlib.sha256()
    zones: dict[str, set[str]] = {}

    def add(label: str, records: list[dict[str, object]]) -> None:
        digest.update(label.encode())
        for record in records:
            digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode())
            digest.update(b"\n")

    with CoreplusApi(settings) as api:
        for path, key in (*_LISTS, ("/invoice/", "invoices")):
            for number, records, _total in api.pages(path, key, {}):
                add(f"{path}:{number}", records)
                if key == "locations":
                    for location in records:
                        zones.setdefault(str(location.get("timezoneId")), set()).add(str(location.get("locationId")))
        for step in appointment_steps(settings, zones):
            for number, records, _total in api.pages(step.path, str(step.list_key), dict(step.params)):
                add(f"{step.key}:{number}", records)
        return digest.hexdigest()[:32], api.requests


def changes_waiting(settings: CoreplusApiSettings, since: str) -> int:
    """1 when a list answers differently from when the snapshot with high-water mark `since` was taken, else 0.
    The API cannot say how many records changed (no "modified since" filter, §2.3): the delta pass counts them."""
    _stamp, _sep, expected = since.partition(MARK_SEPARATOR)
    if not expected:
        return 1  # a mark without a fingerprint: only a re-read can tell
    return int(listing_fingerprint(settings)[0] != expected)


def _mark(snapshot: Path, fingerprint: str, export: Path | None, **extra: str) -> str:
    """Copy the CSV export in (export.py), write the high-water mark (and `extra`) into the snapshot's manifest
    with the export's files listed; returns the mark."""
    path = snapshot / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if export is not None:
        manifest["files"] += copy_export(export, snapshot)
    mark = f"{manifest['extracted_at']}{MARK_SEPARATOR}{fingerprint}"
    manifest.update(high_water_mark=mark, **extra)
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return mark


def take_snapshot(
    settings: CoreplusApiSettings, root: Path, export: Path | None = None, lines: ExtractionProgress | None = None
) -> SnapshotResult:
    """Extract the practice into the next snapshot: in full the first time, else a re-read whose difference to
    the latest snapshot is written as a delta. A killed extraction is resumed where it stopped (api.py). The CSV
    export in `export` (what the API lacks) is copied into every snapshot whole; its rows are not in a delta's
    records (the raw layer reads them again in full)."""
    private_dir(root)  # extractions hold patient data: owner-only
    number = f"{next_snapshot_number(root):04d}"
    current = latest_snapshot(root)
    partial = root / SNAPSHOTS_DIR / f"{number}.partial"
    pending = root / SNAPSHOTS_DIR / f"{number}{FINGERPRINT_SUFFIX}"
    probe_requests = 0
    if (partial / WORK_DIR / CHECKPOINT_FILE).exists() and pending.exists():
        fingerprint = pending.read_text(encoding="utf-8").strip()  # resuming: the digest of the first start
    else:
        fresh_folder(partial)
        partial.parent.mkdir(parents=True, exist_ok=True)
        fingerprint, probe_requests = listing_fingerprint(settings)
        pending.write_text(fingerprint, encoding="utf-8")
    summary = extract(settings, partial, lines=lines)
    requests = summary.requests + probe_requests  # the listing read for the fingerprint counts too
    final = root / SNAPSHOTS_DIR / number
    if current is None:
        mark = _mark(partial, fingerprint, export)
        partial.rename(final)
        pending.unlink()
        private_tree(final)
        return SnapshotResult(
            "full", final, mark, changed=dict(summary.records), requests=requests, throttled=summary.throttled
        )
    since = high_water_mark(current)
    mark = _mark(partial, fingerprint, export, base=current.name, delta=number)
    delta_dir = fresh_folder(root / DELTAS_DIR / number)
    changed, deleted = write_delta(current, partial, delta_dir, {"since": since, "high_water_mark": mark})
    partial.rename(final)
    pending.unlink()
    private_tree(final)
    private_tree(delta_dir)
    return SnapshotResult(
        "delta",
        final,
        mark,
        since=since,
        delta=delta_dir,
        changed={k: v for k, v in changed.items() if v},
        tombstones={"deleted": sum(deleted.values())} if deleted else {},
        dropped=deleted,
        requests=requests,
        throttled=summary.throttled,
    )


def _by_key(path: Path, key: str) -> dict[str, bytes]:
    return {str(json.loads(line)[key]): line for line in nonblank_lines(path)}


def write_delta(
    previous: Path, current: Path, out: Path, header: Mapping[str, str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Write into `out` the records of `current` that are new or differ from `previous` (per resource, by its
    key) and a `deleted` tombstone for every id `previous` holds and `current` lacks, with a manifest.
    Returns (changed, deleted) counts per resource."""
    out.mkdir(parents=True, exist_ok=True)
    tombstones = ManifestedLineFile(out / TOMBSTONES_FILE)
    entries, changed, deleted = [], {}, {}
    for name, spec in RESOURCES.items():
        key = spec.key or ""
        before = _by_key(previous / f"{name}{FILE_SUFFIX}", key)
        writer = ManifestedLineFile(out / f"{name}{FILE_SUFFIX}")
        seen: set[str] = set()
        for line in nonblank_lines(current / f"{name}{FILE_SUFFIX}"):
            record_id = str(json.loads(line)[key])
            seen.add(record_id)
            if before.get(record_id) != line:
                writer.line(line)
        for record_id in sorted(set(before) - seen):
            tombstones.line(json.dumps({"resource": name, "id": record_id, "kind": "deleted"}).encode())
            deleted[name] = deleted.get(name, 0) + 1
        changed[name] = writer.records
        entries.append(writer.entry())
    entries.append(tombstones.entry())
    manifest = {
        "system": "coreplus",
        "kind": "delta",
        "base": previous.name,
        "delta_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **header,
        "files": sorted(entries, key=lambda e: e["path"]),
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return changed, deleted
