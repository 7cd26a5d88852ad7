"""Bad dumps fail loudly, or are quarantined row by row, naming file, record and field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from pipeline_helpers import load_raw, register_customer, resign_manifest, run_pipeline, staged_frame

from customers import MigrationHome
from sources.base import RawReadError
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import Warehouse
from synthetic import GenerationSummary

CLINIKO = get_system("cliniko")


@pytest.fixture
def dump(clean_practices: dict[str, GenerationSummary], tmp_path: Path) -> Path:
    """A private copy of a clean dump to damage."""
    target = tmp_path / "dump"
    shutil.copytree(clean_practices["NZ"].out_dir, target)
    return target


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _rewrite(path: Path, lines: list[str], manifest_records: int | None = None) -> None:
    """Damage a file as delivered: its manifest lists the damaged bytes (the count is the original's)."""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    resign_manifest(path, manifest_records)


def _read(dump: Path, resource: str, tmp_path: Path) -> None:
    load_raw_resource(Warehouse(tmp_path / "w.duckdb"), CLINIKO, resource, dump, "trial")


def test_missing_resource_file(dump: Path, tmp_path: Path) -> None:
    (dump / "invoice_items.ndjson").unlink()
    with pytest.raises(RawReadError, match=r"invoice_items\.ndjson: file missing"):
        _read(dump, "invoice_items", tmp_path)


def test_truncated_json_names_the_record(dump: Path, tmp_path: Path) -> None:
    path = dump / "patients.ndjson"
    lines = _lines(path)
    lines[-1] = lines[-1][: len(lines[-1]) // 2]
    _rewrite(path, lines)
    with pytest.raises(RawReadError) as error:
        _read(dump, "patients", tmp_path)
    assert f"patients.ndjson: record {len(lines)}: not valid JSON" in str(error.value)


def test_truncated_at_a_line_boundary_is_caught_by_the_manifest(dump: Path, tmp_path: Path) -> None:
    path = dump / "communications.ndjson"
    lines = _lines(path)
    _rewrite(path, lines[:-3])
    with pytest.raises(RawReadError, match=rf"{len(lines) - 3} records read, the manifest lists {len(lines)}"):
        _read(dump, "communications", tmp_path)


def test_wrong_typed_field_names_record_and_field_but_not_the_value(dump: Path, tmp_path: Path) -> None:
    path = dump / "individual_appointments.ndjson"
    lines = _lines(path)
    record = json.loads(lines[4])
    record["did_not_arrive"] = "SECRET-VALUE"
    lines[4] = json.dumps(record)
    _rewrite(path, lines)
    with pytest.raises(RawReadError) as error:
        _read(dump, "individual_appointments", tmp_path)
    message = str(error.value)
    assert "individual_appointments.ndjson: record 5, field 'did_not_arrive': expected boolean, found string" in message
    assert "SECRET-VALUE" not in message


def test_cp1252_file_is_transcoded_and_reported_per_record_and_field(dump: Path, tmp_path: Path) -> None:
    path = dump / "patients.ndjson"
    records = [json.loads(line) for line in _lines(path)]
    records[2]["first_name"] = "Renée"
    records[7]["address_1"] = "12 Rue Hélène"
    path.write_bytes(b"".join((json.dumps(r, ensure_ascii=False) + "\n").encode("cp1252", "replace") for r in records))
    resign_manifest(path)
    summary = load_raw_resource(Warehouse(tmp_path / "w.duckdb"), CLINIKO, "patients", dump, "trial")
    assert summary.repaired_records >= 2
    with Warehouse(tmp_path / "w.duckdb").connect(read_only=True) as con:
        rows = con.execute(
            "select _source_record, _read_issues, first_name from raw_cliniko.patients "
            "where _read_issues is not null order by 1"
        ).fetchall()
    assert (3, "first_name:encoding_repaired", "Renée") in rows
    assert any(r[0] == 8 and "address_1:encoding_repaired" in r[1] for r in rows)


def test_unknown_enum_value_is_an_issue_naming_the_field(dump: Path, migration_home: Path) -> None:
    path = dump / "patients.ndjson"
    records = [json.loads(line) for line in _lines(path)]
    records[3]["sex"] = "Martian"
    _rewrite(path, [json.dumps(r, ensure_ascii=False) for r in records])
    config = register_customer(migration_home, "enum", dump)
    run_pipeline(migration_home, config)
    issues = staged_frame(migration_home, "enum", "field_issues")
    hit = issues.filter(pl.col("code") == "unmapped_value")
    assert hit.select("source_id", "source_table", "source_record", "field").rows() == [
        (records[3]["id"], "patients", 4, "sex")
    ]
    assert "value has no entry in the mapping's value map" in hit["message"][0]


def test_failed_read_leaves_the_previous_partition_intact(dump: Path, migration_home: Path) -> None:
    config = register_customer(migration_home, "intact", dump)
    warehouse = load_raw(migration_home, config, "trial")
    with warehouse.connect(read_only=True) as con:
        before = con.execute("select count(*) from raw_cliniko.patients").fetchall()[0][0]
    path = dump / "patients.ndjson"
    lines = _lines(path)
    _rewrite(path, [*lines[:-1], "{broken"])
    with pytest.raises(RawReadError):
        load_raw_resource(
            Warehouse.for_customer(MigrationHome(migration_home).customer_dir("intact")),
            CLINIKO,
            "patients",
            dump,
            "trial",
        )
    with warehouse.connect(read_only=True) as con:
        assert con.execute("select count(*) from raw_cliniko.patients").fetchall()[0][0] == before
