"""TM3 (assumed layout, SYNTHETIC export): the export with defects runs through `tm3_stage` as a real
Dagster run with precision and recall 1.0 and exact reconciliation; JSON cells are parsed by the spec; a
malformed JSON cell is reported naming file, line and column; the errors file is read and reported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from pipeline_helpers import assert_defects_found, defect_findings, register_customer, staged_outcome_tables
from test_template_end_to_end import EXPECTED

from migration_assets.definitions import defs
from migration_assets.partitions import add_customer_partition
from sources.raw_layer import load_raw_resource
from sources.tm3 import SYSTEM
from store import Warehouse
from synthetic.template import TemplateSummary
from synthetic.tm3 import write_tm3_export

CUSTOMER = "tm3-au"


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    practice = write_tm3_export(tmp_path_factory.mktemp("tm3"), clients=40, seed=3)
    home = tmp_path_factory.mktemp("home-tm3")
    with pytest.MonkeyPatch.context() as patch, dg.instance_for_test() as instance:
        patch.setenv("MIGRATION_HOME", str(home))
        register_customer(home, CUSTOMER, practice.out_dir, country="AU", system="tm3")
        add_customer_partition(instance, CUSTOMER)
        result = (
            defs()
            .resolve_job_def("tm3_stage")
            .execute_in_process(
                partition_key=dg.MultiPartitionKey({"customer": CUSTOMER, "run": "trial"}),
                instance=instance,
                raise_on_error=False,
            )
        )
        yield {"practice": practice, "result": result, "tables": staged_outcome_tables(home, CUSTOMER)}


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    practice: TemplateSummary = staged["practice"]
    defects = json.loads(practice.truth_file.read_text())["defects"]
    # AU: the identifier is a Medicare number; the name's parts come out of "Surname, Firstname".
    expected = {**EXPECTED, "invalid_identifier": ("issue", "medicare_number", "invalid_identifier")}
    expected["mojibake_text"] = ("issue", "name", "mojibake_repaired")
    assert_defects_found(defect_findings(staged["tables"]), defects, expected)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    failures = [e for e in staged["result"].all_events if e.is_step_failure]
    assert [e.event_specific_data.error.cls_name for e in failures] == ["DagsterAssetCheckFailedError"]
    reconciliation = staged["tables"]["check_result"].filter(pl.col("check_name") == "reconciliation")
    assert reconciliation.height and reconciliation["passed"].all(), reconciliation


def _load(tmp_path: Path, practice_dir: Path, resource: str) -> tuple[Warehouse, object]:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    return warehouse, load_raw_resource(warehouse, SYSTEM, resource, practice_dir, "trial")


def test_json_cells_are_parsed_and_a_malformed_one_is_named_by_file_line_and_column(tmp_path: Path) -> None:
    practice = write_tm3_export(tmp_path / "export", clients=5, seed=1, defects=False)
    path = practice.out_dir / "clients.csv"
    text = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    text[2] = text[2].replace('{""email""', '{""email', 1)  # line 3: the second client's contact details
    path.write_text("".join(text), encoding="utf-8")
    warehouse, _summary = _load(tmp_path, practice.out_dir, "clients")
    with warehouse.connect() as con:
        rows = con.execute(
            "select _source_record, _source_file, contact_details->>'email', _read_issues "
            "from raw_tm3.clients order by 1"
        ).fetchall()
    assert rows[0][2].endswith("@example.org")  # the JSON cell parsed: its member is there
    assert rows[1][0] == 3 and rows[1][1].endswith("clients.csv") and rows[1][2] is None
    assert rows[1][3] == "contact_details:invalid_json"  # file, line 3 and the column: never the value


def test_the_errors_file_is_read_and_reported(tmp_path: Path) -> None:
    practice = write_tm3_export(tmp_path / "export", clients=20, seed=1, defects=False)
    warehouse, summary = _load(tmp_path, practice.out_dir, "export_errors")
    assert summary.rows == 3  # a title line and the two clients whose documents the export left out
    assert any("errors.txt: 3 lines the export reported" in note for note in summary.notes)
    with warehouse.connect() as con:
        lines = con.execute("select _source_record, message from raw_tm3.export_errors order by 1").fetchall()
    assert [n for n, _m in lines] == [1, 2, 3] and lines[1][1].endswith("could not be exported")
