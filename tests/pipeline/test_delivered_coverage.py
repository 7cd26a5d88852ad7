"""Raw keeps every delivered record whole; fields and files the spec does not declare are findings
(a WARN check naming fields/files with record counts, and the approval report), and nothing else
changes (issue 16, items 1-3)."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from pipeline_helpers import register_customer, run_pipeline, staged_frame

from customers import MigrationHome
from mappings.spec import load_spec
from migration_assets.delta import UNDECLARED_FILES_CHECK, source_extract
from migration_assets.partitions import add_customer_partition
from migration_assets.raw import UNDECLARED_FIELDS_CHECK, build_raw_asset
from migration_assets.resources import MigrationHomeResource
from sources.cliniko import SYSTEM
from sources.cliniko.settings import MANIFEST_FILE, NOT_MIGRATED_RESOURCES
from sources.coverage import UNDECLARED, UNKNOWN_FILE, undeclared_fields
from sources.ndjson import RECORD_COLUMN
from store import TableRef, Warehouse, read_partition
from synthetic import GenerationSummary, generate_practice

TIER_VALUE = "gold-tier-value"
EMPTY_VALUES: list[object] = ["", "  ", [], {}]


def _rewrite(path: Path, text: str) -> None:
    """Replace a dump file's content, keeping its manifest entry true (same record count, new checksum)."""
    path.write_text(text, encoding="utf-8")
    manifest_path = path.parent / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["path"] == path.name:
            entry.update(bytes=path.stat().st_size, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture(scope="module")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerationSummary, Path]:
    """A clean generated practice (its dump holds products.ndjson, a resource declared not migrated) and a copy
    whose patients carry two fields no spec declares (one with values on three records and empty ones on four, one
    null everywhere), plus
    a file no spec knows."""
    practice = generate_practice(tmp_path_factory.mktemp("dump-coverage"), country="AU", clients=40, seed=7)
    extended = tmp_path_factory.mktemp("dump-coverage-extended") / "dump"
    shutil.copytree(practice.out_dir, extended)
    patients = extended / "patients.ndjson"
    lines = []
    for number, line in enumerate(patients.read_text(encoding="utf-8").splitlines(), start=1):
        record = json.loads(line)
        if number <= 3:
            record["loyalty_tier"] = TIER_VALUE
        elif number <= 3 + len(EMPTY_VALUES):
            record["loyalty_tier"] = EMPTY_VALUES[number - 4]  # carried, but holding nothing
        record["legacy_flag"] = None
        lines.append(json.dumps(record))
    _rewrite(patients, "".join(line + "\n" for line in lines))
    (extended / "loyalty_programs.ndjson").write_text('{"id": "1"}\n{"id": "2"}\n', encoding="utf-8")
    return practice, extended


