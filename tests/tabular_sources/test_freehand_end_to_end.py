"""Freehand (assumed layout, SYNTHETIC export, UK): the one-workbook export with defects runs through
`freehand_stage` as a real Dagster run with precision and recall 1.0 and exact reconciliation — a UK
practice (NHS numbers, London's daylight-saving gap); date, number and TRUE/FALSE cells are read as
typed, and a date typed as text `00/00/0000` beside date cells is a placeholder, its row named as Excel
shows it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from test_template_end_to_end import EXPECTED
from vendor_export_helpers import (
    assert_blocked_only_by_checks_and_reconciled,
    assert_every_defect_caught,
    staged_export,
)

from sources.freehand import SYSTEM
from sources.raw_layer import load_raw_resource
from store import Warehouse
from synthetic.freehand import write_freehand_export

# UK: the identifier is the NHS number; the raw columns are the sheet's headers in snake_case.
FREEHAND_EXPECTED = {
    **EXPECTED,
    "invalid_identifier": ("issue", "nhs_number", "invalid_identifier"),
    "mojibake_text": ("issue", "surname", "mojibake_repaired"),
}


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with staged_export("freehand", write_freehand_export, tmp_path_factory, country="UK") as run:
        yield run


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    assert_every_defect_caught(staged, FREEHAND_EXPECTED)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    assert_blocked_only_by_checks_and_reconciled(staged)


def test_cells_are_read_as_typed_and_a_text_placeholder_date_is_named_by_sheet_row(tmp_path: Path) -> None:
    practice = write_freehand_export(tmp_path / "export", clients=20, seed=1)
    warehouse = Warehouse(tmp_path / "w.duckdb")
    for resource in ("patients", "invoices"):
        load_raw_resource(warehouse, SYSTEM, resource, practice.out_dir, "trial")
    with warehouse.connect() as con:
        patients = con.execute(
            "select _source_record, _source_file, date_of_birth, archived, _read_issues from raw_freehand.patients "
            "order by _source_record"
        ).fetchall()
        total = con.execute("select total from raw_freehand.invoices order by _source_record limit 1").fetchone()
    assert patients[0][0] == 2 and patients[0][1].endswith("freehand_export.xlsx#patients")  # Excel's row 2
    assert patients[0][2:4] == (dt.date(1951, 2, 2), False)  # a date cell and a FALSE cell
    placeholders = [r for r in patients if r[4] == "date_of_birth:placeholder_date"]
    assert len(placeholders) == 1 and placeholders[0][2] is None
    assert total == (Decimal("90.0000"),)  # a number cell
