"""PPMP read directly from SQL Server with its shared folder (sources/sqlserver/shared_files.py; the layout is
ASSUMED, sources/ppmp/README.md): through a DB-API double standing in for python-tds, the letters the `Letters`
table names are copied into the snapshot under `PPMP/Letters/` and stage with the same sizes and hashes as the
same rows delivered as a bcp extract with the folder beside it; a `FileName` that leaves the folder (`..`, an
absolute path, a symbolic link) is refused and never read; a letter not in the folder is reported missing by
the document check, as it is for an extract; without the folder configured nothing is copied and every letter
is reported missing, as before."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from golden_staging import stage_delivery, staged_rows, write_golden_extract
from mssql_double import MssqlDouble, serving
from pydantic import ValidationError

from checks.findings import CheckInput
from checks.integrity import rejects_check
from checks.rules import files_verified
from customers import MigrationHome
from customers.config import CustomerConfigError, _location
from sources.completeness import rule_of
from sources.coverage import files_not_read
from sources.ppmp import SYSTEM as PPMP
from sources.ppmp.settings import LETTERS_FOLDER, SCHEMA, SHARED
from sources.sqlserver.definitions import ColumnDefinition, TableDefinition
from sources.sqlserver.direct import (
    MssqlReadError,
    MssqlSharedFolderSource,
    MssqlSource,
    ServerSnapshot,
    cell_text,
    take_server_snapshot,
)
from store import Warehouse

ENV_NAME = "PM_PPMP_AU__MSSQL_DSN"
ENV = {ENV_NAME: "mssql://migrator:pw@sql.internal/PMPDATA"}
REFERRAL = b"%PDF-1.4\n% referral letter\n"
SCAN = b"\xff\xd8\xff\xe0 a scanned attachment"
PATIENTS = [
    {"PatientID": 11, "FirstName": "Avery", "Surname": "Quill", "DOB": dt.date(1972, 7, 2), "Sex": "F", "Archived": 0},
    {"PatientID": 12, "FirstName": "Sam", "Surname": "Lee", "DOB": dt.date(1985, 12, 31), "Sex": "M", "Archived": 0},
]
LETTERS = [
    {"LetterID": 601, "PatientID": 11, "FileName": "referral-11.pdf", "Description": "Referral"},
    {"LetterID": 602, "PatientID": 11, "FileName": "scans/scan-11.jpg", "Description": "Scan"},
    {"LetterID": 603, "PatientID": 12, "FileName": "discharge-12.pdf", "Description": "Discharge"},  # not in folder
    {"LetterID": 604, "PatientID": 12, "FileName": "referral-11.pdf", "Description": "Copy"},  # same file again
]


def _tables() -> list[str]:
    return sorted(SCHEMA)


def _shared_folder(root: Path) -> Path:
    """The practice's PPMP folder: two named letters (one in a subfolder) and one no row names."""
    letters = root / "PPMP" / "Letters"
    (letters / "scans").mkdir(parents=True)
    (letters / "referral-11.pdf").write_bytes(REFERRAL)
    (letters / "scans" / "scan-11.jpg").write_bytes(SCAN)
    (letters / "stray-note.txt").write_bytes(b"not named by any row")
    return root / "PPMP"


def _server(letters: list[dict[str, object]]) -> MssqlDouble:
    return serving({name: SCHEMA[name] for name in _tables()}, {"PATIENTS": PATIENTS, "LETTERS": letters})


def _snapshot(tmp_path: Path, letters: list[dict[str, object]], folder: Path | None) -> ServerSnapshot:
    location = MssqlSharedFolderSource(mssql_dsn_env=ENV_NAME, shared_folder=folder)
    server = _server(letters)
    snapshot = take_server_snapshot(location, tmp_path / "extracts", _tables(), ENV, lambda _dsn: server, shared=SHARED)
    assert server.closed
    return snapshot


def _documents(warehouse: Warehouse) -> list[dict[str, Any]]:
    return staged_rows(warehouse, "document", "canonical_id", "file_name", "size_bytes", "sha256", "description")


