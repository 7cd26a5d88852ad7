"""TM3 (assumed layout, SYNTHETIC export): the export with defects runs through `tm3_stage` as a real
Dagster run with precision and recall 1.0 and exact reconciliation; JSON cells are parsed by the spec; a
malformed JSON cell is reported naming file, line and column; the errors file is read and reported."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_template_end_to_end import EXPECTED
from vendor_export_helpers import (
    assert_blocked_only_by_checks_and_reconciled,
    assert_every_defect_caught,
    staged_export,
)

from sources.raw_layer import load_raw_resource
from sources.tm3 import SYSTEM
from store import Warehouse
from synthetic.tm3 import write_tm3_export


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with staged_export("tm3", write_tm3_export, tmp_path_factory, country="AU", clients=40) as run:
        yield run


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    # AU: the identifier is a Medicare number; the name's parts come out of "Surname, Firstname".
    expected = {**EXPECTED, "invalid_identifier": ("issue", "medicare_number", "invalid_identifier")}
    expected["mojibake_text"] = ("issue", "name", "mojibake_repaired")
    assert_every_defect_caught(staged, expected)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    assert_blocked_only_by_checks_and_reconciled(staged)


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