@pytest.fixture(scope="module")
def runs(dumps: tuple[GenerationSummary, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    practice, extended = dumps
    homes = {}
    for name, dump in (("clean", practice.out_dir), ("extended", extended)):
        home = tmp_path_factory.mktemp(f"home-{name}")
        run_pipeline(home, register_customer(home, name, dump, country="AU"))
        homes[name] = home
    return homes


def test_raw_keeps_each_record_whole(runs: dict[str, Path], dumps: tuple[GenerationSummary, Path]) -> None:
    _, extended = dumps
    warehouse = Warehouse.for_customer(MigrationHome(runs["extended"]).customer_dir("extended"))
    with warehouse.connect(read_only=True) as con:
        raw = read_partition(con, TableRef("raw_cliniko", "patients"), "trial").sort("_source_record")
    delivered = [json.loads(line) for line in (extended / "patients.ndjson").read_text(encoding="utf-8").splitlines()]
    assert raw.height == len(delivered)
    # Each row's record is the delivered line it came from, every field of it (typed or not).
    assert [json.loads(r) for r in raw[RECORD_COLUMN]] == delivered
    assert raw["id"].to_list() == [str(d["id"]) for d in delivered]


def test_undeclared_fields_are_named_with_counts(runs: dict[str, Path]) -> None:
    for name, expected in (("clean", {}), ("extended", {"legacy_flag": 40, "loyalty_tier": 3 + len(EMPTY_VALUES)})):
        warehouse = Warehouse.for_customer(MigrationHome(runs[name]).customer_dir(name))
        with warehouse.connect(read_only=True) as con:
            found = {
                resource: undeclared_fields(con, TableRef("raw_cliniko", resource), "trial", spec)
                for resource, spec in SYSTEM.resources.items()
            }
        assert {r: f for r, f in found.items() if f} == ({"patients": expected} if expected else {})


def test_report_lists_delivered_but_not_migrated(runs: dict[str, Path]) -> None:
    reports = MigrationHome(runs["extended"]).reports_dir("extended", "trial") / "iteration-001"
    with (reports / "not-migrated.csv").open(encoding="utf-8") as handle:
        rows = {(r["resource"], r["field"]): r for r in csv.DictReader(handle)}
    # Records carrying it: 7; with a value: 3 ("", "  ", [] and {} carry nothing).
    assert rows[("patients", "loyalty_tier")]["records_with_value"] == "3"
    assert rows[("patients", "loyalty_tier")]["reason"] == UNDECLARED
    assert rows[("patients", "legacy_flag")]["records_with_value"] == "0"
    # Navigation links carry a value in every record, but are not noise in the report.
    assert not [key for key in rows if key[1] == "links"]
    html = (reports / "approval-report.html").read_text(encoding="utf-8")
    assert "Delivered but not migrated" in html and "loyalty_tier" in html
    # Files: the unknown one is a finding with its record count; a declared one shows its reason.
    assert "loyalty_programs.ndjson" in html and UNKNOWN_FILE in html
    assert NOT_MIGRATED_RESOURCES["products"] in html
    clean = MigrationHome(runs["clean"]).reports_dir("clean", "trial") / "iteration-001"
    with (clean / "not-migrated.csv").open(encoding="utf-8") as handle:
        assert not [r for r in csv.DictReader(handle) if r["reason"] == UNDECLARED]


def test_nothing_else_changes(runs: dict[str, Path]) -> None:
    entities = list(load_spec("cliniko").entities)
    for entity in [*entities, "rejects", "field_issues", "merges", "reconciliation"]:
        clean = staged_frame(runs["clean"], "clean", entity)
        extended = staged_frame(runs["extended"], "extended", entity)
        assert clean.height or entity not in entities, entity
        # The two customers differ by id and by where their dump lies (a document's storage_uri).
        differ = [c for c in ("customer_id", "storage_uri") if c in clean.columns]
        clean, extended = clean.drop(differ), extended.drop(differ)
        assert clean.sort(clean.columns).equals(extended.sort(clean.columns)), entity


def test_an_override_reaches_an_undeclared_field_through_the_record(
    dumps: tuple[GenerationSummary, Path], tmp_path: Path
) -> None:
    _, extended = dumps
    overrides = {
        "client": {"occupation": {"column": RECORD_COLUMN, "transforms": [{"json_path": {"path": "$.loyalty_tier"}}]}}
    }
    config = register_customer(tmp_path, "override", extended, country="AU", overrides=overrides)
    run_pipeline(tmp_path, config)
    clients = staged_frame(tmp_path, "override", "client")
    assert clients.filter(pl.col("occupation") == TIER_VALUE).height == 3


def _raw_patients_checks(home: Path, customer: str, dump: Path, overrides: dict | None = None) -> dict:
    """The check evaluations of materialising the extract and raw `patients` for a new customer of `dump`."""
    config = register_customer(home, customer, dump, country="AU", overrides=overrides)
    with dg.instance_for_test() as instance:
        add_customer_partition(instance, config.customer_id)
        result = dg.materialize(
            [source_extract, build_raw_asset(SYSTEM, SYSTEM.resources["patients"])],
            partition_key=dg.MultiPartitionKey({"customer": customer, "run": "trial"}),
            instance=instance,
            resources={"migration_home": MigrationHomeResource(path=str(home))},
        )
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_checks_warn_with_names_and_counts_only(dumps: tuple[GenerationSummary, Path], tmp_path: Path) -> None:
    _, extended = dumps
    evaluations = _raw_patients_checks(tmp_path / "home", "warns", extended)
    fields = evaluations[UNDECLARED_FIELDS_CHECK]
    assert not fields.passed and fields.severity == dg.AssetCheckSeverity.WARN
    assert fields.metadata["undeclared_fields"].value == {"legacy_flag": 40, "loyalty_tier": 3 + len(EMPTY_VALUES)}
    files = evaluations[UNDECLARED_FILES_CHECK]
    assert not files.passed and files.severity == dg.AssetCheckSeverity.WARN
    # products.ndjson is declared not migrated; only the unknown file is a finding.
    assert files.metadata["undeclared_files"].value == {"loyalty_programs.ndjson": 2}
    assert TIER_VALUE not in json.dumps({k: str(v.value) for e in evaluations.values() for k, v in e.metadata.items()})


def test_a_patient_with_only_the_legacy_gender_keeps_their_sex(
    dumps: tuple[GenerationSummary, Path], tmp_path: Path
) -> None:
    """Patients recorded before 2018-12-03 may carry only the deprecated `gender` (research/sources.md §2.6)."""
    practice, _ = dumps
    legacy = tmp_path / "dump"
    shutil.copytree(practice.out_dir, legacy)
    patients = legacy / "patients.ndjson"
    records = [json.loads(line) for line in patients.read_text(encoding="utf-8").splitlines()]
    changed = {}
    for record in records[:4]:
        record["gender"], record["sex"] = record["sex"], None
        changed[str(record["id"])] = record["gender"].lower()
    _rewrite(patients, "".join(json.dumps(r) + "\n" for r in records))
    home = tmp_path / "home"
    run_pipeline(home, register_customer(home, "legacy", legacy, country="AU"))
    clients = staged_frame(home, "legacy", "client")
    staged = dict(clients.filter(pl.col("source_id").is_in(list(changed))).select("source_id", "sex").iter_rows())
    assert staged == changed and set(changed.values()) <= {"female", "male"}


def test_a_typed_column_the_customers_mapping_leaves_unread_warns(
    dumps: tuple[GenerationSummary, Path], tmp_path: Path
) -> None:
    """A customer's override that maps `occupation` from elsewhere leaves the typed column unread and undeclared:
    the raw WARN names it with the records holding a value (the effective mapping, not the bundled one, decides)."""
    practice, _ = dumps
    overrides = {"client": {"occupation": {"column": "notes"}}}
    fields = _raw_patients_checks(tmp_path / "home", "unread", practice.out_dir, overrides)[UNDECLARED_FIELDS_CHECK]
    delivered = [json.loads(line) for line in (practice.out_dir / "patients.ndjson").read_text("utf-8").splitlines()]
    occupied = sum(1 for record in delivered if record["occupation"] is not None)
    assert not fields.passed and fields.severity == dg.AssetCheckSeverity.WARN
    assert fields.metadata["undeclared_fields"].value == {"occupation": occupied} and occupied > 0


def test_a_column_the_customers_overrides_declare_not_migrated_is_no_finding(
    dumps: tuple[GenerationSummary, Path], tmp_path: Path
) -> None:
    """The same override, with the column it leaves unread and the two fields no spec knows declared not migrated
    for this customer (`not_migrated_columns`): the raw check finds nothing left unaccounted for."""
    _, extended = dumps
    why = "the practice does not want it moved"
    overrides = {
        "client": {"occupation": {"column": "notes"}},
        "not_migrated_columns": {"patients": dict.fromkeys(("occupation", "loyalty_tier", "legacy_flag"), why)},
    }
    fields = _raw_patients_checks(tmp_path / "home", "declared", extended, overrides)[UNDECLARED_FIELDS_CHECK]
    assert fields.passed and fields.metadata["undeclared_fields"].value == {}
