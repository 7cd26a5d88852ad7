"""Helpers for the bad-input corpus: damage records of a copied dump and keep its manifest true to it."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

NDJSON = ".ndjson"
# A value planted in a damaged record; no message, issue or Dagster event may ever contain it.
SECRET = "SECRETVALUE"
# Strings that are markup in a browser: every report must show them as text.
HOSTILE = ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", '"><svg onload=alert(3)>')
HOSTILE_PRACTICE = f"Harbour {HOSTILE[0]} & 'Co' {HOSTILE[2]}"
HOSTILE_FILE_NAME = "<svg onload=alert(4)>.pdf"


def copy_dump(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def deep_json(depth: int, leaf: str = f'"{SECRET}"') -> str:
    """JSON text of `depth` nested arrays around `leaf` (deeper than Python's parser accepts at 5000)."""
    return "[" * depth + leaf + "]" * depth


def refresh_manifest(dump: Path) -> None:
    """Rewrite manifest.json's bytes, sha256 and record count of every resource file, so a corpus
    variant is refused for what it plants, not for a stale manifest."""
    path = dump / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        file = dump / entry["path"]
        if not entry["path"].endswith(NDJSON) or not file.exists():
            continue
        data = file.read_bytes()
        entry["bytes"] = len(data)
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        entry["records"] = sum(1 for line in data.splitlines() if line.strip())
    path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def edit_lines(dump: Path, resource: str, edits: dict[int, Callable[[bytes], bytes]]) -> None:
    """Replace the raw bytes of records (1-based) of `<resource>.ndjson`; the manifest follows."""
    path = dump / f"{resource}{NDJSON}"
    lines = path.read_bytes().splitlines()
    for number, edit in edits.items():
        lines[number - 1] = edit(lines[number - 1])
    path.write_bytes(b"\n".join(lines) + b"\n")
    refresh_manifest(dump)


def set_field(
    name: str, value: Any = None, *, raw: str | None = None, delete: bool = False
) -> Callable[[bytes], bytes]:
    """An edit setting a record's field to a JSON value (or raw JSON text), or deleting it."""

    def edit(line: bytes) -> bytes:
        record = json.loads(line)
        if delete:
            record.pop(name, None)
            return json.dumps(record, ensure_ascii=False).encode()
        if raw is None:
            record[name] = value
            return json.dumps(record, ensure_ascii=False).encode()
        record[name] = "__RAW__"
        return json.dumps(record, ensure_ascii=False).replace('"__RAW__"', raw).encode()

    return edit


def map_field(name: str, change: Callable[[Any], Any]) -> Callable[[bytes], bytes]:
    """An edit replacing a record's field with `change(its delivered value)`."""

    def edit(line: bytes) -> bytes:
        data = json.loads(line)
        data[name] = change(data.get(name))
        return json.dumps(data).encode()

    return edit


def record(dump: Path, resource: str, number: int) -> dict[str, Any]:
    line = (dump / f"{resource}{NDJSON}").read_bytes().splitlines()[number - 1]
    return json.loads(line)
