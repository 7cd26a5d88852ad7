"""A dump staged directly — not through the landing sensor — is verified against its manifest the same
way (issue 15 item 2): a missing, invalid or stale manifest, a file of the wrong size or checksum is a
blocking error naming the file, and nothing of it reconciles."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from pipeline_helpers import register_customer, run_pipeline, staged_frame

from migration_assets.definitions import defs
from migration_assets.partitions import add_customer_partition
from sources.base import RawReadError
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import TableRef, Warehouse, table_exists
from synthetic import GenerationSummary

CLINIKO = get_system("cliniko")


@pytest.fixture
def dump(clean_practices: dict[str, GenerationSummary], tmp_path: Path) -> Path:
    target = tmp_path / "dump"
    shutil.copytree(clean_practices["NZ"].out_dir, target)
    return target


def _manifest(dump: Path) -> dict:
    return json.loads((dump / "manifest.json").read_text())


def _save(dump: Path, manifest: dict) -> None:
    (dump / "manifest.json").write_text(json.dumps(manifest))


def _entry(manifest: dict, path: str) -> dict:
    return next(e for e in manifest["files"] if e["path"] == path)


def _missing_manifest(dump: Path, _other: Path) -> str:
    (dump / "manifest.json").unlink()
    return "manifest.json: missing"


def _invalid_manifest(dump: Path, _other: Path) -> str:
    (dump / "manifest.json").write_text("{not json")
    return "manifest.json: not a valid manifest"


def _wrong_sha256(dump: Path, _other: Path) -> str:
    manifest = _manifest(dump)
    _entry(manifest, "patients.ndjson")["sha256"] = hashlib.sha256(b"something else").hexdigest()
    _save(dump, manifest)
    return "patients.ndjson: sha256 differs from the manifest"


def _wrong_size(dump: Path, _other: Path) -> str:
    manifest = _manifest(dump)
    _entry(manifest, "patients.ndjson")["bytes"] += 1
    _save(dump, manifest)
    return "patients.ndjson: "


def _altered_same_size(dump: Path, _other: Path) -> str:
    """Same bytes count and record count as the manifest lists, other content."""
    path = dump / "patients.ndjson"
    data = bytearray(path.read_bytes())
    at = data.index(b'"first_name":"') + len(b'"first_name":"')
    data[at] = ord("Q") if data[at] != ord("Q") else ord("R")
    path.write_bytes(bytes(data))
    return "patients.ndjson: sha256 differs from the manifest"


def _truncated_lines(dump: Path, _other: Path) -> str:
    path = dump / "patients.ndjson"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-3]))
    return "patients.ndjson: "


def _truncated_mid_record(dump: Path, _other: Path) -> str:
    path = dump / "patients.ndjson"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    return "patients.ndjson: "


def _stale_manifest(dump: Path, other: Path) -> str:
    """The manifest of an earlier delivery (another practice) next to this delivery's files."""
    shutil.copy(other / "manifest.json", dump / "manifest.json")
    return "patients.ndjson: "


def _not_listed(dump: Path, _other: Path) -> str:
    manifest = _manifest(dump)
    manifest["files"] = [e for e in manifest["files"] if e["path"] != "patients.ndjson"]
    _save(dump, manifest)
    return "patients.ndjson: not listed in the dump's manifest.json"


def _listed_without_count(dump: Path, _other: Path) -> str:
    manifest = _manifest(dump)
    del _entry(manifest, "patients.ndjson")["records"]
    _save(dump, manifest)
    return "patients.ndjson: listed without a record count"


def _manifest_path_escapes(dump: Path, _other: Path) -> str:
    manifest = _manifest(dump)
    manifest["files"].append({"path": "../outside.ndjson", "bytes": 1, "sha256": "0" * 64})
    _save(dump, manifest)
    return "field 'path': not a path inside the dump"


def _symlinked_resource(dump: Path, _other: Path) -> str:
    """The resource file is a link to a file of the same bytes outside the dump."""
    path = dump / "patients.ndjson"
    outside = dump.parent / "patients-elsewhere.ndjson"
    shutil.move(path, outside)
    path.symlink_to(outside)
    return "patients.ndjson: a symbolic link or a path out of the dump"


