"""Files a SQL Server practice keeps beside its database — PPMP's letters and attachments in the shared PPMP
folder — brought into a direct read's snapshot (docs/sqlserver-extracts.md, "Direct read").

A system declares which table column names files relative to which folder of its shared folder
(`SharedFolder`, `FileColumn`); an extract delivery carries that folder beside the table files, and a direct
read copies the files the rows name from the folder the customer configured (`source.<run>.shared_folder`)
into the snapshot at the same place, so the mapping finds, hashes and checks them exactly as it does in a
delivery.

A file name read from the database is hostile input: it is resolved inside the folder (`RelativeChecker`:
no `..`, no absolute path, no symbolic link on the way, the file itself no link) and anything else is refused
and never read. Findings name the table, the row's key and the column — never the file name, which may hold
a patient's name.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from store.files import RelativeChecker, real_root

# Ids listed per kind of finding in Dagster metadata; the counts are always whole.
LISTED_KEYS = 50
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileColumn:
    """`table`.`column` names a file relative to `folder` (`/`-separated, inside the shared folder); `key` is
    the column that identifies the row in a finding."""

    table: str
    key: str
    column: str
    folder: str


@dataclass(frozen=True)
class SharedFolder:
    """A system's folder of files beside its database: `name` is what it is called in a delivery (and in a
    snapshot), `columns` the table columns naming files inside it."""

    name: str
    columns: tuple[FileColumn, ...]

    def delivery_folder(self, column: FileColumn) -> str:
        """Where `column`'s files lie relative to a delivery's (or snapshot's) root: `PPMP/Letters`."""
        return f"{self.name}/{column.folder}"


@dataclass(frozen=True)
class FileFinding:
    """One row whose file was not copied: where it is named (table, key, column), never the name."""

    table: str
    key: str
    column: str
    issue: str  # "missing_file" | "unsafe_path"

    def describe(self) -> str:
        what = {
            "missing_file": "names a file that is not in the shared folder (reported missing)",
            "unsafe_path": "names a path out of the shared folder or through a symbolic link (refused, not read)",
        }[self.issue]
        return f"{self.table} row {self.key}, column {self.column}: {what}"


@dataclass
class SharedFilesCopy:
    """What copying one snapshot's shared files did: entries as a manifest lists them, findings by row, and
    the names (relative to the shared folder) of files no row names."""

    configured: bool
    entries: list[dict[str, object]] = field(default_factory=list)
    findings: list[FileFinding] = field(default_factory=list)
    not_referenced: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        """Counts and row keys only (Dagster metadata): no file name, no value."""
        if not self.configured:
            return {"shared_folder": "not configured: the files the tables name are not delivered"}
        by_issue: dict[str, list[str]] = {"missing_file": [], "unsafe_path": []}
        for finding in self.findings:
            by_issue[finding.issue].append(f"{finding.table}.{finding.column}@{finding.key}")
        return {
            "shared_folder": "copied",
            "files_copied": len(self.entries),
            "files_missing": len(by_issue["missing_file"]),
            "files_refused": len(by_issue["unsafe_path"]),
            "files_not_referenced": len(self.not_referenced),
            "missing_rows": by_issue["missing_file"][:LISTED_KEYS],
            "refused_rows": by_issue["unsafe_path"][:LISTED_KEYS],
        }


class SharedFolderError(Exception):
    """A declared file column the table does not have (another database version); names table and column."""


def _named_files(table_file: Path, column: FileColumn) -> Iterable[tuple[str, str]]:
    """(row key, file name) of every row of a snapshot's table file naming a file. Columns are matched
    whatever their case (SQL Server's names are case-insensitive); a declared column the table lacks is
    refused rather than read as "no files"."""
    with table_file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = {name.upper(): i for i, name in enumerate(next(reader, []))}
        missing = [c for c in (column.key, column.column) if c.upper() not in header]
        if missing:
            raise SharedFolderError(f"table {column.table}: no column(s) {missing} (declared to name its files)")
        key, named = header[column.key.upper()], header[column.column.upper()]
        for row in reader:
            if named < len(row) and row[named]:
                yield (row[key] if key < len(row) else ""), row[named]


def _copy(source: str, destination: Path) -> dict[str, object]:
    """Copy a checked file without following a final symlink swapped in after the check; its bytes and
    sha256 as a manifest entry records them."""
    digest, size = hashlib.sha256(), 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as reading, destination.open("wb") as writing:
        while chunk := reading.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writing.write(chunk)
    return {"bytes": size, "sha256": digest.hexdigest()}


def copy_shared_files(
    shared: SharedFolder, folder: Path | None, snapshot: Path, tables: dict[str, Path]
) -> SharedFilesCopy:
    """Copy into `snapshot/<shared.name>/…` every file the rows of `tables` (table → its file in the snapshot)
    name, read from the customer's shared `folder` (None: not configured, nothing copied). Each file the
    rows name once is copied once; files in a declared folder that no row names are listed, not copied."""
    if folder is None:
        return SharedFilesCopy(configured=False)
    root = Path(real_root(folder))
    checker = RelativeChecker(root)
    result = SharedFilesCopy(configured=True)
    copied: set[str] = set()
    for column in shared.columns:
        named: set[str] = set()
        for key, name in _named_files(tables[column.table.upper()], column):
            relative = f"{column.folder}/{name}"
            source, issue = checker.check(relative)
            if source is None:
                result.findings.append(FileFinding(column.table, f"{column.key}={key}", column.column, issue or ""))
                continue
            named.add(relative)
            if relative not in copied:
                entry = _copy(source, snapshot / shared.name / relative)
                result.entries.append({"path": f"{shared.name}/{relative}", **entry})
                copied.add(relative)
        result.not_referenced += [f for f in _files_under(root, column.folder) if f not in named]
    result.not_referenced = sorted(set(result.not_referenced))
    return result


def _files_under(root: Path, folder: str) -> list[str]:
    """Regular files under `root/folder` (relative to `root`, `/`-separated); links are not followed."""
    start = root / folder
    if start.is_symlink() or not start.is_dir():
        return []
    found: list[str] = []
    for where, dirs, names in os.walk(start, followlinks=False):
        dirs[:] = [d for d in dirs if not (Path(where) / d).is_symlink()]
        files = [Path(where) / n for n in names]
        found += [f.relative_to(root).as_posix() for f in files if f.is_file() and not f.is_symlink()]
    return found
