"""Comsense (assumed layout, SYNTHETIC export, AU): the export with defects runs through `comsense_stage`
as a real Dagster run with precision and recall 1.0 and exact reconciliation — appointments built from
the book's day and times of day (the DST gap rejected, a finish before the start flagged); the declared
cp1252 code page reads the files and surfaces mojibake that detection would take for UTF-8."""

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

from sources.comsense import SYSTEM
from sources.locations import ExportSource
from sources.raw_layer import load_raw_resource
from store import Warehouse
from synthetic.comsense import write_comsense_export

# AU: the identifier is a Medicare number; the raw columns are the UPPERCASE headers in snake_case.
COMSENSE_EXPECTED = {
    **EXPECTED,
    "invalid_identifier": ("issue", "medicare_number", "invalid_identifier"),
    "mojibake_text": ("issue", "surname", "mojibake_repaired"),
    "placeholder_date": ("issue", "dob", "placeholder_date"),
}


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with staged_export("comsense", write_comsense_export, tmp_path_factory, country="AU") as run:
        yield run


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    assert_every_defect_caught(staged, COMSENSE_EXPECTED)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    assert_blocked_only_by_checks_and_reconciled(staged)


def _surnames(tmp_path: Path, dump: Path, name: str, location: ExportSource | None) -> list[tuple]:
    warehouse = Warehouse(tmp_path / f"{name}.duckdb")
    load_raw_resource(warehouse, SYSTEM, "patients", dump, "trial", location=location)
    with warehouse.connect() as con:
        return con.execute(
            "select surname, _source_encoding, _read_issues from raw_comsense.patients where surname like 'M%lle%'"
        ).fetchall()


def test_the_declared_code_page_surfaces_mojibake_that_detection_reads_as_utf8(tmp_path: Path) -> None:
    practice = write_comsense_export(tmp_path / "export", clients=20, seed=1)
    declared = _surnames(tmp_path, practice.out_dir, "declared", None)
    # cp1252 as declared: the cell holds `MÃ¼ller…`, repaired and reported.
    assert [(r[1], r[2]) for r in declared] == [("cp1252", "surname:mojibake_repaired")]
    assert declared[0][0].startswith("Mülle")
    # Detected: those bytes are valid UTF-8, so the name reads clean and nothing tells the practice.
    detected = _surnames(tmp_path, practice.out_dir, "detected", ExportSource(dump=practice.out_dir, encoding="detect"))
    assert [(r[1], r[2]) for r in detected] == [("utf-8", None)]


def test_dollar_amounts_yes_no_flags_and_an_en_dash_are_read(tmp_path: Path) -> None:
    practice = write_comsense_export(tmp_path / "export", clients=15, seed=1, defects=False)
    warehouse = Warehouse(tmp_path / "w.duckdb")
    for resource in ("invoice_items", "providers"):
        load_raw_resource(warehouse, SYSTEM, resource, practice.out_dir, "trial")
    with warehouse.connect() as con:
        item = con.execute(
            "select description, fee, amount from raw_comsense.invoice_items order by 1 limit 1"
        ).fetchone()
        active = con.execute("select distinct active from raw_comsense.providers").fetchall()
    assert item == ("Consultation \u2013 standard", Decimal("60.0000"), Decimal("60.0000"))  # `$60.00`, 0x96
    assert active == [(True,)]  # `Y`
