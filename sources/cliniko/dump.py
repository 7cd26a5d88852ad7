"""Read a Cliniko dump folder: one NDJSON file per API resource, checked against its manifest."""

from __future__ import annotations

from pathlib import Path

from sources.base import RawReadError, RawReadResult, ResourceSpec
from sources.cliniko.settings import FILE_SUFFIX
from sources.manifest import MANIFEST_FILE, file_problem, read_manifest
from sources.ndjson import read_ndjson_resource
from sources.raw_contract import ReadOptions, Writer


def resource_file(dump_dir: Path, spec: ResourceSpec) -> Path:
    return Path(dump_dir) / f"{spec.name}{FILE_SUFFIX}"


def read_resource(
    dump_dir: Path, spec: ResourceSpec, *, write: Writer, options: ReadOptions | None = None
) -> RawReadResult:
    """Read one resource of a dump through `write`. However the dump arrived, its manifest must list the
    file with bytes, sha256 and record count, and the file must match all three (sources/manifest.py);
    the count is checked before the writer commits, so a truncated file changes nothing."""
    path = resource_file(dump_dir, spec)
    entry = read_manifest(dump_dir).get(path.name)
    if entry is None or entry.records is None:
        listed = "not listed" if entry is None else "listed without a record count"
        raise RawReadError(str(path), [f"{path}: {listed} in the dump's {MANIFEST_FILE} (cannot be verified)"])
    if path.is_file() and (problem := file_problem(Path(dump_dir), entry)):
        raise RawReadError(str(path), [problem])
    expected = entry.records

    def against_manifest(rows: int) -> None:
        if rows != expected:
            raise RawReadError(
                str(path), [f"{path}: {rows} records read, the manifest lists {expected} (truncated or altered file)"]
            )

    return read_ndjson_resource(
        path,
        spec,
        write=lambda sql, params, parsed: write(sql, params, parsed, against_manifest),
        shown_file=str(path),
        options=options,
    )
