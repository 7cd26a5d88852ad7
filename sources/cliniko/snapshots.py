"""A Cliniko account taken through its API as numbered dump snapshots: a full extraction, then deltas
merged into a new snapshot each time.

Layout under `customers/<customer>/extracts/<run kind>/`:

    snapshots/0001/   the first full extraction (a dump folder the dump reader loads)
    deltas/0002/      what changed since snapshot 0001's high-water mark (records and tombstones.ndjson)
    snapshots/0002/   0001 with delta 0002 applied: changed records replaced, new ones appended,
                      deleted ones dropped

A snapshot is written under `<n>.partial` and renamed when complete, so a killed extraction never
leaves a half snapshot where the raw layer looks (`MigrationHome.source_dir`). Each snapshot's
manifest carries the high-water mark the next delta starts from.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from customers.home import SNAPSHOTS_DIR, latest_snapshot
from sources.cliniko.api import (
    ID_SET_RESOURCES,
    TOMBSTONES_FILE,
    ClinikoApi,
    DeltaSummary,
    ExtractSummary,
    extract_changes,
    extract_full,
)
from sources.cliniko.api_settings import NESTED_LISTS, SIDE_LISTS, SINGLE_OBJECTS, WHOLE_LISTS, ClinikoApiSettings
from sources.cliniko.location import ClinikoApiSource
from sources.cliniko.settings import FILE_SUFFIX, MANIFEST_FILE, RESOURCES
from sources.snapshot_files import (
    DELTAS_DIR,
    ManifestedLineFile,
    fresh_folder,
    high_water_mark,
    next_snapshot_number,
    nonblank_lines,
)
from store.files import RelativeChecker, private_dir, private_tree
from store.progress import ExtractionProgress


@dataclass(frozen=True)
class SnapshotResult:
    """What one extraction produced (counts and ids only, never values)."""

    kind: str  # full | delta
    snapshot: Path
    high_water_mark: str
    since: str | None = None
    delta: Path | None = None
    changed: dict[str, int] = field(default_factory=dict)  # records written per resource by the extraction
    tombstones: dict[str, int] = field(default_factory=dict)  # per kind (deleted, archived, cancelled)
    dropped: dict[str, int] = field(default_factory=dict)  # deleted records removed from the snapshot
    requests: int = 0
    throttled: int = 0
    # Where settings came from, attachments still processing and per-record list errors (ids, no values).
    findings: dict[str, object] = field(default_factory=dict)

    @property
    def change_count(self) -> int:
        return sum(v for k, v in self.changed.items() if k not in SINGLE_OBJECTS) + sum(self.tombstones.values())


def settings_for(
    source: ClinikoApiSource, env: dict[str, str] | None = None, **overrides: object
) -> ClinikoApiSettings:
    """Client settings from a customer's `source.<run kind>` API entry; the key from its environment variable.

    Raises:
        KeyError: the variable is not set (the message names the variable, never a value).
    """
    values = os.environ if env is None else env
    key = values.get(source.api_key_env)
    if not key:
        raise KeyError(f"{source.api_key_env} is not set (the Cliniko API key of this customer)")
    return ClinikoApiSettings(
        api_key=key,
        user_agent=source.user_agent,
        base_url=source.base_url,
        ca_file=str(source.ca_file) if source.ca_file else None,
        **overrides,  # type: ignore[arg-type]
    )


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def changes_waiting(settings: ClinikoApiSettings, since: str) -> int:
    """How many records changed or were deleted since `since` — a cheap probe for the delta sensor
    (one page of one record per list: its total_entries; /deleted lists are short and read whole).

    Archived, cancelled and inactive records are only in their own lists, so those are asked too. Lists read
    per parent (NESTED_LISTS: practitioner reference numbers) are not probed: one request per practitioner
    every poll would cost more than the change is worth; the next delta reads them.
    """
    start = _instant(since)
    stamp = start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    found = 0
    with ClinikoApi(replace(settings, per_page=1)) as api:
        for resource in RESOURCES:
            # Whole lists have no updated_at to probe (a changed referral is picked up by the next delta).
            if resource in SINGLE_OBJECTS or resource in NESTED_LISTS or resource in WHOLE_LISTS:
                continue
            for _records, total in api.pages_with_totals(resource, [("q[]", f"updated_at:>={stamp}")]):
                found += total or 0
                break
            for side in SIDE_LISTS.get(resource, ()):
                if side.kind != "deleted":
                    if side.delta_filter:
                        path, window = f"{resource}/{side.view}", [("q[]", f"{side.delta_filter}:>={stamp}")]
                        for _records, total in api.pages_with_totals(path, window):
                            found += total or 0
                            break
                    continue
                for records in api.get_pages(f"{resource}/{side.view}", [("per_page", 100)]):
                    found += sum(
                        1 for r in records if isinstance(r.get(side.stamp), str) and _instant(r[side.stamp]) >= start
                    )
    return found


def _stats(stats: object) -> tuple[int, int]:
    data = stats.as_dict() if hasattr(stats, "as_dict") else vars(stats)  # type: ignore[union-attr]
    throttled = data.get("throttled", 0)
    return int(data.get("requests", 0)), int(sum(throttled.values()) if isinstance(throttled, dict) else throttled)


def take_snapshot(settings: ClinikoApiSettings, root: Path, lines: ExtractionProgress | None = None) -> SnapshotResult:
    """Extract the account into the next snapshot: in full the first time, else the changes since the
    latest snapshot's high-water mark, merged into it. `lines`: progress lines per resource."""
    private_dir(root)  # extractions hold patient data: owner-only (issue 15 item 9)
    number = f"{next_snapshot_number(root):04d}"
    current = latest_snapshot(root)
    partial = fresh_folder(root / SNAPSHOTS_DIR / f"{number}.partial")
    final = root / SNAPSHOTS_DIR / number
    if current is None:
        summary = extract_full(settings, partial, lines=lines)
        partial.rename(final)
        private_tree(final)
        requests, throttled = _stats(summary.stats)
        return SnapshotResult(
            "full",
            final,
            high_water_mark(final),
            changed=dict(summary.records),
            requests=requests,
            throttled=throttled,
            findings=_findings(summary),
        )
    since = _instant(high_water_mark(current))
    delta_dir = fresh_folder(root / DELTAS_DIR / number)
    known = snapshot_ids(current, ID_SET_RESOURCES)
    summary = extract_changes(settings, delta_dir, since=since, known_ids=known, lines=lines)
    dropped = merge_delta(current, delta_dir, partial)
    partial.rename(final)
    private_tree(final)
    private_tree(delta_dir)
    requests, throttled = _stats(summary.stats)
    return SnapshotResult(
        "delta",
        final,
        high_water_mark(final),
        since=high_water_mark(current),
        delta=delta_dir,
        changed={k: v for k, v in summary.records.items() if v},
        tombstones=dict(summary.tombstones),
        dropped=dropped,
        requests=requests,
        throttled=throttled,
        findings=_findings(summary),
    )


