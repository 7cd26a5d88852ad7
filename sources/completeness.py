"""When is a delivery complete? Each source system declares its rule (`SourceSystem.completeness`).

- `ManifestRule` (the default; Cliniko, Core Plus, Gensolve): the delivery's `manifest.json` lists every
  file with its bytes and sha256, and every file matches (sources/manifest.py). The manifest's own
  sha256 identifies the delivery.
- `ComputedChecksumsRule` (vendor exports, the template): a practice copies what its system exported,
  with no manifest. The delivery is complete when every file the system expects is present; the landing
  sensor computes every file's sha256 itself, and runs the delivery only once that fingerprint is the
  same on two consecutive looks (a folder still being copied changes between them). When a manifest is
  delivered anyway it is checked exactly as the manifest rule does.

A rule's problems name the folder or file and what is expected, never a value.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sources.manifest import MANIFEST_FILE, ManifestError, read_manifest, verify_files
from store.files import sha256_file


class CompletenessRule(Protocol):
    # True: the fingerprint is computed from the files, so it must be seen unchanged twice before a run.
    settles: bool

    def problems(self, folder: Path) -> list[str]:
        """Why the delivery in `folder` is not complete (empty: it is)."""
        ...

    def fingerprint(self, folder: Path) -> str | None:
        """The delivery's content identity (a re-delivered identical folder has the same), or None."""
        ...


@dataclass(frozen=True)
class ManifestRule:
    settles: bool = False

    def problems(self, folder: Path) -> list[str]:
        folder = Path(folder)
        if not (folder / MANIFEST_FILE).exists():
            return [f"{folder}: no {MANIFEST_FILE} yet (the delivery is incomplete or still copying)"]
        try:
            entries = read_manifest(folder)
        except ManifestError as exc:
            return exc.problems
        return verify_files(folder, entries)

    def fingerprint(self, folder: Path) -> str | None:
        manifest = Path(folder) / MANIFEST_FILE
        return hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.exists() else None


MANIFEST_RULE = ManifestRule()


def delivered_files(folder: Path) -> tuple[list[Path], list[str]]:
    """(every regular file under `folder`, sorted; problems). A symbolic link is refused, not followed:
    a delivery holds its own files (issue 15 item 9)."""
    files: list[Path] = []
    problems: list[str] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        for name in sorted(dirs + names):
            path = Path(root) / name
            if path.is_symlink():
                problems.append(f"{path}: a symbolic link (refused, not read)")
            elif path.is_file():
                files.append(path)
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink()]
    return sorted(files), problems


@dataclass(frozen=True)
class ComputedChecksumsRule:
    """No manifest needed: `missing(folder)` names each file the system expects and does not find."""

    missing: Callable[[Path], list[str]]
    settles: bool = True

    def problems(self, folder: Path) -> list[str]:
        folder = Path(folder)
        if (folder / MANIFEST_FILE).exists():
            return MANIFEST_RULE.problems(folder)
        if not folder.exists():
            return [f"{folder}: missing (expected the export's folder or file)"]
        _files, problems = delivered_files(folder) if folder.is_dir() else ([folder], [])
        return problems + self.missing(folder)

    def fingerprint(self, folder: Path) -> str | None:
        folder = Path(folder)
        if (folder / MANIFEST_FILE).exists():
            return MANIFEST_RULE.fingerprint(folder)
        if not folder.exists():
            return None
        files = delivered_files(folder)[0] if folder.is_dir() else [folder]
        digest = hashlib.sha256()
        for path in files:
            relative = path.relative_to(folder).as_posix() if folder.is_dir() else path.name
            digest.update(f"{relative}\0{path.stat().st_size}\0{sha256_file(path)}\n".encode())
        return digest.hexdigest()


def rule_of(rule: CompletenessRule | None) -> CompletenessRule:
    """A system's rule; the manifest rule when it declares none."""
    return rule if rule is not None else MANIFEST_RULE
