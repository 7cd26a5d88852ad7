"""Files a run reads from a delivery, and files it writes for a customer: kept inside their roots, private.

Paths come from dumps (an attachment's id and file name), manifests and configurations; all of them are
hostile input. A path is only used when every component stays inside its root and none is a symbolic
link (issue 15 item 1): `../`, an absolute path, a NUL, a symlinked file or a file under a symlinked
folder are refused, never followed. Everything a run writes about a customer (its warehouse, reports,
extracts, the landing area) is readable by the owner only (issue 15 item 9).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# Files are hashed in 1 MB chunks: memory stays flat whatever a practice's documents weigh.
_CHUNK = 1024 * 1024


class UnsafePathError(PermissionError):
    """A path that leaves its root or goes through a symbolic link (an OSError, so a reader's existing
    "cannot read the file" handling refuses it). The message names the path's role and the roots, never
    the offending value (it came from a dump)."""


def sha256_file(path: Path | str) -> str:
    """The sha256 of a file's bytes, read in 1 MB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def real_root(root: Path | str) -> str:
    """A root folder resolved once (symlinks in the operator's own configuration are followed here,
    and only here)."""
    return os.path.realpath(root)


def safe_component(name: str) -> bool:
    """Whether `name` can be one folder or file name: not empty, not `.`/`..`, no separator, no NUL."""
    return name not in ("", ".", "..") and "/" not in name and "\0" not in name and os.sep not in name


class RelativeChecker:
    """Checks relative paths (`attachments/<id>/<file>`) against one root resolved once.

    A candidate is safe when each component is a plain name and none is a symbolic link (one lstat per
    component; folders already seen are not looked at again), so a large dump is not resolved file by
    file (bench/: a realpath per attachment walked the tree again each time).
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(real_root(root))
        self._folders: dict[str, str | None] = {}  # relative folder → None (safe) or its issue code

    def check(self, relative: str) -> tuple[str | None, str | None]:
        """(absolute path, None) for a regular file inside the root; (None, "unsafe_path") for a path
        that leaves the root or crosses a symlink; (None, "missing_file") when nothing is there."""
        parts = relative.split("/")
        if not all(safe_component(p) for p in parts):
            return None, "unsafe_path"
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder not in self._folders:
                self._folders[folder] = _kind_issue(self.root / folder, stat.S_ISDIR)
            if self._folders[folder] is not None:
                return None, self._folders[folder]
        absolute = self.root.joinpath(*parts)
        issue = _kind_issue(absolute, stat.S_ISREG)
        return (None, issue) if issue else (str(absolute), None)


def _kind_issue(path: Path, is_kind: Callable[[int], bool]) -> str | None:
    """None when `path` itself (not a link to it) is of the kind; else why not."""
    try:
        mode = path.lstat().st_mode
    except OSError:
        return "missing_file"
    if stat.S_ISLNK(mode):
        return "unsafe_path"
    return None if is_kind(mode) else "missing_file"


def check_inside(path: Path | str, roots: Iterable[Path | str], role: str = "file") -> Path:
    """`path` itself, when it is absolute, lies inside one of `roots` and no component below the root is a
    symbolic link; else UnsafePathError. The loader calls this before it reads a document's bytes."""
    text = str(path)
    if "\0" in text or not Path(text).is_absolute():
        raise UnsafePathError(f"{role}: not an absolute path inside the delivery")
    # realpath resolves every link; a path equal to its own realpath crossed none.
    real = os.path.realpath(text)
    if os.path.normpath(text) != real:
        raise UnsafePathError(f"{role}: path goes through a symbolic link or '..' (refused)")
    for root in roots:
        if Path(real).is_relative_to(real_root(root)) and real != real_root(root):
            return Path(real)
    shown = ", ".join(str(r) for r in roots) or "(none configured)"
    raise UnsafePathError(f"{role}: outside the folders this run may read ({shown})")


def read_inside(path: Path | str, roots: Iterable[Path | str], role: str = "file") -> bytes:
    """The bytes of a file checked with `check_inside`, opened without following a final symlink
    (O_NOFOLLOW) so a link swapped in after the check is not followed either."""
    checked = check_inside(path, roots, role)
    fd = os.open(checked, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def private_dir(path: Path | str) -> Path:
    """Create `path` (and missing parents) readable by the owner only; an existing folder is made so."""
    folder = Path(path)
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for created in reversed(missing):
        created.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        created.chmod(PRIVATE_DIR_MODE)  # mkdir's mode is masked by the umask
    folder.chmod(PRIVATE_DIR_MODE)
    return folder


def private_files(paths: Iterable[Path | str]) -> None:
    """Make files readable and writable by the owner only (missing ones and symlinks are skipped)."""
    for path in map(Path, paths):
        if not path.is_symlink():
            with contextlib.suppress(FileNotFoundError):
                path.chmod(PRIVATE_FILE_MODE)


def private_tree(root: Path | str) -> None:
    """Folders 0700 and files 0600 under `root` (symlinks are not followed)."""
    root = Path(root)
    if not root.exists():
        return
    root.chmod(PRIVATE_DIR_MODE)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            if not (Path(folder) / name).is_symlink():
                (Path(folder) / name).chmod(PRIVATE_DIR_MODE)
        private_files(Path(folder) / name for name in files)