def _flagged_documents(warehouse: Warehouse) -> dict[str, dict[str, str]]:
    """The approval checklist's document checks as the pipeline runs them — files_verified (ERROR) and
    rejects (WARN) — as check → flagged id → detail."""
    found: dict[str, dict[str, str]] = {}
    with warehouse.connect(read_only=True) as con:
        for name, check in (("files_verified", files_verified), ("rejects", rejects_check)):
            flagged = check(CheckInput("document", "trial", "ppmp", dt.date(2026, 11, 1), con)).flagged
            found[name] = dict(zip(flagged["canonical_id"].to_list(), flagged["detail"].to_list(), strict=True))
    return found


def _extract(tmp_path: Path, letters: list[dict[str, object]], shared: Path | None) -> Path:
    """The same rows delivered as bcp files with a script, the shared folder copied beside them."""
    as_text: dict[str, list[Mapping[str, str]]] = {}
    for name, rows in (("PATIENTS", PATIENTS), ("LETTERS", letters)):
        columns = {c.name: c for c in SCHEMA[name].columns}
        as_text[name] = [{k: str(cell_text(v, columns[k])) for k, v in row.items()} for row in rows]
    tables = {name: as_text.get(name, []) for name in _tables()}
    delivery = write_golden_extract(tmp_path / "extract", SCHEMA, tables, style="bcp", definitions="script")
    if shared is not None:
        for path in sorted(shared.rglob("*")):
            if path.is_file():
                target = delivery / "PPMP" / path.relative_to(shared)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
    return delivery


def test_the_letters_land_in_the_snapshot_with_the_hashes_an_extract_delivery_gives(tmp_path: Path) -> None:
    shared = _shared_folder(tmp_path / "share")
    result = _snapshot(tmp_path, LETTERS, shared)
    letters = result.snapshot / LETTERS_FOLDER
    assert sorted(p.relative_to(letters).as_posix() for p in letters.rglob("*") if p.is_file()) == [
        "referral-11.pdf",
        "scans/scan-11.jpg",
    ]  # the named files only: the stray one stays in the practice's folder
    manifest = json.loads((result.snapshot / "manifest.json").read_text(encoding="utf-8"))
    entries = {e["path"]: e for e in manifest["files"]}
    assert entries["PPMP/Letters/referral-11.pdf"] == {
        "path": "PPMP/Letters/referral-11.pdf",
        "bytes": len(REFERRAL),
        "sha256": hashlib.sha256(REFERRAL).hexdigest(),
    }
    assert entries["LETTERS.csv"]["records"] == 4 and "INFORMATION_SCHEMA.COLUMNS.csv" in entries
    # The manifest is a delivery's: PPMP's completeness rule checks every listed file against it.
    assert rule_of(PPMP.completeness).problems(result.snapshot) == []
    assert files_not_read(result.snapshot, PPMP) == []
    assert result.findings == {
        "shared_folder": "copied",
        "files_copied": 2,
        "files_missing": 1,
        "files_refused": 0,
        "files_not_referenced": 1,
        "missing_rows": ["LETTERS.FileName@LetterID=603"],
        "refused_rows": [],
    }
    assert manifest["shared_folder"]["not_referenced"] == ["Letters/stray-note.txt"]

    direct = stage_delivery("ppmp", result.snapshot, country="AU", time_zone="Australia/Sydney")
    extract = stage_delivery("ppmp", _extract(tmp_path, LETTERS, shared), country="AU", time_zone="Australia/Sydney")
    assert _documents(direct) == _documents(extract)
    by_id = {row["canonical_id"]: row for row in _documents(direct)}
    assert by_id["ppmp:document:601"]["sha256"] == hashlib.sha256(REFERRAL).hexdigest()
    assert by_id["ppmp:document:604"]["sha256"] == hashlib.sha256(REFERRAL).hexdigest()  # one file, named twice
    assert by_id["ppmp:document:602"]["size_bytes"] == len(SCAN)
    # The letter missing from the folder is reported by the document checks exactly as for the extract: its
    # row is rejected (no file to size), so it is not migrated, and the report gives the file's absence as the
    # reason (not a bare "a required field has no value").
    assert _flagged_documents(direct) == _flagged_documents(extract)
    assert _flagged_documents(direct) == {
        "files_verified": {},
        "rejects": {"ppmp:document:603": "missing_file:size_bytes"},
    }


