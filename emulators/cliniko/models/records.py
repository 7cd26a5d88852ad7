"""The practice in memory: one collection per dump file, records keyed by id, each with its served JSON text."""

from __future__ import annotations

import json
import pathlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from ..constants import (
    ATTACHMENTS_DIR,
    DEFAULT_SHARD,
    DUMP_SUFFIX,
    REAL_BASE_PATTERN,
    REAL_BASE_TEMPLATE,
    UNSHARDED_BASE,
)

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# Cliniko ids are 64-bit integers (research/sources.md §2.5); new ids stay below 2**63 - 1.
_MAX_ID = 2**63 - 1


@dataclass
class Record:
    """One API record: its fields and the compact JSON text served for it (the dump's own line)."""

    data: dict[str, Any]
    text: str

    @classmethod
    def of(cls, data: dict[str, Any]) -> Record:
        return cls(data, _ENCODER.encode(data))

    @property
    def id(self) -> str:
        return str(self.data.get("id"))


def present(value: Any) -> bool:
    """A timestamp that is set: old payloads send "" for "not archived / not deleted" (§2.7 notes)."""
    return value is not None and value != ""


class Collection:
    """Every record of one resource, by id, in load/creation order; ``version`` changes on every write."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.records: dict[str, Record] = {}
        self.fields: list[str] = []
        self.version = 0
        self._max_id = 0
        self._string_ids = True

    def add(self, record: Record) -> None:
        key = record.id if "id" in record.data else str(len(self.records))
        self.records[key] = record
        for name in record.data:
            if name not in self.fields:
                self.fields.append(name)
        raw = record.data.get("id")
        if isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit()):
            self._max_id = max(self._max_id, int(raw))
            self._string_ids = isinstance(raw, str)
        self.version += 1

    def new_id(self) -> str | int:
        """An id shaped like the dump's: the next integer after the largest (a 19-digit string for Cliniko)."""
        value = self._max_id + 1 if self._max_id else secrets.randbelow(_MAX_ID // 10) + 10**18
        return str(value) if self._string_ids else value

    def replace(self, key: str, data: dict[str, Any]) -> Record:
        record = Record.of(data)
        self.records[key] = record
        self.version += 1
        return record


@dataclass
class Practice:
    """Everything a dump folder holds, parsed with the standard library only."""

    collections: dict[str, Collection]
    shard: str | None

    def collection(self, name: str) -> Collection | None:
        return self.collections.get(name)

    def rebased(self, shard: str) -> Practice:
        """This practice with every https://api.<shard>.cliniko.com/v1/ link naming ``shard`` instead.

        A dump taken on one shard, served by an emulator configured for another, must link to the shard
        the key belongs to (a client refuses to send its key to another shard's host).
        """
        if self.shard is None or self.shard == shard:
            return self
        olds = [REAL_BASE_TEMPLATE.format(shard=self.shard) + "/"]
        if self.shard == DEFAULT_SHARD:
            olds.append(UNSHARDED_BASE + "/")  # au1's links may use the host without a shard
        new = REAL_BASE_TEMPLATE.format(shard=shard) + "/"
        for collection in self.collections.values():
            for key, record in list(collection.records.items()):
                if any(old in record.text for old in olds):
                    text = record.text
                    for old in olds:
                        text = text.replace(old, new)
                    collection.records[key] = Record(json.loads(text), text)
            collection.version += 1
        self.shard = shard
        return self


def load_practice(dump_dir: pathlib.Path) -> Practice:
    """Read every ``<resource>.ndjson`` of a dump folder (research/sources.md §2: records as the API sends them).

    Lines are kept as served text. A line that is not UTF-8 but decodes as cp1252 is transcoded (the API
    always speaks UTF-8; only a dump file can carry such a line).

    Raises:
        ValueError: The folder has no resource files, or a line is not a JSON object (file and line named).
    """
    dump_dir = pathlib.Path(dump_dir)
    files = sorted(dump_dir.glob(f"*{DUMP_SUFFIX}"))
    if not files:
        raise ValueError(f"{dump_dir}: no *{DUMP_SUFFIX} resource files (expected a Cliniko dump folder)")
    collections: dict[str, Collection] = {}
    shard: str | None = None
    for path in files:
        collection = Collection(path.name[: -len(DUMP_SUFFIX)])
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                text = _decode(raw).strip()
                try:
                    data = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}: line {number}: not valid JSON ({exc.msg})") from None
                if not isinstance(data, dict):
                    raise ValueError(f"{path}: line {number}: expected a JSON object")
                collection.add(Record(data, text))
                shard = shard or _shard_of_links(text)
        collections[collection.name] = collection
    return Practice(collections, shard)


def attachment_path(dump_dir: pathlib.Path, record: Record) -> pathlib.Path | None:
    """Where the bytes of one patient attachment live: ``attachments/<id>/<filename>`` (settings.py layout)."""
    folder = pathlib.Path(dump_dir) / ATTACHMENTS_DIR / record.id
    filename = record.data.get("filename")
    if isinstance(filename, str) and filename and pathlib.Path(filename).name == filename:
        candidate = folder / filename
        if candidate.is_file():
            return candidate
    files = sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []
    return files[0] if len(files) == 1 else None


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _shard_of_links(text: str) -> str | None:
    match = re.search(REAL_BASE_PATTERN, text)
    return (match.group(1) or DEFAULT_SHARD).lower() if match else None
