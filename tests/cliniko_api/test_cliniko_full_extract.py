"""extract_full over real HTTPS: the extracted folder is the practice the emulator served, record for record,
byte for byte for attachments, with a manifest that verifies, and the pipeline's dump reader accepts it."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
from pathlib import Path

import polars as pl
from cliniko_api_helpers import (
    api_settings,
    as_served,
    by_id,
    cliniko_emulator,
    raw_client,
    read_ndjson,
    sha256,
    stats,
)
from pipeline_helpers import register_customer, run_pipeline, site_zones_from_truth, staged_frame

from customers import MigrationHome
from emulators.launcher import RunningEmulators
from sources.cliniko.api import extract_full
from sources.cliniko.api_settings import SOURCE_LIST_FIELD
from sources.cliniko.settings import MANIFEST_FILE, RESOURCES
from sources.raw_layer import raw_table
from sources.registry import get_system
from store import Warehouse
from synthetic import GenerationSummary


def _records(folder: Path, resource: str) -> list[dict]:
    return read_ndjson(folder / f"{resource}.ndjson")


def _origin(resource: str, record: dict) -> str | None:
    """The list the API serves a (not deleted) record from, by what the record says (§2.4, emulator README)."""
    if resource in ("patients", "appointment_types"):
        return "archived" if record.get("archived_at") else "main"
    if resource in ("individual_appointments", "attendees"):
        return "cancelled" if record.get("cancelled_at") else "main"
    if resource == "practitioners":
        return "inactive" if record.get("active") is False else "main"
    return None


def test_full_extract_round_trips_the_practice(
    cliniko: RunningEmulators, cliniko_practice: GenerationSummary, tmp_path: Path
) -> None:
    original = cliniko_practice.out_dir
    out = tmp_path / "extract"
    started = dt.datetime.now(dt.UTC)
    summary = extract_full(api_settings(cliniko), out)

    # Every resource: the same ids and equal records (the served JSON parsed back; settings has no id),
    # each record of a resource with side lists marked with the list it came from.
    for resource in RESOURCES:
        expected, got = _records(original, resource), _records(out, resource)
        assert expected, resource  # the practice has records of every resource
        if RESOURCES[resource].key is None:  # settings, referral_sources: no id, the same records in order
            assert got == expected, resource
            assert summary.records[resource] == len(expected)
            continue
        origins = {r["id"]: r.pop(SOURCE_LIST_FIELD, None) for r in got}
        assert by_id(got) == by_id(expected), resource
        assert summary.records[resource] == len(expected)
        assert origins == {r["id"]: _origin(resource, r) for r in expected}, resource

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
    # Attachment bytes came through the content link's redirect, once each.
    assert set(figures["statuses"]) == {"200", "302"}
    assert figures["endpoints"]["GET /v1/patient_attachments/{id}/content"] == len(source_files)
    assert figures["endpoints"]["GET /_files/{id}"] == len(source_files)
    for resource in ("individual_appointments", "invoice_items", "treatment_notes"):
        live = [
            r for r in _records(original, resource) if not r.get("deleted_at") and _origin(resource, r) != "cancelled"
        ]
        assert figures["endpoints"][f"GET /v1/{resource}"] == math.ceil(len(live) / 100), resource
    # Cancelled appointments and attendees come only from their own lists, read in full.
    for resource in ("individual_appointments", "attendees"):
        cancelled = [r for r in _records(original, resource) if r.get("cancelled_at") and not r.get("deleted_at")]
        assert cancelled, resource
        assert figures["endpoints"][f"GET /v1/{resource}/cancelled"] == math.ceil(len(cancelled) / 100), resource

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
            if RESOURCES[resource].key is None:  # referral_sources: one row per record, none without its patient
                table = raw_table(system, resource).sql
                assert con.execute(f"select count(*), count(patient) from {table}").fetchone() == (
                    (len(_records(original, resource)),) * 2
                ), resource
                continue
            ids = {row[0] for row in con.execute(f"select id from {raw_table(system, resource).sql}").fetchall()}
            assert ids == {r["id"] for r in _records(original, resource)}, resource
    # Practitioners read from /practitioners/inactive are staged inactive; cancelled appointments keep
    # their reason and note.
    practitioners = staged_frame(home, "ckapi", "practitioner")
    inactive = {str(r["id"]) for r in _records(original, "practitioners") if r.get("active") is False}
    assert set(practitioners.filter(~pl.col("is_active"))["source_id"]) == inactive
    appointments = staged_frame(home, "ckapi", "appointment").filter(
        pl.col("source_table") == "individual_appointments"
    )
    for record in _records(original, "individual_appointments"):
        if record.get("cancelled_at") and not record.get("deleted_at"):
            row = appointments.filter(pl.col("source_id") == str(record["id"])).row(0, named=True)
            assert row["status"] == "cancelled"
            assert row["cancellation_note"] == (record.get("cancellation_note") or None)
            assert row["cancellation_reason"] is not None


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
    got = as_served(read_ndjson(tmp_path / "extract" / "individual_appointments.ndjson"))
    # Nothing hidden. The deleted record was read (page 1) before its deletion, which is after the cut-off:
    # the extract holds it as it was, and the first delta carries its tombstone.
    assert deleted == [on_page_one] and got == expected
    pages = math.ceil(len(expected) / 100)
    assert endpoints["GET /v1/individual_appointments"] > pages  # the list was read again


def test_links_on_the_unsharded_host_are_followed(cliniko_dump: Path, tmp_path: Path) -> None:
    """An au1 account's links may name https://api.cliniko.com (guides/sharding.md: the same service as
    api.au1.cliniko.com): the extraction follows them, attachment downloads included."""
    legacy = tmp_path / "legacy"
    shutil.copytree(cliniko_dump, legacy)
    for path in legacy.glob("*.ndjson"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"https://api\.\w+\.cliniko\.com/v1/", "https://api.cliniko.com/v1/", text), "utf-8")
    out = tmp_path / "extract"
    with cliniko_emulator(legacy) as running:
        assert str(running.endpoints.cliniko_api_key).endswith("-au1")
        summary = extract_full(api_settings(running), out)
    attachments = _records(out, "patient_attachments")
    assert attachments and all(
        a["content"]["links"]["self"].startswith("https://api.cliniko.com/v1/") for a in attachments
    )
    files = sorted(p.relative_to(legacy).as_posix() for p in (legacy / "attachments").rglob("*") if p.is_file())
    assert summary.attachments == len(files) and summary.missing_attachments == ()
    for path in files:
        assert sha256(out / path) == sha256(legacy / path), path
    assert {r: summary.records[r] for r in RESOURCES} == {r: len(_records(legacy, r)) for r in RESOURCES}


def test_a_key_without_the_settings_role_reads_the_public_settings(cliniko_dump: Path, tmp_path: Path) -> None:
    """GET /settings is for roles that can view settings; /settings/public for any user (sections/settings.md).
    Without the role the extraction completes from the public settings and says so."""
    out = tmp_path / "extract"
    with cliniko_emulator(cliniko_dump, can_view_settings=False) as running:
        with raw_client(running) as client:
            refused, public = client.get("settings"), client.get("settings/public")
        summary = extract_full(api_settings(running), out)
    assert refused.status_code == 403 and public.status_code == 200
    assert summary.settings_read_from == "settings/public"
    assert json.loads((out / MANIFEST_FILE).read_text())["settings_read_from"] == "settings/public"
    # The custom field definitions the mapping reads are in the public settings.
    assert _records(out, "settings") == _records(cliniko_dump, "settings") == [public.json()]
    assert {r: summary.records[r] for r in RESOURCES} == {r: len(_records(cliniko_dump, r)) for r in RESOURCES}


def test_an_attachment_still_processing_is_reported_not_lost(cliniko_dump: Path, tmp_path: Path) -> None:
    """A record with processing_completed false has no filename, size or bytes yet (sections/patient_attachments.md):
    the extraction keeps the record, downloads the others and lists it as still processing."""
    dump = tmp_path / "dump"
    shutil.copytree(cliniko_dump, dump)
    path = dump / "patient_attachments.ndjson"
    records = read_ndjson(path)
    waiting = records[0]
    shutil.rmtree(dump / "attachments" / waiting["id"])
    waiting.update(processing_completed=False, filename=None, size=None)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "extract"
    with cliniko_emulator(dump) as running:
        summary = extract_full(api_settings(running), out)
    assert summary.attachments_processing == (waiting["id"],) and summary.missing_attachments == ()
    assert summary.attachments == len(records) - 1
    assert json.loads((out / MANIFEST_FILE).read_text())["attachments_processing"] == [waiting["id"]]
    assert waiting["id"] in by_id(_records(out, "patient_attachments"))
    assert not (out / "attachments" / waiting["id"]).exists()


def test_reference_numbers_are_read_per_practitioner_and_a_404_is_recorded_against_its_record(
    cliniko_dump: Path, tmp_path: Path
) -> None:
    """sections/practitioner_reference_numbers.md documents only /practitioners/:id/practitioner_reference_numbers.
    A practitioner deleted after the practitioners were listed answers 404 there: recorded against that
    practitioner, the extraction goes on."""
    numbers = _records(cliniko_dump, "practitioner_reference_numbers")
    owner = numbers[0]["practitioner"]["links"]["self"].rsplit("/", 1)[-1]
    kept = {r["id"] for r in numbers if not r["practitioner"]["links"]["self"].endswith(f"/{owner}")}
    with cliniko_emulator(cliniko_dump) as running:
        practice = running.cliniko_control
        assert practice is not None
        with raw_client(running) as client:
            top_level = client.get("practitioner_reference_numbers")

        deleted: list[str] = []

        def progress(resource: str, count: int) -> None:
            if resource == "practitioners" and not deleted:  # every practitioner listed, no nested list read yet
                deleted.append(practice.delete("practitioners", owner)["id"])

        summary = extract_full(api_settings(running), tmp_path / "extract", progress=progress)
        endpoints = stats(running)["endpoints"]
    assert top_level.status_code == 404 and deleted == [owner]
    assert summary.sub_resource_errors == (
        {"resource": "practitioners", "id": owner, "list": "practitioner_reference_numbers", "status": 404},
    )
    manifest = json.loads((tmp_path / "extract" / MANIFEST_FILE).read_text())
    assert manifest["sub_resource_errors"] == list(summary.sub_resource_errors)
    assert {r["id"] for r in _records(tmp_path / "extract", "practitioner_reference_numbers")} == kept
    practitioners = len(_records(cliniko_dump, "practitioners"))
    assert endpoints["GET /v1/practitioners/{id}/practitioner_reference_numbers"] == practitioners
