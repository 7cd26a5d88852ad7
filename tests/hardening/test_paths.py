"""No file outside a delivery is ever read (issue 15 item 1).

The corpus is written here from a generated practice: attachment records whose id or file name climbs
out of the dump (`../`), is absolute, or whose file (or folder) is a symbolic link to a canary planted
outside the dump. Each is a staged reject naming file, record and field (`unsafe_path`); the canary's
bytes reach no staged row, and the loader refuses such a path before reading a byte.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from pipeline_helpers import register_customer, resign_manifest, run_pipeline, staged_frame

from sources.cliniko import snapshots
from store.files import RelativeChecker, UnsafePathError, check_inside, read_inside
from synthetic import GenerationSummary
from targets.dynamics.capabilities import DataverseCapabilities
from targets.dynamics.loader import _split_documents
from targets.dynamics.payloads import Payload, document_bytes

CANARY = b"CANARY another customer's report: must never be read\n"


@pytest.fixture
def planted(clean_practices: dict[str, GenerationSummary], tmp_path: Path) -> tuple[Path, Path]:
    """(a private copy of a clean dump, a canary file beside it — outside the dump)."""
    dump = tmp_path / "dump"
    shutil.copytree(clean_practices["NZ"].out_dir, dump)
    canary = tmp_path / "canary.txt"
    canary.write_bytes(CANARY)
    return dump, canary


def _attachments(dump: Path) -> list[dict]:
    return [json.loads(line) for line in (dump / "patient_attachments.ndjson").read_text().splitlines()]


def _write_attachments(dump: Path, records: list[dict]) -> None:
    path = dump / "patient_attachments.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    resign_manifest(path, len(records))  # delivered like this: the manifest agrees with the hostile file


def _hostile_corpus(dump: Path, canary: Path) -> dict[int, str]:
    """Damage five attachment records; returns {1-based record number: what was done}."""
    records = _attachments(dump)
    assert len(records) >= 6, "the practice needs attachments"
    done: dict[int, str] = {}
    outside = canary.parent
    # 1. `../` in the id: attachments/../<folder outside>/canary.txt
    records[0]["id"] = f"../../{outside.name}"
    records[0]["filename"] = canary.name
    done[1] = "dot-dot id"
    # 2. `../` in the file name
    records[1]["filename"] = f"../../../{canary.name}"
    done[2] = "dot-dot file name"
    # 3. an absolute file name
    records[2]["filename"] = str(canary)
    done[3] = "absolute file name"
    # 4. the file itself is a symlink to the canary
    linked = dump / "attachments" / records[3]["id"] / records[3]["filename"]
    linked.unlink()
    linked.symlink_to(canary)
    done[4] = "symlinked file"
    # 5. the attachment's folder is a symlink to a folder outside holding a file of the same name
    folder = dump / "attachments" / records[4]["id"]
    elsewhere = outside / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(canary, elsewhere / records[4]["filename"])
    shutil.rmtree(folder)
    folder.symlink_to(elsewhere, target_is_directory=True)
    done[5] = "symlinked folder"
    _write_attachments(dump, records)
    return done


def test_paths_out_of_the_dump_are_rejected_naming_file_record_and_field(
    planted: tuple[Path, Path], migration_home: Path
) -> None:
    dump, canary = planted
    hostile = _hostile_corpus(dump, canary)
    config = register_customer(migration_home, "paths", dump)
    outcome = run_pipeline(migration_home, config)

    rejects = staged_frame(migration_home, "paths", "rejects").filter(pl.col("entity") == "document")
    unsafe = rejects.filter(pl.col("reason") == "unsafe_path")
    assert sorted(unsafe["source_record"].to_list()) == sorted(hostile), hostile
    assert set(unsafe["source_table"]) == {"patient_attachments"}
    # The field is the first (in model order) of those computed from the path: its digest or the path.
    assert set(unsafe["field"]) <= {"sha256", "storage_uri"} and unsafe["field"].null_count() == 0
    assert all("leaves the dump or goes through a symbolic link" in m for m in unsafe["message"])
    assert not any(str(canary) in m or "CANARY" in m for m in unsafe["message"])

    # The canary's bytes reached no staged row: no digest of it, no path outside the dump.
    canary_sha = hashlib.sha256(CANARY).hexdigest()
    documents = staged_frame(migration_home, "paths", "document")
    assert canary_sha not in documents["sha256"].to_list()
    root = str(dump.resolve())
    assert all(p.startswith(root + "/") for p in documents["storage_uri"].drop_nulls())
    # Every other attachment was staged with its verified digest; the hostile ones are accounted for.
    assert documents.height == len(_attachments(dump)) - len(hostile)
    assert documents["sha256"].null_count() == 0
    reconciliation = staged_frame(migration_home, "paths", "reconciliation").filter(
        pl.col("source_table") == "patient_attachments"
    )
    row = reconciliation.row(0, named=True)
    assert row["considered"] == row["staged"] + row["merged"] + row["rejected"]
    assert row["rejected"] >= len(hostile)
    assert not [r for r in outcome.blocking_failures if r.definition.entity == "document"]


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("attachments/1/../../x", "unsafe_path"),
        ("attachments/..", "unsafe_path"),
        ("/etc/passwd", "unsafe_path"),
        ("attachments//etc/passwd", "unsafe_path"),
        ("attachments/1/a\0b", "unsafe_path"),
        ("attachments/./1/a.pdf", "unsafe_path"),
        ("attachments/9/none.pdf", "missing_file"),
    ],
)
def test_relative_paths_that_leave_the_root_are_refused(tmp_path: Path, relative: str, expected: str) -> None:
    (tmp_path / "attachments" / "1").mkdir(parents=True)
    (tmp_path / "attachments" / "1" / "a.pdf").write_bytes(b"%PDF")
    checker = RelativeChecker(tmp_path)
    assert checker.check(relative) == (None, expected)
    assert checker.check("attachments/1/a.pdf") == (str((tmp_path / "attachments/1/a.pdf").resolve()), None)


def test_the_loader_refuses_a_document_outside_its_folders_before_reading_it(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    (dump / "attachments" / "1").mkdir(parents=True)
    inside = dump / "attachments" / "1" / "ok.pdf"
    inside.write_bytes(b"%PDF ok")
    canary = tmp_path / "canary.txt"
    canary.write_bytes(CANARY)
    link = dump / "attachments" / "1" / "link.pdf"
    link.symlink_to(canary)
    (dump / "attachments" / "2").symlink_to(tmp_path, target_is_directory=True)
    roots = (dump,)

    assert read_inside(inside, roots) == b"%PDF ok"
    for hostile in (canary, link, dump / "attachments" / "2" / "canary.txt", dump / ".." / "canary.txt", "rel.pdf"):
        with pytest.raises(UnsafePathError) as error:
            check_inside(hostile, roots, "document")
        assert "CANARY" not in str(error.value)

    def note(guid: str, file: Path) -> Payload:
        return Payload("annotation", guid, guid, {}, None, str(file), "h", file_roots=roots)

    assert document_bytes(note("a", inside)) == b"%PDF ok"
    with pytest.raises(UnsafePathError):
        document_bytes(note("b", link))
    # The step that sizes documents before sending refuses them, with their own code (never `missing_file`).
    inline, blocks, refused = _split_documents(DataverseCapabilities(), [note("a", inside), note("b", link)])
    assert list(inline) == ["a"] and not blocks
    assert [(p.guid, e.code) for p, e in refused] == [("b", "unsafe_path")]
    # A payload without allowed folders reads nothing at all.
    with pytest.raises(UnsafePathError):
        document_bytes(Payload("annotation", "c", "c", {}, None, str(inside), "h"))


def test_a_snapshot_manifest_listing_a_file_outside_is_not_linked_in(tmp_path: Path) -> None:
    canary = tmp_path / "canary.txt"
    canary.write_bytes(CANARY)
    current, delta, out = tmp_path / "current", tmp_path / "delta", tmp_path / "out"
    for folder, listed in (
        (current, []),
        (delta, [{"path": "../canary.txt", "bytes": len(CANARY), "sha256": "0" * 64}]),
    ):
        folder.mkdir()
        (folder / "manifest.json").write_text(json.dumps({"files": listed}))
    with pytest.raises(ValueError, match="leaves the folder or is a symbolic link"):
        snapshots._attachments(current, delta, out)
    assert not out.exists() or not any(out.rglob("*"))
