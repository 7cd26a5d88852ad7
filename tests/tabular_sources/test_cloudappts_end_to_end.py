"""Cloud Appts (assumed layout, SYNTHETIC export, NZ): the export with defects runs through
`cloudappts_stage` as a real Dagster run with precision and recall 1.0 and exact reconciliation; its
profile reads ISO dates (the `0000-00-00` placeholder null and reported) and refuses a day-first date
naming file, column and line."""

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

from sources.base import RawReadError
from sources.cloudappts import SYSTEM
from sources.raw_layer import load_raw_resource
from store import Warehouse
from synthetic.cloudappts import write_cloudappts_export


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with staged_export("cloudappts", write_cloudappts_export, tmp_path_factory, country="NZ") as run:
        yield run


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    # NZ: the identifier is the NHI; the headers' fields (`Last Name` → last_name) are the template's names.
    assert_every_defect_caught(staged, EXPECTED)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    assert_blocked_only_by_checks_and_reconciled(staged)


def test_iso_dates_are_read_and_a_day_first_date_is_refused_naming_file_column_and_line(tmp_path: Path) -> None:
    practice = write_cloudappts_export(tmp_path / "export", clients=20, seed=1)
    warehouse = Warehouse(tmp_path / "w.duckdb")
    load_raw_resource(warehouse, SYSTEM, "clients", practice.out_dir, "trial")
    with warehouse.connect() as con:
        rows = con.execute(
            "select date_of_birth, archived, _source_encoding, _read_issues from raw_cloudappts.clients "
            "order by _source_record"
        ).fetchall()
    assert rows[0][:3] == (dt.date(1951, 2, 2), False, "utf-8")  # `1951-02-02`, `FALSE`, no BOM
    placeholders = [r for r in rows if r[3] == "date_of_birth:placeholder_date"]
    assert len(placeholders) == 1 and placeholders[0][0] is None  # `0000-00-00`: no date, reported
    path = practice.out_dir / "clients.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace("1953-04-04", "04/04/1953")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(RawReadError) as error:
        load_raw_resource(warehouse, SYSTEM, "clients", practice.out_dir, "trial")
    message = str(error.value)
    assert "clients.csv" in message and "column 'date_of_birth'" in message and "line 4" in message
    assert "04/04/1953" not in message  # never the value
