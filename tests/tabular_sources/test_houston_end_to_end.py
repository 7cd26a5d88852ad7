"""Bp VIP.net / Houston VIP (assumed layout, SYNTHETIC export): the workbook with defects runs through
`houston_stage` as a real Dagster run with precision and recall 1.0 and exact reconciliation; dates and
times come from Excel date cells; internal providers become practitioners and external ones referrers,
and a provider of neither type is rejected with its reason, not lost."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from export_helpers import IDENTIFIER_ISSUE, assert_blocked_only_by_checks_and_reconciled, run_stage
from pipeline_helpers import assert_defects_found, defect_findings
from test_template_end_to_end import EXPECTED

from sources.houston import SYSTEM
from sources.houston.settings import WORKBOOK_FILE
from sources.raw_layer import load_raw_resource
from store import Warehouse
from synthetic.houston import houston_rows, write_houston_export
from synthetic.template import TemplateSummary, small_practice
from synthetic.vendor_export import write_xlsx_tables


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("houston")
    practice = write_houston_export(out, clients=36, seed=5)
    # A provider of a type the spec does not know (neither internal nor external): rejected, never dropped.
    tables = houston_rows(small_practice(clients=36, seed=5, defects=True, country="AU"))
    locum = dict.fromkeys(tables["providers"][0], "")
    tables["providers"].append(locum | {"Provider ID": "P9", "Provider Type": "Locum", "Surname": "Reid"})
    write_xlsx_tables(out / WORKBOOK_FILE, tables)
    home = tmp_path_factory.mktemp("home-houston")
    result, outcome = run_stage(home, "houston-au", practice.out_dir, system="houston", country="AU")
    return {"practice": practice, "result": result, "tables": outcome}


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    practice: TemplateSummary = staged["practice"]
    defects = json.loads(practice.truth_file.read_text())["defects"]
    # AU: the identifier is a Medicare number; the mojibake sits in the Surname text cell.
    expected = {
        **EXPECTED,
        "invalid_identifier": IDENTIFIER_ISSUE["AU"],
        "mojibake_text": ("issue", "surname", "mojibake_repaired"),
    }
    found = defect_findings(staged["tables"])
    # The locum provider belongs to no entity: its reject is the test below's, not a defect of the truth.
    assert found.filter(pl.col("entity") == "(none)").height == 1
    assert_defects_found(found.filter(pl.col("entity") != "(none)"), defects, expected)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    assert_blocked_only_by_checks_and_reconciled(staged["result"], staged["tables"])


def test_providers_split_by_type_and_one_of_neither_type_is_rejected_not_lost(staged: dict) -> None:
    rejects = staged["tables"]["rejects"].filter(pl.col("source_table") == "providers")
    # Named by its sheet row (header row 1, three internal providers and the referrer above it). The
    # reject's source_id is empty: a no_entity reject names the id only of a raw key column called `id`.
    assert rejects.select("source_record", "reason").rows() == [(6, "no_entity")]
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
