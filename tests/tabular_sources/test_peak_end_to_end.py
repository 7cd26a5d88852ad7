"""Peak, NZ (assumed layout, SYNTHETIC export): the CSV export with defects runs through `peak_stage` as a
real Dagster run with precision and recall 1.0 and exact reconciliation; ISO dates are the only dates read
(a day-first file is refused naming the column and a line); `NZ$` amounts, HTML notes, UTC instants and
international phone numbers arrive as plain values."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from staged_entity_helpers import staged_table
from test_template_end_to_end import EXPECTED
from vendor_export_helpers import (
    assert_blocked_only_by_checks_and_reconciled,
    assert_every_defect_caught,
    staged_export,
)

from sources.base import RawReadError
from sources.peak import SYSTEM
from sources.raw_layer import load_raw_resource
from store import Warehouse
from synthetic.peak import write_peak_export


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with staged_export("peak", write_peak_export, tmp_path_factory, country="NZ", clients=32) as run:
        yield run


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    # The placeholder is ISO-shaped here (0000-00-00); the date-of-birth column keeps its canonical name.
    assert_every_defect_caught(staged, EXPECTED)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    assert_blocked_only_by_checks_and_reconciled(staged)


def test_html_notes_money_utc_instants_and_international_phones_stage_as_plain_values(staged: dict) -> None:
    notes = staged_table("peak-nz", "clinical_note")
    body = notes.filter(pl.col("source_id") == "N1-1")["body_text"].item()
    assert "<p>" not in body and body.startswith("Visit 1: range of motion improving.")
    assert "Continue exercises." in body
    invoices = staged_table("peak-nz", "invoice")
    assert set(invoices["total_amount"].to_list()) <= {Decimal("90.00"), Decimal("95.00")}
    payments = staged_table("peak-nz", "payment")
    # Client 1's payment: 3 March 2026 11:00 in Auckland (NZDT), delivered as 2026-03-02T22:00:00Z.
    paid = payments.filter(pl.col("source_id") == "Y1")["paid_at"].item()
    assert paid.replace(tzinfo=None) == dt.datetime(2026, 3, 2, 22, 0)
    clients = staged_table("peak-nz", "client")
    mobile = clients.filter(pl.col("source_id") == "C1")["mobile_phone"].item()
    assert mobile.startswith("+6421") and not clients["is_archived"].any()


def test_a_day_first_date_is_refused_naming_the_column_and_a_line(tmp_path: Path) -> None:
    practice = write_peak_export(tmp_path / "export", clients=4, seed=1, defects=False)
    path = practice.out_dir / "clients.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    year, month, day_ = rows[2][3].split("-")  # line 3: the second client's date of birth
    rows[2][3] = f"{day_}/{month}/{year}"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    with pytest.raises(RawReadError) as caught:
        load_raw_resource(Warehouse(tmp_path / "w.duckdb"), SYSTEM, "clients", practice.out_dir, "trial")
    message = str(caught.value)
    assert "column 'date_of_birth'" in message and "line 3" in message and "%Y-%m-%d" in message
    assert f"{day_}/{month}/{year}" not in message  # the file, line and column: never the value
