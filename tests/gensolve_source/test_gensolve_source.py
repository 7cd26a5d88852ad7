"""Gensolve as a source: the embedded database and its CSV export read into identical raw and staged
tables; every client of the first hop is staged with its Gensolve id and its Cliniko id; bad input
names the table or file, the row and the column, never the value."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from pipeline_helpers import register_customer, run_pipeline, staged_frame

from mappings.spec import load_spec
from sources.base import RawReadError
from sources.coverage import UNDECLARED, delivered_not_migrated
from sources.gensolve.settings import NOT_STAGED
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import Warehouse
from targets.base import Partition

CUSTOMER = "hop-two"
SYSTEM = get_system("gensolve")
STAGED = ["site", "practitioner", "client", "condition", "appointment", "clinical_note", "invoice", "invoice_line"]


def _stage(home: Path, source: Path) -> None:
    config = register_customer(home, CUSTOMER, source, system="gensolve")
    outcome = run_pipeline(home, config, "trial")
    assert [r.definition.name for r in outcome.blocking_failures] == []


@pytest.fixture(scope="module")
def staged_homes(
    gensolve_database: Path, csv_export: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """The same customer staged twice: from the embedded database, and from the CSV export."""
    from_database = tmp_path_factory.mktemp("from-db") / "home"
    from_csv = tmp_path_factory.mktemp("from-csv") / "home"
    _stage(from_database, gensolve_database)
    _stage(from_csv, csv_export)
    return from_database, from_csv


def test_database_and_csv_export_stage_identically(staged_homes: tuple[Path, Path]) -> None:
    from_database, from_csv = staged_homes
    for entity in STAGED:
        db_rows = staged_frame(from_database, CUSTOMER, entity).sort("canonical_id")
        csv_rows = staged_frame(from_csv, CUSTOMER, entity).sort("canonical_id")
        assert db_rows.height > 0, entity
        assert db_rows.equals(csv_rows), entity


def test_every_client_keeps_its_gensolve_id_and_its_cliniko_id(
    staged_homes: tuple[Path, Path], first_hop: Partition, gensolve_database: Path
) -> None:
    with duckdb.connect(str(gensolve_database), read_only=True) as con:
        rows = con.execute("select mig_key, mig_origin_id from gpm_client").fetchall()
    gensolve = pl.DataFrame(rows, schema=["mig_key", "mig_origin_id"], orient="row")
    cliniko = staged_frame(first_hop.home.root, first_hop.config.customer_id, "client")
    staged = staged_frame(staged_homes[0], CUSTOMER, "client")
    # Exact reconciliation of the hop: one staged client per Gensolve client, none lost.
    assert staged.height == gensolve.height == cliniko.height
    assert set(staged["source_id"]) == set(gensolve["mig_key"])
    assert set(staged["canonical_id"]) == {f"gensolve:client:{k}" for k in gensolve["mig_key"]}
    # The first origin is the Cliniko record's canonical id.
    assert set(staged["origin_id"]) == set(cliniko["canonical_id"])
    assert all(o.startswith("cliniko:client:") for o in staged["origin_id"])
    appointments = staged_frame(staged_homes[0], CUSTOMER, "appointment")
    assert set(appointments["client_id"].drop_nulls()) <= set(staged["canonical_id"])


def _read(source: Path, table: str, tmp_path: Path) -> None:
    warehouse = Warehouse.for_customer(tmp_path / "customer")
    load_raw_resource(warehouse, SYSTEM, table, source, "trial")


def test_a_csv_value_of_the_wrong_type_names_file_row_and_column(csv_export: Path, tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(csv_export, export)
    path = export / "gpm_client.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    secret = "Zzyzx-not-a-flag"
    rows[2]["is_archived"] = secret
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(RawReadError) as error:
        _read(export, "gpm_client", tmp_path)
    message = str(error.value)
    assert "gpm_client.csv: row 3, column 'is_archived': expected a whole number" in message
    assert secret not in message


def test_a_missing_column_or_file_is_named(csv_export: Path, tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(csv_export, export)
    frame = pl.read_csv(export / "gpm_site.csv", infer_schema=False).drop("time_zone")
    frame.write_csv(export / "gpm_site.csv")
    with pytest.raises(RawReadError, match=r"gpm_site.csv: column 'time_zone' missing from the header"):
        _read(export, "gpm_site", tmp_path)
    (export / "gpm_vendor.csv").unlink()
    with pytest.raises(RawReadError, match=r"gpm_vendor.csv: file missing"):
        _read(export, "gpm_vendor", tmp_path)


def test_a_table_missing_from_the_database_is_named(gensolve_database: Path, tmp_path: Path) -> None:
    copy = tmp_path / "gensolve-trial.duckdb"
    shutil.copy(gensolve_database, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table gpm_custom_value")
    with pytest.raises(RawReadError, match=r"gensolve-trial.duckdb#gpm_custom_value: table missing"):
        _read(copy, "gpm_custom_value", tmp_path)


def test_raw_rows_carry_their_table_and_row_number(gensolve_database: Path, tmp_path: Path) -> None:
    warehouse = Warehouse.for_customer(tmp_path / "customer")
    summary = load_raw_resource(warehouse, SYSTEM, "gpm_client", gensolve_database, "trial")
    with warehouse.connect(read_only=True) as con:
        rows = con.execute("select _source_record, _source_file from raw_gensolve.gpm_client order by 1").fetchall()
    assert summary.rows == len(rows) > 0
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert {r[1] for r in rows} == {f"{gensolve_database}#gpm_client"}


def test_tables_read_but_not_staged_are_listed_with_their_reason(gensolve_database: Path, tmp_path: Path) -> None:
    """The approval report's "delivered but not migrated" lists a lookup-only table's values with the reason
    (sources/gensolve/settings.py NOT_STAGED), never as undeclared."""
    warehouse = Warehouse.for_customer(tmp_path / "customer")
    for table in NOT_STAGED:
        load_raw_resource(warehouse, SYSTEM, table, gensolve_database, "trial")
    with warehouse.connect(read_only=True) as con:
        listed = delivered_not_migrated(con, SYSTEM, "trial", load_spec("gensolve_source").columns_read())
    assert listed  # the practice's documents at least (its attachments)
    assert all(f.reason == NOT_STAGED[f.resource] and f.records_with_value > 0 for f in listed)
    assert not [f for f in listed if f.reason == UNDECLARED]
