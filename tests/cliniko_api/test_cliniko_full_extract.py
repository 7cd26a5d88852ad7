"""extract_full over real HTTPS: the extracted folder is the practice the emulator served, record for record,
byte for byte for attachments, with a manifest that verifies, and the pipeline's dump reader accepts it."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from pathlib import Path

from cliniko_api_helpers import api_settings, by_id, cliniko_emulator, read_ndjson, sha256, stats
from pipeline_helpers import register_customer, run_pipeline, site_zones_from_truth

from customers import MigrationHome
from emulators.launcher import RunningEmulators
from sources.cliniko.api import extract_full
from sources.cliniko.settings import MANIFEST_FILE, RESOURCES
from sources.raw_layer import raw_table
from sources.registry import get_system
from store import Warehouse
from synthetic import GenerationSummary


def _records(folder: Path, resource: str) -> list[dict]:
    return read_ndjson(folder / f"{resource}.ndjson")


def test_full_extract_round_trips_the_practice(
    cliniko: RunningEmulators, cliniko_practice: GenerationSummary, tmp_path: Path
) -> None:
    original = cliniko_practice.out_dir
    out = tmp_path / "extract"
    started = dt.datetime.now(dt.UTC)
    summary = extract_full(api_settings(cliniko), out)

    # Every resource: the same ids and equal records (the served JSON parsed back; settings has no id).
    for resource in RESOURCES:
        expected, got = _records(original, resource), _records(out, resource)
        if resource == "settings":
            assert got == expected
            continue
        assert expected, resource  # the practice has records of every resource
        assert by_id(got) == by_id(expected), resource
        assert summary.records[resource] == len(expected)

    # The manifest lists every file with its size, checksum and (for resources) record count.
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    assert (manifest["system"], manifest["source"], manifest["kind"], manifest["shard"]) == (
        "cliniko",
        "api",
        "full",
        "au2",
    )
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {MANIFEST_FILE}
    assert set(listed) == on_disk
    for path, entry in listed.items():
        assert entry["bytes"] == (out / path).stat().st_size, path
        assert entry["sha256"] == sha256(out / path), path
        if "records" in entry:
            assert entry["records"] == len(read_ndjson(out / path)), path

    # Attachments: byte-identical, one per attachment record.
    files = (original / "attachments").rglob("*")
    source_files = sorted(p.relative_to(original).as_posix() for p in files if p.is_file())
    assert source_files and sorted(p for p in listed if p.startswith("attachments/")) == source_files
    for path in source_files:
        assert sha256(out / path) == sha256(original / path), path
    assert summary.attachments == len(source_files) and summary.missing_attachments == ()
    assert summary.attachment_bytes == sum((original / p).stat().st_size for p in source_files)

    # The high-water mark is the server's clock as the pass began (whole seconds, not after it began).
    assert summary.high_water_mark <= started.replace(microsecond=0) + dt.timedelta(seconds=1)
    assert manifest["high_water_mark"] == summary.high_water_mark.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert not list(tmp_path.glob(".*partial"))  # the working folder was moved into place

    # Paging at per_page=100 (§2.3): one request per 100 records of each list, no more.
    figures = stats(cliniko)
    assert set(figures["statuses"]) == {"200"}
    for resource in ("individual_appointments", "invoice_items", "treatment_notes"):
        live = [r for r in _records(original, resource) if not r.get("deleted_at")]
        assert figures["endpoints"][f"GET /v1/{resource}"] == math.ceil(len(live) / 100), resource

    # The pipeline reads the extract: raw layer (counts checked against the manifest), staging, checks.
    home = tmp_path / "home"
    truth = json.loads(cliniko_practice.truth_file.read_text())
    config = register_customer(home, "ckapi", out, site_zones=site_zones_from_truth(truth))
    outcome = run_pipeline(home, config)
    assert outcome.blocking_failures == []
    system = get_system("cliniko")
    warehouse = Warehouse.for_customer(MigrationHome(home).customer_dir("ckapi"))
    with warehouse.connect(read_only=True) as con:
        for resource in RESOURCES:
            if resource == "settings":
                continue
            ids = {row[0] for row in con.execute(f"select id from {raw_table(system, resource).sql}").fetchall()}
            assert ids == {r["id"] for r in _records(original, resource)}, resource


def test_a_practice_with_empty_resources_extracts(cliniko_dump: Path, tmp_path: Path) -> None:
    """A resource without a single record (no group classes, say) still sorts on created_at,id."""
    dump = tmp_path / "dump"
    shutil.copytree(cliniko_dump, dump)
    for resource in ("group_appointments", "attendees", "medical_alerts"):
        (dump / f"{resource}.ndjson").write_bytes(b"")
    with cliniko_emulator(dump) as running:
        summary = extract_full(api_settings(running), tmp_path / "extract")
    assert (summary.records["group_appointments"], summary.records["attendees"]) == (0, 0)
    assert summary.records["medical_alerts"] == 0
    assert summary.records["patients"] == len(read_ndjson(dump / "patients.ndjson"))


def test_a_record_deleted_while_paging_hides_no_other(cliniko_dump: Path, tmp_path: Path) -> None:
    """Pages are offsets: deleting a record on page 1 shifts page 2 by one. The changed total_entries makes
    the extractor read the list again, so every record is still extracted."""
    expected = by_id(read_ndjson(cliniko_dump / "individual_appointments.ndjson"))
    on_page_one = min(expected.values(), key=lambda r: (r["created_at"], int(r["id"])))["id"]  # sort=created_at,id
    deleted: list[str] = []
    with cliniko_emulator(cliniko_dump) as running:
        practice = running.cliniko_control
        assert practice is not None

        def progress(resource: str, count: int) -> None:
            if resource == "individual_appointments" and count == 100 and not deleted:  # page 1 read, 2 not yet
                deleted.append(practice.delete("individual_appointments", on_page_one)["id"])

        extract_full(api_settings(running), tmp_path / "extract", progress=progress)
        endpoints = stats(running)["endpoints"]
    got = by_id(read_ndjson(tmp_path / "extract" / "individual_appointments.ndjson"))
    # Nothing hidden. The deleted record was read (page 1) before its deletion, which is after the cut-off:
    # the extract holds it as it was, and the first delta carries its tombstone.
    assert deleted == [on_page_one] and got == expected
    pages = math.ceil(len(expected) / 100)
    assert endpoints["GET /v1/individual_appointments"] > pages  # the list was read again
