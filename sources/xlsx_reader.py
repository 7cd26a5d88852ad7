"""Read one sheet of a vendor's XLSX workbook into the raw layer: the format reader beside ndjson and csv.

A workbook is read with fastexcel (Rust calamine: every sheet, no Excel needed, Polars' own Excel
engine). Its cells keep their native types: a date cell arrives as a date (Excel stores a serial day
number and a date format; calamine applies it), a number typed in a date column is read as an Excel
serial day, a formatted amount ("$1,234.50" typed as text) is read by the DECIMAL rules of
sources/tabular.py, and text dates only in the formats the system declares.

Provenance is the workbook and sheet (`book.xlsx#Clients`) and the row number as Excel shows it (the
header is row 1 unless declared otherwise). Blank rows are skipped, and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import fastexcel

from sources.base import FieldType, RawReadError, RawReadResult, ResourceSpec
from sources.raw_contract import ReadOptions, Writer
from sources.tabular import DeliveredRow, match_header, missing_columns, write_rows

XLSX_SUFFIX = ".xlsx"


def sheet_names(path: Path) -> list[str]:
    """Every sheet of the workbook, in workbook order. Raises RawReadError for a file that is not one."""
    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as exc:  # fastexcel raises its own error kinds; their messages may quote cells
        raise RawReadError(str(path), [f"{path}: not a readable XLSX workbook ({type(exc).__name__})"]) from None


def read_xlsx_resource(
    path: Path, spec: ResourceSpec, *, write: Writer, shown_file: str | None = None, options: ReadOptions | None = None
) -> RawReadResult:
    """Read sheet `spec.name` of workbook `path` through `write` (sources/raw_contract.py). Raises
    RawReadError naming workbook, sheet, row and column for a missing workbook or sheet, a header without
    the spec's columns or dates in an undeclared format."""
    options = options or ReadOptions()
    shown = shown_file or f"{path}#{spec.name}"
    if not path.is_file():
        raise RawReadError(shown, [f"{path}: workbook missing"])
    names = sheet_names(path)
    if spec.name not in names:
        raise RawReadError(shown, [f"{shown}: sheet missing (the workbook has {len(names)} other sheets)"])
    header_index = (options.header_line or 1) - 1
    reader = fastexcel.read_excel(str(path))
    try:
        frame = reader.load_sheet(
            spec.name, header_row=header_index, schema_sample_rows=None, dtype_coercion="coerce"
        ).to_polars()
    except Exception as exc:  # as above: only the error's kind is shown
        raise RawReadError(shown, [f"{shown}: the sheet cannot be read ({type(exc).__name__})"]) from None
    header = match_header(spec, [str(c).strip() for c in frame.columns])
    missing = missing_columns(spec, header)
    if missing:
        raise RawReadError(
            shown, [f"{shown}: column {name!r} missing from the header (row {header_index + 1})" for name in missing]
        )
    dates = _date_cells(reader, spec, header, header_index)

    def delivered() -> Iterator[DeliveredRow]:
        for offset, values in enumerate(frame.iter_rows()):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            cells = dict(zip(header, values, strict=True))
            for name, column in dates.items():
                if column[offset] is not None:
                    cells[name] = column[offset]
            # Excel's row number: the header's row, then one per data row.
            yield DeliveredRow(header_index + 2 + offset, cells, "xlsx")

    return write_rows(delivered(), spec, options, shown=shown, write=write, unit="row")


def _date_cells(
    reader: fastexcel.ExcelReader, spec: ResourceSpec, header: list[str], header_index: int
) -> dict[str, list[object]]:
    """The date columns read again as dates: a date cell (or a serial day number) gives its datetime, a text
    cell None — the text is then parsed in the system's declared formats. A column mixing date cells with
    text is read as text on the first pass, which would turn a date cell into text of an undeclared shape."""
    wanted = (FieldType.DATE, FieldType.DATETIME)
    positions = [i for i, name in enumerate(header) if spec.fields.get(name) in wanted]
    if not positions:
        return {}
    frame = reader.load_sheet(
        spec.name,
        header_row=header_index,
        schema_sample_rows=None,
        dtype_coercion="coerce",
        use_columns=positions,
        dtypes=dict.fromkeys(positions, "datetime"),
    ).to_polars()
    return {header[i]: frame.to_series(n).to_list() for n, i in enumerate(positions)}
