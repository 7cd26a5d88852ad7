"""A delivery's manifest (`manifest.json`) and the one check of files against it.

Every dump — delivered through the landing area, staged directly from a configured folder, or
extracted from an API — lists each file with its bytes and sha256 (and, for a resource, its record
count). The landing sensor and the raw layer verify files with the same functions here (issue 15
item 2): a missing, unreadable or stale manifest, a file of the wrong size or checksum is a blocking
problem naming the file, so a truncated file never reconciles against a count that was never delivered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sources.base import RawReadError
from store.files import RelativeChecker, sha256_file

MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class ManifestEntry:
    """One delivered file as the manifest lists it."""

    path: str  # relative to the dump folder, `/`-separated
    bytes: int
    sha256: str
    records: int | None = None  # resources only


class ManifestError(RawReadError):
    """The manifest is missing or not usable; names the manifest file and what is wrong."""


def manifest_path(folder: Path) -> Path:
    return Path(folder) / MANIFEST_FILE


def read_manifest(folder: Path) -> dict[str, ManifestEntry]:
    """The manifest's entries by path. A missing or invalid manifest, an entry without path, bytes or
    sha256, or a path that leaves the folder is a ManifestError (never a partial answer)."""
    path = manifest_path(folder)
    if not path.is_file():
        raise ManifestError(str(path), [f"{path}: missing (a dump lists every file, its bytes and sha256 there)"])
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        if not isinstance(files, list):
            raise TypeError("files")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ManifestError(str(path), [f"{path}: not a valid manifest ({type(exc).__name__})"]) from None
    entries: dict[str, ManifestEntry] = {}
    problems = []
    for number, item in enumerate(files, start=1):
        shown = f"{path}: files[{number}]"
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            problems.append(f"{shown}: expected an object with a 'path' string")
            continue
        size, digest, records = item.get("bytes"), item.get("sha256"), item.get("records")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            problems.append(f"{shown}, field 'bytes': expected a non-negative integer")
        elif not isinstance(digest, str) or len(digest) != 64:
            problems.append(f"{shown}, field 'sha256': expected 64 hex digits")
        elif records is not None and (not isinstance(records, int) or isinstance(records, bool) or records < 0):
            problems.append(f"{shown}, field 'records': expected a non-negative integer")
        elif not all(part not in ("", ".", "..") and "\0" not in part for part in item["path"].split("/")):
            problems.append(f"{shown}, field 'path': not a path inside the dump (refused)")
        else:
            entries[item["path"]] = ManifestEntry(item["path"], size, digest.lower(), records)
    if problems:
        raise ManifestError(str(path), problems)
    return entries


def file_problem(folder: Path, entry: ManifestEntry, checker: RelativeChecker | None = None) -> str | None:
    """Why one listed file does not match its entry (None: it does). The size is compared before the
    checksum so a half-copied file is recognised without reading it."""
    absolute, issue = (checker or RelativeChecker(folder)).check(entry.path)
    shown = Path(folder) / entry.path
    if issue == "unsafe_path":
        return f"{shown}: a symbolic link or a path out of the dump (refused, not read)"
    if absolute is None:
        return f"{shown}: listed in the manifest but missing"
    size = Path(absolute).stat().st_size
    if size != entry.bytes:
        return f"{shown}: {size} bytes, the manifest says {entry.bytes} (truncated, altered, or still copying?)"
    if sha256_file(absolute) != entry.sha256:
        return f"{shown}: sha256 differs from the manifest (corrupted, altered or a stale manifest)"
    return None


def verify_files(folder: Path, entries: dict[str, ManifestEntry]) -> list[str]:
    """Problems of every listed file: all sizes first (cheap), checksums only when every size matches."""
    checker = RelativeChecker(folder)
    sized = [e for e in entries.values() if _size_problem(folder, e, checker)]
    if sized:
        return [p for e in sized if (p := file_problem(folder, e, checker))]
    return [p for e in entries.values() if (p := file_problem(folder, e, checker))]


def _size_problem(folder: Path, entry: ManifestEntry, checker: RelativeChecker) -> bool:
    absolute, _issue = checker.check(entry.path)
    return absolute is None or Path(absolute).stat().st_size != entry.bytes