DAMAGE: dict[str, Callable[[Path, Path], str]] = {
    "missing_manifest": _missing_manifest,
    "invalid_manifest": _invalid_manifest,
    "wrong_sha256": _wrong_sha256,
    "wrong_size": _wrong_size,
    "altered_same_size_and_count": _altered_same_size,
    "truncated_at_a_line": _truncated_lines,
    "truncated_mid_record": _truncated_mid_record,
    "stale_manifest": _stale_manifest,
    "not_listed": _not_listed,
    "listed_without_count": _listed_without_count,
    "manifest_path_escapes": _manifest_path_escapes,
    "symlinked_resource": _symlinked_resource,
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_dump_staged_directly_is_verified_against_its_manifest(
    damage: str, dump: Path, clean_practices: dict[str, GenerationSummary], tmp_path: Path
) -> None:
    expected = DAMAGE[damage](dump, clean_practices["AU"].out_dir)
    warehouse = Warehouse(tmp_path / "w.duckdb")
    with pytest.raises(RawReadError) as error:
        load_raw_resource(warehouse, CLINIKO, "patients", dump, "trial")
    message = str(error.value)
    assert expected in message
    assert str(dump) in message  # names the file (or the manifest) by its path
    # Nothing of the file was stored: there is no count to reconcile against.
    if warehouse.path.exists():
        with warehouse.connect(read_only=True) as con:
            assert not table_exists(con, TableRef("raw_cliniko", "patients"))


def test_an_altered_attachment_fails_files_verified_naming_record_and_field(dump: Path, migration_home: Path) -> None:
    """Attachments are verified in the run, not only by the landing sensor: bytes that differ from the
    manifest (same size), a file the manifest does not list and a file that is gone leave the digest empty
    (each with its own code) and block."""
    records = [json.loads(line) for line in (dump / "patient_attachments.ndjson").read_text().splitlines()]
    altered = dump / "attachments" / records[0]["id"] / records[0]["filename"]
    data = bytearray(altered.read_bytes())
    data[-1] ^= 0xFF
    altered.write_bytes(bytes(data))
    manifest = _manifest(dump)
    unlisted = f"attachments/{records[1]['id']}/{records[1]['filename']}"
    # A file that is gone, with no entry left to miss: staging itself finds it absent (`missing_file`).
    gone = f"attachments/{records[2]['id']}/{records[2]['filename']}"
    (dump / gone).unlink()
    manifest["files"] = [e for e in manifest["files"] if e["path"] not in (unlisted, gone)]
    _save(dump, manifest)

    config = register_customer(migration_home, "altered", dump)
    outcome = run_pipeline(migration_home, config)

    issues = staged_frame(migration_home, "altered", "field_issues").filter(pl.col("field") == "sha256")
    found = {(r["source_record"], r["code"]) for r in issues.iter_rows(named=True)}
    assert found == {(1, "checksum_mismatch"), (2, "not_in_manifest"), (3, "missing_file")}
    # Cliniko's size comes from the API, so the record is staged (not rejected) and blocked by the check below.
    documents = staged_frame(migration_home, "altered", "document")
    assert documents.filter(pl.col("source_record") == 3)["storage_uri"].to_list() == [None]
    assert set(issues["source_table"]) == {"patient_attachments"}
    blocking = {r.definition.name for r in outcome.blocking_failures if r.definition.entity == "document"}
    assert "files_verified" in blocking


def test_a_staging_run_without_a_manifest_fails_naming_it_and_reconciles_nothing(
    dump: Path, migration_home: Path
) -> None:
    (dump / "manifest.json").unlink()
    with dg.instance_for_test() as instance:
        config = register_customer(migration_home, "nomanifest", dump)
        add_customer_partition(instance, config.customer_id)
        result = (
            defs()
            .resolve_job_def("cliniko_stage")
            .execute_in_process(
                partition_key=dg.MultiPartitionKey({"customer": "nomanifest", "run": "trial"}),
                instance=instance,
                raise_on_error=False,
            )
        )
        assert not result.success
        failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        assert failures
        assert all(f"{dump / 'manifest.json'}: missing" in str(e.event_specific_data.error) for e in failures)
        materialized = {
            e.asset_key.to_user_string() for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"
        }
        assert "staged/reconciliation" not in materialized
        assert not any(key.startswith("raw_cliniko/") for key in materialized)