def test_a_file_name_leaving_the_folder_or_through_a_link_is_refused_and_never_read(tmp_path: Path) -> None:
    shared = _shared_folder(tmp_path / "share")
    secret = tmp_path / "share" / "outside.pdf"
    secret.write_bytes(b"SECRET outside the letters folder")
    (shared / "Letters" / "linked.pdf").symlink_to(secret)
    (shared / "Letters" / "linked-dir").symlink_to(tmp_path / "share", target_is_directory=True)
    hostile = [
        {"LetterID": 701, "PatientID": 11, "FileName": "../../outside.pdf"},
        {"LetterID": 702, "PatientID": 11, "FileName": str(secret)},  # absolute
        {"LetterID": 703, "PatientID": 11, "FileName": "linked.pdf"},  # a link to a file outside
        {"LetterID": 704, "PatientID": 11, "FileName": "linked-dir/outside.pdf"},  # through a linked folder
        {"LetterID": 705, "PatientID": 11, "FileName": "scans/../../../outside.pdf"},
        {"LetterID": 706, "PatientID": 11, "FileName": "referral-11.pdf"},
    ]
    result = _snapshot(tmp_path, hostile, shared)
    copied = [p for p in result.snapshot.rglob("*") if p.is_file() or p.is_symlink()]
    assert not any(p.is_symlink() for p in copied)
    assert all(b"SECRET" not in p.read_bytes() for p in copied if p.name != "LETTERS.csv")
    assert [p.relative_to(result.snapshot).as_posix() for p in copied if "PPMP" in p.parts] == [
        "PPMP/Letters/referral-11.pdf"
    ]
    assert result.findings["files_refused"] == 5 and result.findings["files_copied"] == 1
    assert result.findings["refused_rows"] == [f"LETTERS.FileName@LetterID={n}" for n in range(701, 706)]
    manifest = json.loads((result.snapshot / "manifest.json").read_text(encoding="utf-8"))
    findings = manifest["shared_folder"]["findings"]
    assert findings[0] == (
        "LETTERS row LetterID=701, column FileName: names a path out of the shared folder or through a symbolic "
        "link (refused, not read)"
    )
    # Table, key and column: never the name a row gave (it may hold a patient's name) nor where it pointed.
    shown = json.dumps([findings, result.findings])
    assert "outside" not in shown and "linked" not in shown and str(tmp_path) not in shown
    # Staging refuses the same rows again from the table (the path leaves the snapshot or is not there).
    direct = stage_delivery("ppmp", result.snapshot, country="AU", time_zone="Australia/Sydney")
    assert [r["canonical_id"] for r in _documents(direct) if r["sha256"]] == ["ppmp:document:706"]
    # Each refused row's rejection names why: a path leaving the snapshot is `unsafe_path`; the two links were
    # never copied, so in the snapshot their files are simply absent (`missing_file`).
    assert _flagged_documents(direct)["rejects"] == {
        "ppmp:document:701": "unsafe_path:size_bytes",
        "ppmp:document:702": "unsafe_path:size_bytes",
        "ppmp:document:703": "missing_file:size_bytes",
        "ppmp:document:704": "missing_file:size_bytes",
        "ppmp:document:705": "unsafe_path:size_bytes",
    }


def test_without_the_shared_folder_nothing_is_copied_and_every_letter_is_reported_missing(tmp_path: Path) -> None:
    result = _snapshot(tmp_path, LETTERS, None)
    assert not (result.snapshot / "PPMP").exists()
    assert result.findings == {"shared_folder": "not configured: the files the tables name are not delivered"}
    direct = stage_delivery("ppmp", result.snapshot, country="AU", time_zone="Australia/Sydney")
    # The approval checklist's document checks flag every letter as not delivered (no file to size).
    assert _flagged_documents(direct) == {
        "files_verified": {},
        "rejects": {f"ppmp:document:{n}": "missing_file:size_bytes" for n in (601, 602, 603, 604)},
    }
    # A system without a shared folder reads exactly as before: no shared-folder key, no findings.
    plain = take_server_snapshot(
        MssqlSource(mssql_dsn_env=ENV_NAME), tmp_path / "plain", _tables(), ENV, lambda _dsn: _server(LETTERS)
    )
    assert plain.findings == {} and "shared_folder" not in json.loads((plain.snapshot / "manifest.json").read_text())


