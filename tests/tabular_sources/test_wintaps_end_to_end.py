"""Wintaps, UK (assumed layout, SYNTHETIC export): the tab-delimited cp1252 export with defects runs
through `wintaps_stage` as a real Dagster run with precision and recall 1.0 and exact reconciliation — a
UK practice (NHS numbers, London's daylight-saving gap, `£` amounts); each file's report title line is
skipped to the header, and every row is numbered by its line in the file."""

from __future__ import annotations

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

from sources.raw_layer import load_raw_resource
from sources.wintaps import SYSTEM
from store import Warehouse
from synthetic.wintaps import write_wintaps_export

# UK: the identifier is the NHS number; read issues name the export's prefixed columns.
WINTAPS_EXPECTED = {
    **EXPECTED,
    "invalid_identifier": ("issue", "nhs_number", "invalid_identifier"),
    "mojibake_text": ("issue", "patient_surname", "mojibake_repaired"),
    "placeholder_date": ("issue", "patient_dob", "placeholder_date"),
}


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with staged_export("wintaps", write_wintaps_export, tmp_path_factory, country="UK", clients=32) as run:
        yield run


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    assert_every_defect_caught(staged, WINTAPS_EXPECTED)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    assert_blocked_only_by_checks_and_reconciled(staged)


def test_title_line_tabs_cp1252_and_pounds_are_read_with_file_line_provenance(tmp_path: Path) -> None:
    practice = write_wintaps_export(tmp_path / "export", clients=4, seed=1, defects=False)
    assert (practice.out_dir / "invoices.csv").read_bytes().count(b"\xa3") == 8  # £ in cp1252, twice a row
    warehouse = Warehouse(tmp_path / "w.duckdb")
    for resource in ("invoices", "case_notes"):
        load_raw_resource(warehouse, SYSTEM, resource, practice.out_dir, "trial")
    with warehouse.connect() as con:
        invoices = con.execute(
            "select _source_record, _source_encoding, invoice_total, invoice_vat from raw_wintaps.invoices order by 1"
        ).fetchall()
        notes = con.execute("select _source_record, note_text from raw_wintaps.case_notes order by 1").fetchall()
    # Line 1 is the title, line 2 the header: the first invoice is line 3.
    assert [r[0] for r in invoices] == [3, 4, 5, 6] and {r[1] for r in invoices} == {"cp1252"}
    assert invoices[0][2:] == (Decimal("90.00"), Decimal("11.74"))
    # A note's line break stays inside its quoted cell; the next note starts two lines further on.
    assert notes[:2] == [
        (3, "Visit 1: range of motion improving.\nContinue exercises."),
        (5, "Visit 2: range of motion improving.\nContinue exercises."),
    ]
