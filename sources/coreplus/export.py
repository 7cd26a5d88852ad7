"""The CSV export beside a Core Plus extraction (settings.EXPORT_RESOURCES): referrers, clinical notes and
payments, which the API does not serve (§2.3). Read with the tabular family's CSV reader; ASSUMED layout
`export/<resource>.csv`, UTF-8 or cp1252 (detected), dates day first (`31/12/2026`, `31/12/2026 14:05`).

A practice that delivers no export, or only some files, is read with zero rows for what is missing and a note
saying so (the approval report shows it): the API's data never waits for the export.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sources.base import RawReadError, RawReadResult, ResourceSpec
from sources.cliniko.dump import read_resource as read_api_resource
from sources.coreplus.settings import EXPORT_DIR, EXPORT_RESOURCES
from sources.csv_reader import read_csv_resource
from sources.formats import CSV_SUFFIX
from sources.manifest import file_problem, read_manifest
from sources.raw_contract import ReadOptions, Writer

EXPORT_READ_OPTIONS = ReadOptions(
    encoding=None,  # detected: a Windows export may be cp1252
    date_formats=("%d/%m/%Y", "%Y-%m-%d"),
    datetime_formats=("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"),
)


def export_file(delivery: Path, spec: ResourceSpec) -> Path:
    return Path(delivery) / EXPORT_DIR / f"{spec.name}{CSV_SUFFIX}"


def not_delivered_note(spec: ResourceSpec) -> str:
    what = spec.name.replace("_", " ")
    return f"{EXPORT_DIR}/{spec.name}{CSV_SUFFIX} not delivered: no {what} read (the API has none)"


def read_resource(
    delivery: Path, spec: ResourceSpec, *, write: Writer, options: ReadOptions | None = None
) -> RawReadResult:
    """An API resource from its NDJSON file (checked against the manifest), an export resource from its CSV."""
    if spec.name not in EXPORT_RESOURCES:
        return read_api_resource(delivery, spec, write=write, options=options)
    path = export_file(delivery, spec)
    # Listed in the manifest (an API snapshot lists what it copied): it must match; a link is never read.
    entry = read_manifest(delivery).get(f"{EXPORT_DIR}/{path.name}")
    problem = file_problem(Path(delivery), entry) if entry is not None else None
    if problem or path.is_symlink():
        raise RawReadError(str(path), [problem or f"{path}: a symbolic link (refused, not read)"])
    if path.is_file():
        return read_csv_resource(path, spec, write=write, shown_file=str(path), options=EXPORT_READ_OPTIONS)
    # Not delivered: the header alone, read by the same reader, gives the empty partition and its columns.
    with tempfile.TemporaryDirectory(prefix="coreplus-export-") as tmp:
        empty = Path(tmp) / path.name
        empty.write_text(",".join(spec.fields) + "\n", encoding="utf-8")
        result = read_csv_resource(empty, spec, write=write, shown_file=str(path), options=EXPORT_READ_OPTIONS)
    return RawReadResult(str(path), result.records, result.issues, (*result.notes, not_delivered_note(spec)))


def copy_export(source: Path, snapshot: Path) -> list[dict[str, Any]]:
    """Copy the export's files (only `<resource>.csv` regular files, no links) into `snapshot/export/`;
    returns their manifest entries (path, bytes, sha256), so the snapshot's manifest protects them too."""
    entries: list[dict[str, Any]] = []
    for name in EXPORT_RESOURCES:
        found = Path(source) / f"{name}{CSV_SUFFIX}"
        if found.is_symlink() or not found.is_file():
            continue
        target = snapshot / EXPORT_DIR / found.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found, target)
        data = target.read_bytes()
        entries.append(
            {"path": f"{EXPORT_DIR}/{found.name}", "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        )
    return entries
