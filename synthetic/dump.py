"""The dump on disk: one NDJSON file per resource, attachment files, manifest.json and ground_truth.json."""

from __future__ import annotations

import hashlib
import heapq
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from sources.cliniko.settings import ATTACHMENTS_DIR, FILE_SUFFIX, MANIFEST_FILE, RESOURCES, SYNTHETIC_TRUTH_FILE
from synthetic.ids import UNREAD_RESOURCES

GROUND_TRUTH_FILE = SYNTHETIC_TRUTH_FILE
FORMAT_VERSION = 1
_OWN_MARKER = GROUND_TRUTH_FILE  # a folder holding this file was written by the generator
# Every file a dump has: the resources read, and those a real account delivers that are declared not migrated.
DUMP_RESOURCES = (*RESOURCES, *UNREAD_RESOURCES)


def prepare_out_dir(out_dir: Path) -> None:
    """Create `out_dir`, or clear a previous synthetic dump in it; refuse a folder holding anything else.

    Raises:
        FileExistsError: `out_dir` is not empty and is not a dump this generator wrote.
    """
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / _OWN_MARKER).is_file():
            raise FileExistsError(f"{out_dir} is not empty and holds no {GROUND_TRUTH_FILE}; choose an empty folder")
        for name in [*(f"{r}{FILE_SUFFIX}" for r in DUMP_RESOURCES), MANIFEST_FILE, GROUND_TRUTH_FILE]:
            (out_dir / name).unlink(missing_ok=True)
        shutil.rmtree(out_dir / ATTACHMENTS_DIR, ignore_errors=True)
    (out_dir / ATTACHMENTS_DIR).mkdir(parents=True, exist_ok=True)


class DumpWriter:
    """Appends records to the resource files while hashing them, and spools defects and attachment
    entries to side files, so memory stays flat however many clients are written."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self._files: dict[str, IO[bytes]] = {r: (out_dir / f"{r}{FILE_SUFFIX}").open("wb") for r in DUMP_RESOURCES}
        self._hashes = {r: hashlib.sha256() for r in DUMP_RESOURCES}
        self.sizes = dict.fromkeys(DUMP_RESOURCES, 0)
        self.counts = dict.fromkeys(DUMP_RESOURCES, 0)
        self.defects = 0
        self.dst_days: list[dict[str, Any]] = []
        self._defects_spool = (out_dir / ".defects.spool").open("w", encoding="utf-8")
        self._attachments_spool = (out_dir / ".attachments.spool").open("w", encoding="utf-8")

    def write(self, resource: str, data: bytes, records: int) -> None:
        """Append newline-terminated records (already encoded) to `resource`'s file."""
        self._files[resource].write(data)
        self._hashes[resource].update(data)
        self.sizes[resource] += len(data)
        self.counts[resource] += records

    def add_defects(self, entries: list[dict[str, Any]]) -> None:
        """Spool ground-truth defect entries (written into ground_truth.json by `finish`)."""
        for entry in entries:
            self._defects_spool.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.defects += len(entries)

    def add_attachments(self, entries: list[tuple[str, int, str]]) -> None:
        """Spool (path, bytes, sha256) of attachment files already on disk, for the manifest."""
        for path, size, digest in entries:
            self._attachments_spool.write(json.dumps({"path": path, "bytes": size, "sha256": digest}) + "\n")

    def finish(self, *, country: str, generated_at: str, truth_header: dict[str, Any]) -> tuple[Path, Path]:
        """Close the files and write manifest.json and ground_truth.json; returns their paths."""
        for f in self._files.values():
            f.close()
        self._defects_spool.close()
        self._attachments_spool.close()
        resource_entries = [
            {
                "path": f"{r}{FILE_SUFFIX}",
                "bytes": self.sizes[r],
                "sha256": self._hashes[r].hexdigest(),
                "records": self.counts[r],
            }
            for r in sorted(DUMP_RESOURCES)
        ]
        attachments_spool = self.out_dir / ".attachments.spool"
        manifest = self.out_dir / MANIFEST_FILE
        header = {
            "system": "cliniko",
            "format_version": FORMAT_VERSION,
            "country": country,
            "generated_at": generated_at,
        }
        with manifest.open("w", encoding="utf-8") as out:
            entries = heapq.merge(resource_entries, _sorted_lines(attachments_spool), key=lambda e: e["path"])
            _write_object(out, header, "files", (json.dumps(e) for e in entries))
        attachments_spool.unlink()

        defects_spool = self.out_dir / ".defects.spool"
        truth = self.out_dir / GROUND_TRUTH_FILE
        with truth.open("w", encoding="utf-8") as out, defects_spool.open(encoding="utf-8") as spool:
            header = {**truth_header, "counts": dict(self.counts)}
            _write_object(
                out,
                header,
                "defects",
                (line.rstrip("\n") for line in spool),
                tail={"dst_days": sorted(self.dst_days, key=lambda d: (d["local_start"], d["source_id"]))},
            )
        defects_spool.unlink()
        return manifest, truth


def _sorted_lines(spool: Path) -> Iterator[dict[str, Any]]:
    """Spooled entries in path order. They arrive sorted (ids grow with client index and are all 19
    digits long); should that ever stop being true they are sorted in memory rather than left unsorted."""
    if _out_of_order(spool):
        with spool.open(encoding="utf-8") as f:
            yield from sorted((json.loads(line) for line in f), key=lambda e: e["path"])
        return
    with spool.open(encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def _out_of_order(spool: Path) -> bool:
    previous = ""
    with spool.open(encoding="utf-8") as f:
        for line in f:
            path = json.loads(line)["path"]
            if path < previous:
                return True
            previous = path
    return False


def _write_object(
    out: IO[str],
    header: dict[str, Any],
    list_key: str,
    items: Iterator[str],
    tail: dict[str, Any] | None = None,
) -> None:
    """Write {header…, list_key: [items…], tail…} as JSON, one list item per line, streaming the list."""
    out.write("{\n")
    for key, value in header.items():
        out.write(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    _write_list(out, list_key, items)
    for key, value in (tail or {}).items():
        out.write(",\n")
        _write_list(out, key, (json.dumps(v, ensure_ascii=False) for v in value))
    out.write("\n}\n")


def _write_list(out: IO[str], key: str, items: Iterable[str]) -> None:
    out.write(f" {json.dumps(key)}: [")
    first = True
    for item in items:
        out.write(("\n  " if first else ",\n  ") + item)
        first = False
    out.write("\n ]" if not first else "]")
