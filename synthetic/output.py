"""What generating a chunk of clients produces: JSON lines per resource, defects, DST days, attachments."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sources.cliniko.settings import RESOURCES
from synthetic.cliniko import dumps


@dataclass
class ChunkOut:
    """Collects one chunk's output in memory until the parent process appends it to the dump files.

    Lines are text; a deliberately non-UTF-8 line carries its raw bytes as lone surrogates
    (surrogateescape) and `encoded` restores them.
    """

    out_dir: Path
    lines: dict[str, list[str]] = field(default_factory=lambda: {r: [] for r in RESOURCES})
    defects: list[dict[str, Any]] = field(default_factory=list)
    dst_days: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[tuple[str, int, str]] = field(default_factory=list)  # (relative path, bytes, sha256)

    def add(self, resource: str, rec: dict[str, Any]) -> None:
        """Append a record as a JSON line."""
        self.lines[resource].append(dumps(rec))

    def add_line(self, resource: str, line: str) -> None:
        """Append a line already serialised (e.g. the cp1252 defect line)."""
        self.lines[resource].append(line)

    def encoded(self) -> dict[str, tuple[bytes, int]]:
        """Per resource: (the lines as bytes, newline-terminated; how many records)."""
        return {
            r: (("\n".join(ls) + "\n").encode("utf-8", "surrogateescape"), len(ls))
            for r, ls in self.lines.items()
            if ls
        }
