"""The benchmark's template and TM3 exports: read through the contract's readers as the raw layer names
them, the same practice whether delivered as CSV files or a workbook, and scored against their specs."""

from __future__ import annotations

from pathlib import Path

import yaml
from proposal_helpers import PROPOSAL_SEED as SEED

from mappings.spec import SPEC_DIR
from proposals.benchmark import CONSTANT, truth_from_spec
from proposals.exports import EXPORTS, template_csv_export, template_xlsx_export, tm3_csv_export
from proposals.tables import read_tables
from proposals.workflow import system_resources, system_table_of


def test_the_template_reads_the_same_from_csv_files_and_the_workbook(tmp_path: Path) -> None:
    resources = system_resources("template")
    from_csv = read_tables(template_csv_export(tmp_path, 8, SEED), resources=resources)
    from_xlsx = read_tables(template_xlsx_export(tmp_path, 8, SEED), resources=resources)
    for table, frame in from_csv.items():
        assert frame.columns == from_xlsx[table].columns, table
        assert frame.height == from_xlsx[table].height, table
    assert from_csv["clients"].height == 8
    assert from_csv["clients"]["id"].to_list() == from_xlsx["clients"]["id"].to_list()


def test_tm3_headers_get_the_raw_layers_field_names(tmp_path: Path) -> None:
    """TM3 writes `DateOfBirth` with a byte-order mark; the raw layer's column is `date_of_birth`."""
    tables = read_tables(tm3_csv_export(tmp_path, 8, SEED), resources=system_resources("tm3"))
    assert "date_of_birth" in tables["clients"].columns and "id" in tables["clients"].columns
    assert not any(c.startswith("\ufeff") for frame in tables.values() for c in frame.columns)
    assert tables["clients"].height == 8


def test_truths_leave_out_unnested_entities_and_mark_constants() -> None:
    truth = truth_from_spec(yaml.safe_load((SPEC_DIR / "tm3.yaml").read_text(encoding="utf-8")), "%d/%m/%Y")
    assert truth.entities_of["invoices"] == ["invoice"]  # invoice lines are unnested from its JSON cell
    assert not any(columns & {"item"} for columns in truth.fields.values())
    assert truth.fields[("locations", "site", "is_archived")] == {CONSTANT}


def test_every_tabular_system_with_a_hand_written_spec_is_measured() -> None:
    """The benchmark measures every registered system whose synthetic export is a table layout; only the
    API extracts (JSON records, no table layout to propose from) are left out."""
    from sources.registry import all_systems

    api_extracts = {"cliniko", "pracsuite"}
    assert {builder.system for builder in EXPORTS.values()} == {s.name for s in all_systems()} - api_extracts


def test_a_sql_server_extract_reads_as_its_raw_tables(tmp_path: Path) -> None:
    """`PATIENT.csv` holds the raw table `patient` (the system's file naming), and the extract's
    definitions file is no table."""
    builder = EXPORTS["medtech"]
    tables = read_tables(
        builder.build(tmp_path, 5, SEED),
        resources=system_resources("medtech"),
        table_of=system_table_of("medtech"),
    )
    assert set(tables) == set(system_resources("medtech"))
    assert tables["patient"].height == 5
