"""Files of an API source's numbered snapshots and deltas, shared by every API source (Cliniko, Core Plus,
PracSuite): the folder numbering, the high-water mark a snapshot's manifest keeps, and line files written
with their manifest entry. The layout itself is described in sources/cliniko/snapshots.py."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from customers.home import SNAPSHOTS_DIR
from sources.manifest import MANIFEST_FILE

DELTAS_DIR = "deltas"


def high_water_mark(snapshot: Path) -> str:
    """The high-water mark a snapshot's manifest records (where the next delta starts)."""
    manifest = json.loads((snapshot / MANIFEST_FILE).read_text(encoding="utf-8"))
    value = manifest.get("high_water_mark")
    if not isinstance(value, str):
        raise ValueError(f"{snapshot / MANIFEST_FILE}: no high_water_mark (not an API extraction)")
    return value


def next_snapshot_number(root: Path) -> int:
    """The number after the last snapshot or delta folder under `root` (they share one sequence)."""
    numbers = [
        int(p.name)
        for folder in (root / SNAPSHOTS_DIR, root / DELTAS_DIR)
        if folder.is_dir()
        for p in folder.iterdir()
        if p.name.isdigit()
    ]
    return max(numbers, default=0) + 1


def fresh_folder(path: Path) -> Path:
    """`path`, with whatever a killed extraction left there removed."""
    if path.exists():
        shutil.rmtree(path)
    return path


def nonblank_lines(path: Path) -> list[bytes]:
    """The lines of a line file, as bytes, without blank ones; none when the file is absent."""
    if not path.exists():
        return []
    with path.open("rb") as handle:
        return [line for line in handle if line.strip()]


class ManifestedLineFile:
    """Writes lines to one file, keeping bytes, sha256 and the record count for the manifest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = path.open("wb")
        self.digest = hashlib.sha256()
        self.bytes = 0
        self.records = 0

    def line(self, data: bytes) -> None:
        data = data if data.endswith(b"\n") else data + b"\n"
        self.handle.write(data)
        self.digest.update(data)
        self.bytes += len(data)
        self.records += 1

    def entry(self) -> dict[str, Any]:
        """Closes the file; its manifest entry (file name, bytes, sha256, records)."""
        self.handle.close()
        return {"path": self.path.name, "bytes": self.bytes, "sha256": self.digest.hexdigest(), "records": self.records}
