"""Gumnut (assumed layout, SYNTHETIC export, AU): the report-style export with defects runs through
`gumnut_stage` as a real Dagster run with precision and recall 1.0 and exact reconciliation; the header
is found below the report's title lines, `04-Mar-1980` dates and 12-hour times are read, and
`01-Jan-1900` is a placeholder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_template_end_to_end import EXPECTED
from vendor_export_helpers import (
    assert_blocked_only_by_checks_and_reconciled,
    assert_every_defect_caught,
    staged_export,
)

from sources.gumnut import SYSTEM
from sources.raw_layer import load_raw_resource
from store import Warehouse
from synthetic.gumnut import write_gumnut_export

# AU: the identifier is a Medicare number; the raw columns are the PascalCase headers in snake_case.
GUMNUT_EXPECTED = {
    **EXPECTED,
    "invalid_identifier": ("issue", "medicare_number", "invalid_identifier"),
    "mojibake_text": ("issue", "patient_surname", "mojibake_repaired"),
    "placeholder_date": ("issue", "patient_dob", "placeholder_date"),
}


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with staged_export("gumnut", write_gumnut_export, tmp_path_factory, country="AU") as run:
        yield run


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    assert_every_defect_caught(staged, GUMNUT_EXPECTED)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    assert_blocked_only_by_checks_and_reconciled(staged)


def test_the_header_below_the_title_lines_month_name_dates_and_12_hour_times_are_read(tmp_path: Path) -> None:
    practice = write_gumnut_export(tmp_path / "export", clients=20, seed=1)
    warehouse = Warehouse(tmp_path / "w.duckdb")
    for resource in ("patients", "appointments"):
        load_raw_resource(warehouse, SYSTEM, resource, practice.out_dir, "trial")
    with warehouse.connect() as con:
        patients = con.execute(
            "select _source_record, patient_dob, patient_archived, _read_issues from raw_gumnut.patients "
            "order by _source_record"
        ).fetchall()
        start = con.execute(
            "select appointment_start from raw_gumnut.appointments where appointment_id = 'A4-1'"
        ).fetchone()
    # Three title lines and the header above: the first patient is line 5, `02-Feb-1951`, `No`.
    assert patients[0] == (5, dt.date(1951, 2, 2), False, None)
    placeholders = [r for r in patients if r[3] == "patient_dob:placeholder_date"]
    assert len(placeholders) == 1 and placeholders[0][1] is None  # `01-Jan-1900`
    assert start == (dt.datetime(2026, 3, 6, 13, 0),)  # `06-Mar-2026 01:00 PM`
