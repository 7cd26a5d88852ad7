"""The vendor-export benchmark's floor reads every delivered row: DuckDB's bare read_csv of the CSV files and
fastexcel's bare read of the workbook count the same rows the raw layer reads (bench/bench_tabular.py; the
benchmark itself runs in `make bench`)."""

from __future__ import annotations

from pathlib import Path

from bench.bench_tabular import bare_read_csv, bare_read_xlsx, ensure_export
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import Warehouse


def test_both_bare_reads_count_the_rows_the_raw_layer_reads(tmp_path: Path) -> None:
    csv_export = ensure_export(tmp_path / "csv", 15, "csv")
    xlsx_export = ensure_export(tmp_path / "xlsx", 15, "xlsx")
    assert ensure_export(tmp_path / "csv", 15, "csv") == csv_export  # reused, not rewritten
    system = get_system("template")
    warehouse = Warehouse(tmp_path / "w.duckdb")
    raw_rows = sum(load_raw_resource(warehouse, system, r, csv_export, "trial").rows for r in system.resources)
    assert raw_rows > 100
    assert bare_read_csv(csv_export)["rows"] == raw_rows
    assert bare_read_xlsx(xlsx_export)["rows"] == raw_rows + _notes_rows(xlsx_export)


def _notes_rows(export: Path) -> int:
    """The workbook's notes sheet (column descriptions, not a resource) is read by the bare read too."""
    import fastexcel

    from sources.template.settings import NOTES_SHEET

    reader = fastexcel.read_excel(str(next(export.glob("*.xlsx"))))
    return reader.load_sheet(NOTES_SHEET, dtype_coercion="coerce").to_arrow().num_rows
