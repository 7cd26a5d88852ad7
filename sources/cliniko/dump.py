"""Read a Cliniko dump folder: one NDJSON file per API resource, checked against its manifest."""

from __future__ import annotations

import json
from pathlib import Path

from sources.base import RawReadError, RawReadResult, ResourceSpec
from sources.cliniko.settings import FILE_SUFFIX, MANIFEST_FILE
from sources.ndjson import Writer, read_ndjson_resource


def resource_file(dump_dir: Path, spec: ResourceSpec) -> Path:
    return Path(dump_dir) / f"{spec.name}{FILE_SUFFIX}"


def manifest_counts(dump_dir: Path) -> dict[str, int] | None:
    """Record counts per file from the dump's manifest.json, or None when there is no manifest."""
    path = Path(dump_dir) / MANIFEST_FILE
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        return {f["path"]: int(f["records"]) for f in manifest.get("files", []) if "records" in f}
    except (ValueError, KeyError, TypeError) as exc:
        raise RawReadError(str(path), [f"{path}: manifest is not valid ({type(exc).__name__})"]) from None


def read_resource(dump_dir: Path, spec: ResourceSpec, *, write: Writer, encoding: str = "utf-8") -> RawReadResult:
    """Read one resource of a dump through `write`; its count must match the dump's manifest (the
    check runs before the writer commits, so a truncated file changes nothing)."""
    path = resource_file(dump_dir, spec)
    counts = manifest_counts(dump_dir)
    expected = None
    if counts is not None:
        expected = counts.get(path.name)
        if expected is None:
            raise RawReadError(str(path), [f"{path}: not listed in the dump's {MANIFEST_FILE}"])

    def against_manifest(rows: int) -> None:
        if expected is not None and rows != expected:
            raise RawReadError(
                str(path), [f"{path}: {rows} records read, the manifest lists {expected} (truncated or altered file)"]
            )

    return read_ndjson_resource(
        path,
        spec,
        write=lambda sql, params, parsed: write(sql, params, parsed, against_manifest),
        shown_file=str(path),
        encoding=encoding,
    )
