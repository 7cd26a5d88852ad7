"""A row quarantined on reading (broken quoting, the wrong number of fields) has one outcome in staging: rejected
with its quarantine reason. Before, its empty cells were staged like any row and it was rejected again as
`required_missing` (or, for a second one, `duplicate_source_id`: two empty ids), or as `no_entity` where the
spec splits the table by a `where` its empty cells match nothing of."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from export_staging_helpers import outcomes_of, stage_export
from pipeline_helpers import register_customer, run_pipeline, staged_outcome_tables

from customers import MigrationHome
from store import Warehouse
from synthetic.houston import write_houston_export
from synthetic.template import write_filled_template


@pytest.fixture(scope="module")
def template_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Warehouse]:
    work = tmp_path_factory.mktemp("quarantine")
    export = write_filled_template(work / "export", clients=6, seed=3, fmt="csv", defects=False).out_dir
    clients = export / "clients.csv"
    lines = clients.read_text(encoding="utf-8").splitlines(keepends=True)
    # Lines 4 and 5 of the file: a quote that never closes, and a row with three fields.
    lines[3:3] = ['C99,"Unclosed,quote\n', "C98,too,few\n"]
    clients.write_text("".join(lines), encoding="utf-8")
    home = work / "home"
    config = register_customer(home, "quarantine", export, system="template")
    run_pipeline(home, config)
    return home, Warehouse.for_customer(MigrationHome(home).customer_dir("quarantine"))


def test_each_quarantined_row_is_rejected_once_with_its_quarantine_reason(template_run: tuple[Path, Warehouse]) -> None:
    _home, warehouse = template_run
    assert outcomes_of(warehouse, "template", "clients", 4) == [("client", "broken_quoting")]
    assert outcomes_of(warehouse, "template", "clients", 5) == [("client", "wrong_field_count")]
    assert outcomes_of(warehouse, "template", "clients", 6) == [("client", "staged")]  # the rows after it load


def test_the_quarantined_rows_reject_names_the_row_not_a_field(template_run: tuple[Path, Warehouse]) -> None:
    home, _warehouse = template_run
    rejects = staged_outcome_tables(home, "quarantine")["rejects"].filter(pl.col("source_table") == "clients")
    assert rejects.select("source_record", "reason", "field").rows() == [
        (4, "broken_quoting", None),
        (5, "wrong_field_count", None),
    ]
    assert rejects["message"].str.starts_with("(row): ").all()


def test_every_delivered_row_reconciles(template_run: tuple[Path, Warehouse]) -> None:
    home, _warehouse = template_run
    results = staged_outcome_tables(home, "quarantine")["check_result"]
    reconciliation = results.filter(pl.col("check_name") == "reconciliation")
    assert reconciliation.height == 11 and reconciliation["passed"].all(), reconciliation


def test_a_quarantined_row_no_where_takes_is_rejected_once_with_its_reason_not_as_no_entity(tmp_path: Path) -> None:
    # Houston's providers sheet is split into practitioners and referrers by `Provider Type`; a workbook has no
    # quoting to break, so the row is made as the CSV reader leaves a quarantined one (no cells, the reason).
    export = write_houston_export(tmp_path / "houston", clients=4, seed=3, defects=False).out_dir

    def quarantine_provider(warehouse: Warehouse) -> None:
        with warehouse.connect() as con:
            fields = [r[0] for r in con.execute("describe raw_houston.providers").fetchall()]
            emptied = ", ".join(f'"{f}" = null' for f in fields if not f.startswith("_") and f != "run_kind")
            con.execute(
                f"update raw_houston.providers set {emptied}, _read_issues = '(row):wrong_field_count' "
                "where _source_record = 2"
            )

    warehouse = stage_export(export, "houston", country="AU", before_staging=quarantine_provider)
    assert outcomes_of(warehouse, "houston", "providers", 2) == [("(none)", "wrong_field_count")]
    assert outcomes_of(warehouse, "houston", "providers", 3) == [("practitioner", "staged")]
