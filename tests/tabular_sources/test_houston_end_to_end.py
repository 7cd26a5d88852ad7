"""Bp VIP.net / Houston VIP (assumed layout, SYNTHETIC export): the workbook with defects runs through
`houston_stage` as a real Dagster run with precision and recall 1.0 and exact reconciliation; dates and
times come from Excel date cells; internal providers become practitioners and external ones referrers,
and a provider of neither type is rejected with its reason, not lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from test_template_end_to_end import EXPECTED
from vendor_export_helpers import (
    assert_blocked_only_by_checks_and_reconciled,
    assert_every_defect_caught,
    staged_export,
)

from sources.houston import SYSTEM
from sources.houston.settings import HEADERS, WORKBOOK_FILE
from sources.raw_layer import load_raw_resource
from store import Warehouse
from synthetic.houston import houston_rows, write_houston_export
from synthetic.template import TemplateSummary, small_practice
from synthetic.vendor_export import write_xlsx_tables

# AU: the identifier is a Medicare number; the mojibake sits in the Surname text cell.
HOUSTON_EXPECTED = {
    **EXPECTED,
    "invalid_identifier": ("issue", "medicare_number", "invalid_identifier"),
    "mojibake_text": ("issue", "surname", "mojibake_repaired"),
}


def _write_with_a_locum(out: Path, *, clients: int, seed: int) -> TemplateSummary:
    """The synthetic export plus a provider of a type the spec does not know (neither internal nor
    external): it must be rejected with its reason, never dropped."""
    practice = write_houston_export(out, clients=clients, seed=seed)
    tables = houston_rows(small_practice(clients=clients, seed=seed, defects=True, country="AU"))
    locum = dict.fromkeys(HEADERS["providers"], "")
    tables["providers"].append(locum | {"Provider ID": "P9", "Provider Type": "Locum", "Surname": "Reid"})
    write_xlsx_tables(out / WORKBOOK_FILE, tables, HEADERS)
    return practice


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with staged_export("houston", _write_with_a_locum, tmp_path_factory, country="AU", clients=36) as run:
        yield run


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    # The locum provider belongs to no entity: its reject is the test below's, not a defect of the truth.
    tables = staged["tables"]
    no_entity = tables["rejects"]["reason"] == "no_entity"
    assert no_entity.sum() == 1
    assert_every_defect_caught(
        {**staged, "tables": {**tables, "rejects": tables["rejects"].filter(~no_entity)}}, HOUSTON_EXPECTED
    )


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    assert_blocked_only_by_checks_and_reconciled(staged)


def test_providers_split_by_type_and_one_of_neither_type_is_rejected_not_lost(staged: dict) -> None:
    rejects = staged["tables"]["rejects"].filter(pl.col("source_table") == "providers")
    # Named by its sheet row (header row 1, three internal providers and the referrer above it) and by its id
    # in the sheet's own id column (`Provider ID`, the spec's `id:`).
    assert rejects.select("source_record", "source_id", "reason").rows() == [(6, "P9", "no_entity")]
    issues = staged["tables"]["field_issues"]
    assert issues.filter(pl.col("entity") == "practitioner").is_empty()


def test_date_cells_are_read_as_dates_and_provenance_names_the_sheet_row(tmp_path: Path) -> None:
    practice = write_houston_export(tmp_path / "export", clients=5, seed=1, defects=False)
    warehouse = Warehouse(tmp_path / "w.duckdb")
    summary = load_raw_resource(warehouse, SYSTEM, "appointments", practice.out_dir, "trial")
    assert summary.rows == 10
    with warehouse.connect() as con:
        first = con.execute(
            "select _source_record, _source_file, _source_encoding, start, finish - start "
            "from raw_houston.appointments order by 1 limit 1"
        ).fetchone()
    assert first[0] == 2 and first[1].endswith(f"{WORKBOOK_FILE}#appointments") and first[2] == "xlsx"
    assert str(first[3]).startswith("2026-03-") and str(first[4]) == "0:45:00"  # native cells, exact minutes