def _findings(summary: ExtractSummary | DeltaSummary) -> dict[str, object]:
    return {
        "settings_read_from": summary.settings_read_from,
        "missing_attachments": list(summary.missing_attachments),
        "attachments_processing": list(summary.attachments_processing),
        "sub_resource_errors": list(summary.sub_resource_errors),
    }


def snapshot_ids(snapshot: Path, resources: tuple[str, ...]) -> dict[str, set[str]]:
    """The record ids a snapshot holds per resource: what a delta compares a whole listing with to find
    deletions no /deleted list announces."""
    return {
        resource: {
            i for line in nonblank_lines(snapshot / f"{resource}{FILE_SUFFIX}") if (i := _record_id(line)) is not None
        }
        for resource in resources
    }


def _record_id(line: bytes) -> str | None:
    value = json.loads(line).get("id")
    return None if value is None else str(value)


def merge_delta(current: Path, delta: Path, out: Path) -> dict[str, int]:
    """Write `current` with `delta` applied into `out`; returns the deleted records dropped per resource.

    Records keep their bytes exactly as the API returned them; a changed record replaces the old one
    in place, a new one is appended, a record with a `deleted` tombstone is dropped. Attachment files
    of both are kept (hard links where the file system allows).
    """
    out.mkdir(parents=True, exist_ok=True)
    deleted: dict[str, set[str]] = {}
    for line in nonblank_lines(delta / TOMBSTONES_FILE):
        tombstone = json.loads(line)
        if tombstone.get("kind") == "deleted":
            deleted.setdefault(str(tombstone["resource"]), set()).add(str(tombstone["id"]))
    entries: list[dict[str, Any]] = []
    dropped: dict[str, int] = {}
    for resource in RESOURCES:
        name = f"{resource}{FILE_SUFFIX}"
        writer = ManifestedLineFile(out / name)
        if resource in WHOLE_LISTS:  # read whole by every delta, records without ids: the delta's copy is the list
            for line in nonblank_lines(delta / name):
                writer.line(line)
            entries.append(writer.entry())
            continue
        changes = {_record_id(line): line for line in nonblank_lines(delta / name)}
        gone = deleted.get(resource, set())
        if resource in SINGLE_OBJECTS and changes:
            base: list[bytes] = []  # re-fetched whole by every delta
        else:
            base = nonblank_lines(current / name)
        for line in base:
            record_id = _record_id(line)
            if record_id in gone:
                dropped[resource] = dropped.get(resource, 0) + 1
                changes.pop(record_id, None)
                continue
            writer.line(changes.pop(record_id, line))
        for record_id, line in changes.items():
            if record_id not in gone:
                writer.line(line)
        entries.append(writer.entry())
    entries += _attachments(current, delta, out)
    header = json.loads((delta / MANIFEST_FILE).read_text(encoding="utf-8"))
    header.pop("files", None)
    manifest = {**header, "kind": "merged", "base": current.name, "delta": delta.name}
    manifest["files"] = sorted(entries, key=lambda e: e["path"])
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return dropped


def _attachments(current: Path, delta: Path, out: Path) -> list[dict[str, Any]]:
    listed: dict[str, tuple[Path, dict[str, Any]]] = {}
    for folder in (current, delta):  # the delta's copy of a file wins
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        for entry in manifest.get("files", []):
            if "records" not in entry and not entry["path"].endswith(FILE_SUFFIX):
                listed[entry["path"]] = (folder, entry)
    for relative, (folder, _entry) in listed.items():
        # A manifest's path is checked like a dump's: nothing outside the folder is linked or copied in.
        if RelativeChecker(folder).check(relative)[1] == "unsafe_path":
            raise ValueError(f"{folder / MANIFEST_FILE}: a listed file leaves the folder or is a symbolic link")
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(folder / relative, target)
        except OSError:
            shutil.copy2(folder / relative, target)
    return [entry for _folder, entry in listed.values()]
