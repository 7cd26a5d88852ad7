"""A PracSuite practice taken through its API as numbered dump snapshots: a full extraction, then the
changes since the last high-water mark merged into a new snapshot each time.

The layout is Cliniko's (sources/cliniko/snapshots.py): under `customers/<customer>/extracts/<run kind>/`,
`snapshots/0001/` the first full extraction, `deltas/0002/` the records changed since 0001's high-water
mark (`q[]=updated:>=`) with `tombstones.ndjson` for the ids no longer listed, `snapshots/0002/` 0001 with
0002 applied. A snapshot is written under `<n>.partial` and renamed when complete. Cliniko's
`SnapshotResult` reports it (the same counts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from customers.home import SNAPSHOTS_DIR, latest_snapshot
from sources.cliniko.snapshots import SnapshotResult
from sources.pracsuite.api import ExtractSummary, PracsuiteApiSettings, extract, extract_changes
from sources.pracsuite.location import PracsuiteApiSource
from sources.pracsuite.settings import FILE_SUFFIX, MANIFEST_FILE, RESOURCES, TOMBSTONES_FILE
from sources.snapshot_files import DELTAS_DIR, high_water_mark, nonblank_lines
from store.files import private_dir, private_tree
from store.progress import ExtractionProgress


def settings_for(
    source: PracsuiteApiSource, env: dict[str, str] | None = None, **overrides: Any
) -> PracsuiteApiSettings:
    """Client settings from a customer's `source.<run kind>` API entry; the keys from their variables.

    Raises:
        KeyError: a variable is not set (the message names the variable, never a value).
    """
    values = os.environ if env is None else env
    for name in (source.vendor_key_env, source.account_key_env):
        if not values.get(name):
            raise KeyError(f"{name} is not set (a PracSuite API key of this customer)")
    extra: dict[str, Any] = {"base_url": source.base_url} if source.base_url else {}
    return PracsuiteApiSettings(
        vendor_key=values[source.vendor_key_env],
        account_key=values[source.account_key_env],
        ca_file=str(source.ca_file) if source.ca_file else None,
        **extra,
        **overrides,
    )


def _next_number(root: Path) -> int:
    """The number after the last complete snapshot or delta. A delta folder without its manifest is a
    killed extraction: its number is taken again, and the extraction resumes from its checkpoint."""
    numbers = [
        int(p.name)
        for folder in (root / SNAPSHOTS_DIR, root / DELTAS_DIR)
        if folder.is_dir()
        for p in folder.iterdir()
        if p.name.isdigit() and (folder.name == SNAPSHOTS_DIR or (p / MANIFEST_FILE).exists())
    ]
    return max(numbers, default=0) + 1


def snapshot_ids(snapshot: Path) -> dict[str, set[str]]:
    """The record ids a snapshot holds per resource, by the resource's key."""
    return {
        name: {str(json.loads(line)[spec.key]) for line in nonblank_lines(snapshot / f"{name}{FILE_SUFFIX}")}
        for name, spec in RESOURCES.items()
    }


def merge_delta(current: Path, delta: Path, out: Path) -> dict[str, int]:
    """Write `current` with `delta` applied into `out`; returns the deleted records dropped per resource.
    Records keep their bytes as the API returned them: a changed one replaces the old in place, a new one
    is appended, one with a tombstone is dropped."""
    out.mkdir(parents=True, exist_ok=True)
    gone: dict[str, set[str]] = {}
    for line in nonblank_lines(delta / TOMBSTONES_FILE):
        tombstone = json.loads(line)
        gone.setdefault(str(tombstone["resource"]), set()).add(str(tombstone["id"]))
    entries, dropped = [], {}
    for name, spec in RESOURCES.items():
        changes = {str(json.loads(line)[spec.key]): line for line in nonblank_lines(delta / f"{name}{FILE_SUFFIX}")}
        deleted = gone.get(name, set())
        lines: list[bytes] = []
        for line in nonblank_lines(current / f"{name}{FILE_SUFFIX}"):
            record_id = str(json.loads(line)[spec.key])
            if record_id in deleted:
                dropped[name] = dropped.get(name, 0) + 1
                changes.pop(record_id, None)
                continue
            lines.append(changes.pop(record_id, line))
        lines += [line for record_id, line in changes.items() if record_id not in deleted]
        data = b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines)
        (out / f"{name}{FILE_SUFFIX}").write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        entries.append({"path": f"{name}{FILE_SUFFIX}", "bytes": len(data), "records": len(lines), "sha256": digest})
    header = json.loads((delta / MANIFEST_FILE).read_text(encoding="utf-8"))
    header.pop("files", None)
    manifest = {**header, "kind": "merged", "base": current.name, "delta": delta.name, "files": entries}
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return dropped


def take_snapshot(
    settings: PracsuiteApiSettings, root: Path, lines: ExtractionProgress | None = None
) -> SnapshotResult:
    """Extract the practice into the next snapshot: in full the first time, else the changes since the
    latest snapshot's high-water mark, merged into it. A killed extraction resumes on the next call.
    `lines`: progress lines per list."""
    private_dir(root)  # extractions hold patient data: owner-only (issue 15 item 9)
    number = f"{_next_number(root):04d}"
    current = latest_snapshot(root)
    partial = root / SNAPSHOTS_DIR / f"{number}.partial"
    final = root / SNAPSHOTS_DIR / number
    if current is None:
        summary = extract(settings, partial, lines=lines)  # resumes from partial's checkpoint if a run was killed
        partial.rename(final)
        private_tree(final)
        return _result("full", final, summary)
    since = high_water_mark(current)
    delta_dir = root / DELTAS_DIR / number
    summary = extract_changes(
        settings,
        delta_dir,
        since=dt.datetime.fromisoformat(since.replace("Z", "+00:00")),
        known_ids=snapshot_ids(current),
        lines=lines,
    )
    dropped = merge_delta(current, delta_dir, partial)
    partial.rename(final)
    private_tree(final)
    private_tree(delta_dir)
    return _result("delta", final, summary, since=since, delta=delta_dir, dropped=dropped)


def _result(kind: str, snapshot: Path, summary: ExtractSummary, **extra: Any) -> SnapshotResult:
    changed = dict(summary.records) if kind == "full" else {k: v for k, v in summary.records.items() if v}
    return SnapshotResult(
        kind,
        snapshot,
        summary.high_water_mark,
        changed=changed,
        tombstones={k: v for k, v in summary.tombstones.items() if v},
        requests=summary.requests,
        throttled=summary.throttled,
        # Counts only: records recovered by id after a page shift, records a shifted page repeated.
        findings={"recovered_records": summary.recovered, "repeated_records": summary.repeated},
        **extra,
    )