def test_the_shared_folder_is_configured_and_checked_like_a_dump_folder(tmp_path: Path) -> None:
    block = {"mssql_dsn_env": ENV_NAME, "shared_folder": "ppmp-share/PPMP"}
    assert _location("ppmp", "trial", block) == MssqlSharedFolderSource(
        mssql_dsn_env=ENV_NAME, shared_folder=Path("ppmp-share/PPMP")
    )
    with pytest.raises(ValidationError, match=r"trial\.shared_folder"):
        _location("profile", "trial", block)  # Profile's tables name no files: the key is unknown there
    config = {
        "customer_id": "ppmp-au",
        "name": "Harbour Physio Sydney",
        "country": "AU",
        "time_zone": "Australia/Sydney",
        "source": {"system": "ppmp", "trial": block},
        "fallback_owner_email": "owner@harbour.example",
    }
    files = tmp_path / "files"
    files.mkdir()
    (files / "ppmp-au.yaml").write_text(json.dumps(config), encoding="utf-8")
    home = MigrationHome(tmp_path / "home")
    with pytest.raises(CustomerConfigError, match=r"source\.trial\.shared_folder: expected an existing folder"):
        home.register(files / "ppmp-au.yaml")
    shared = _shared_folder(files / "ppmp-share")
    registered = home.register(files / "ppmp-au.yaml")
    # The registered copy names the folder absolutely (a relative path is relative to the file it was written in).
    assert registered.source.trial.shared_folder == shared  # type: ignore[attr-defined]
    assert registered.shared_folder("trial") == shared
    assert home.customer_paths("ppmp-au")[1] == [shared]  # listed for the operator, never purged
    inside_another = home.customer_dir("other") / "PPMP"
    inside_another.mkdir(parents=True)
    config["source"]["trial"]["shared_folder"] = str(inside_another)  # type: ignore[index]
    (files / "ppmp-au.yaml").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(CustomerConfigError, match=r"shared_folder: expected a folder outside other customers"):
        home.register(files / "ppmp-au.yaml")


def test_the_extraction_step_reads_the_configured_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """source/extract calls a system's snapshot with a progress callback; PPMP's reaches the server read."""
    assert PPMP.extraction is not None and PPMP.extraction.location_model is MssqlSharedFolderSource
    monkeypatch.delenv(ENV_NAME, raising=False)
    location = MssqlSharedFolderSource(mssql_dsn_env=ENV_NAME, shared_folder=tmp_path)
    with pytest.raises(MssqlReadError, match=rf"^{ENV_NAME}: not set"):
        PPMP.extraction.snapshot(location, tmp_path / "extracts", lambda _line: None)
    monkeypatch.setenv(ENV_NAME, ENV[ENV_NAME])
    gone = MssqlSharedFolderSource(mssql_dsn_env=ENV_NAME, shared_folder=tmp_path / "not-there")
    with pytest.raises(MssqlReadError, match=r"not an existing folder"):
        PPMP.extraction.snapshot(gone, tmp_path / "extracts", lambda _line: None)


def test_the_file_column_is_found_whatever_its_case_and_its_absence_is_refused(tmp_path: Path) -> None:
    shared = _shared_folder(tmp_path / "share")
    letters = SCHEMA["LETTERS"]
    upper = TableDefinition(
        "LETTERS", tuple(ColumnDefinition(c.name.upper(), c.data_type, c.collation) for c in letters.columns)
    )
    rows = [{k.upper(): v for k, v in row.items()} for row in LETTERS]
    server = serving({**{n: SCHEMA[n] for n in _tables()}, "LETTERS": upper}, {"PATIENTS": PATIENTS, "LETTERS": rows})
    location = MssqlSharedFolderSource(mssql_dsn_env=ENV_NAME, shared_folder=shared)
    result = take_server_snapshot(location, tmp_path / "a", _tables(), ENV, lambda _dsn: server, shared=SHARED)
    assert result.findings["files_copied"] == 2 and result.findings["missing_rows"] == ["LETTERS.FileName@LetterID=603"]
    # A database whose Letters table has no FileName (another version): refused, not read as "no letters".
    without = TableDefinition("LETTERS", tuple(c for c in letters.columns if c.name != "FileName"))
    server = serving({**{n: SCHEMA[n] for n in _tables()}, "LETTERS": without}, {"LETTERS": LETTERS})
    with pytest.raises(MssqlReadError, match=r"^table LETTERS: no column\(s\) \['FileName'\]"):
        take_server_snapshot(location, tmp_path / "b", _tables(), ENV, lambda _dsn: server, shared=SHARED)
    assert not any((tmp_path / "b" / "snapshots").glob("[0-9][0-9][0-9][0-9]"))  # no complete snapshot
