"""Wintaps, UK (assumed layout, SYNTHETIC export): the UTF-16 pipe-delimited export with defects runs
through `wintaps_stage` as a real Dagster run with precision and recall 1.0 and exact reconciliation — a
UK practice (NHS numbers, London's daylight-saving gap, `£` amounts); the declared UTF-16 is read with its
byte-order mark, and a note's line break stays inside its quoted cell."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from test_template_end_to_end import EXPECTED
from vendor_export_helpers import (
    assert_blocked_only_by_checks_and_reconciled,
    assert_every_defect_caught,
    staged_export,
)

from sources.csv_reader import read_csv_resource
from sources.raw_contract import ParsedFile
from sources.raw_layer import load_raw_resource
from sources.wintaps import SYSTEM
from store import Warehouse
from synthetic.wintaps import write_wintaps_export

# UK: the identifier is the NHS number; the mojibake sits in the Last Name column.
WINTAPS_EXPECTED = {
    **EXPECTED,
    "invalid_identifier": ("issue", "nhs_number", "invalid_identifier"),
    "mojibake_text": ("issue", "last_name", "mojibake_repaired"),
}


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with staged_export("wintaps", write_wintaps_export, tmp_path_factory, country="UK", clients=32) as run:
        yield run


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    assert_every_defect_caught(staged, WINTAPS_EXPECTED)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    assert_blocked_only_by_checks_and_reconciled(staged)


def test_utf16_pipes_and_pounds_are_read_with_file_line_provenance(tmp_path: Path) -> None:
    practice = write_wintaps_export(tmp_path / "export", clients=4, seed=1, defects=False)
    data = (practice.out_dir / "invoices.csv").read_bytes()
    assert data.startswith(b"\xff\xfe") and "|£11.74|£90.00\r\n".encode("utf-16-le") in data  # BOM, little-endian
    warehouse = Warehouse(tmp_path / "w.duckdb")
    for resource in ("invoices", "case_notes"):
        load_raw_resource(warehouse, SYSTEM, resource, practice.out_dir, "trial")
    with warehouse.connect() as con:
        invoices = con.execute(
            "select _source_record, _source_encoding, total, vat from raw_wintaps.invoices order by 1"
        ).fetchall()
        notes = con.execute("select _source_record, note from raw_wintaps.case_notes order by 1").fetchall()
    # Line 1 is the header: the first invoice is line 2.
    assert [r[0] for r in invoices] == [2, 3, 4, 5] and {r[1] for r in invoices} == {"utf-16"}
    assert invoices[0][2:] == (Decimal("90.00"), Decimal("11.74"))
    # A note's line break stays inside its quoted cell; the next note starts two lines further on.
    assert notes[:2] == [
        (2, "Visit 1: range of motion improving.\nContinue exercises."),
        (4, "Visit 2: range of motion improving.\nContinue exercises."),
    ]


def test_utf16_is_recognised_by_its_byte_order_mark_when_the_encoding_is_detected(tmp_path: Path) -> None:
    practice = write_wintaps_export(tmp_path / "export", clients=4, seed=1, defects=False)
    path, spec = practice.out_dir / "invoices.csv", SYSTEM.resources["invoices"]
    written: list[list[object]] = []

    def write(sql: str, params: list[object], parsed: ParsedFile, check_rows: object = None) -> int:
        written.append(duckdb.sql(parsed.sql.replace("?", f"'{parsed.params[0]}'")).fetchall())
        return len(written[-1])

    result = read_csv_resource(path, spec, write=write, options=replace(SYSTEM.read_options, encoding=None))
    assert result.records == 4 and any("UTF-16 byte-order mark" in note for note in result.notes)
    assert all("\x00" not in str(cell) for row in written[0] for cell in row)  # no NUL: decoded, not mangled
