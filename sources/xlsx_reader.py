"""Read one sheet of a vendor's XLSX workbook into the raw layer: the format reader beside ndjson and csv.

A workbook is read with fastexcel (Rust calamine: every sheet, no Excel needed, Polars' own Excel
engine). Its cells keep their native types: a date cell arrives as a date (Excel stores a serial day
number and a date format; calamine applies it), a number typed in a date column is read as an Excel
serial day, a formatted amount ("$1,234.50" typed as text) is read by the DECIMAL rules of
sources/tabular.py, and text dates only in the formats the system declares.

Provenance is the workbook and sheet (`book.xlsx#Clients`) and the row number as Excel shows it: the header
is the declared row (`header_line`, as Excel numbers it) or the first of the sheet's first rows holding the
key column, so title rows above it (and empty rows, which calamine does not return) keep every row's number
right. Blank rows are skipped, and counted.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

import fastexcel

from sources.base import FieldType, RawReadError, RawReadResult, ResourceSpec
from sources.raw_contract import ReadOptions, Writer
from sources.tabular import DeliveredRow, header_key, match_header, missing_columns, write_rows

XLSX_SUFFIX = ".xlsx"
# How far down a sheet the header is looked for (a report's title rows above it).
_HEADER_SEARCH_ROWS = 20
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_XML_CHUNK = 1 << 16
# What a DTD starts with, in each encoding an XLSX part may be written in (ECMA-376 Part 2, OPC: XML parts are
# UTF-8 or UTF-16). A part never declares one; one that does (entity expansion) is refused before it is parsed.
_DTD_MARKERS = tuple(m.encode(e) for m in ("<!DOCTYPE", "<!ENTITY") for e in ("utf-8", "utf-16-le", "utf-16-be"))
# Bytes of one chunk carried into the next, so that a marker split across two chunks is still seen whole.
_DTD_OVERLAP = max(len(m) for m in _DTD_MARKERS) - 1


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
    reader = fastexcel.read_excel(str(path))
    # Read without a header, calamine's rows start at the sheet's first row holding a value: `first_row` is that
    # row as Excel numbers it, so that a header found below title rows (or empty ones) gets its own number.
    # fastexcel's `header_row` is then counted from the sheet's top.
    first_row = first_used_row(path, spec.name, shown)
    header_row = _header_row(reader, spec, options, first_row, shown)
    header_index = header_row - 1
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
            shown, [f"{shown}: column {name!r} missing from the header (row {header_row})" for name in missing]
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
            # Excel's row number: the header's row, then one per row below it (blank ones counted).
            yield DeliveredRow(header_row + 1 + offset, cells, "xlsx")

    return write_rows(delivered(), spec, options, shown=shown, write=write, unit="row")


def _header_row(
    reader: fastexcel.ExcelReader, spec: ResourceSpec, options: ReadOptions, first_row: int, shown: str
) -> int:
    """The header's row as Excel numbers it: the declared `header_line`, else the first of the sheet's first
    rows holding the spec's key column (a report's title rows above it are skipped, as the CSV reader does)."""
    if options.header_line is not None:
        if options.header_line < first_row:
            raise RawReadError(shown, [f"{shown}: row {options.header_line}: the declared header row is empty"])
        return options.header_line
    wanted = header_key(spec.key or next(iter(spec.fields)))
    try:
        top = reader.load_sheet(
            spec.name, header_row=None, n_rows=_HEADER_SEARCH_ROWS, dtypes="string", dtype_coercion="coerce"
        ).to_polars()
    except Exception as exc:  # only the error's kind is shown
        raise RawReadError(shown, [f"{shown}: the sheet cannot be read ({type(exc).__name__})"]) from None
    for index, values in enumerate(top.iter_rows()):
        if any(v is not None and header_key(str(v)) == wanted for v in values):
            return first_row + index
    raise RawReadError(
        shown,
        [
            f"{shown}: no header row holding column {spec.key or next(iter(spec.fields))!r} in the first "
            f"{_HEADER_SEARCH_ROWS} rows (set source.<run>.read.header_line if the header names its columns otherwise)"
        ],
    )


def first_used_row(path: Path, sheet: str, shown: str) -> int:
    """The first row (as Excel numbers it, from 1) of `sheet` holding a cell with a value: where calamine's rows
    start. Read from the worksheet's XML, which names every row's number, stopping at that row."""
    try:
        with zipfile.ZipFile(path) as book, book.open(_sheet_part(book, sheet)) as xml:
            parser = ElementTree.XMLPullParser(events=("end",))
            for chunk in _dtd_free_chunks(xml):
                parser.feed(chunk)
                for _event, element in parser.read_events():
                    if element.tag != f"{_MAIN}row":
                        continue
                    if any(_has_value(cell) for cell in element):
                        return int(element.get("r", "1"))
                    element.clear()
    except (KeyError, StopIteration, zipfile.BadZipFile, ElementTree.ParseError, ValueError):
        raise RawReadError(shown, [f"{shown}: the sheet's rows cannot be read (not a well-formed XLSX part)"]) from None
    return 1  # an empty sheet: no rows to number


def _has_value(cell: ElementTree.Element) -> bool:
    """A cell with a value (`<v>`, or an inline string's `<is>`); one with only a style is empty to calamine."""
    return cell.find(f"{_MAIN}v") is not None or cell.find(f"{_MAIN}is") is not None


def _sheet_part(book: zipfile.ZipFile, sheet: str) -> str:
    """The zip member holding the worksheet named `sheet` (workbook.xml names it, its relationships place it)."""
    workbook = _xml(book.read("xl/workbook.xml"))
    relation = next(s.get(f"{_RELATIONSHIP}id") for s in workbook.iter(f"{_MAIN}sheet") if s.get("name") == sheet)
    relations = _xml(book.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target", "") for r in relations if r.get("Id") == relation)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _without_dtd(data: bytes) -> bytes:
    """An XLSX part never declares a DTD; one that does (entity expansion) is refused before it is parsed."""
    if any(marker in data for marker in _DTD_MARKERS):
        raise ValueError("a DTD in a workbook part")
    return data


def _dtd_free_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """`stream` read in chunks, each checked by `_without_dtd` together with the end of the one before it: a
    `<!DOCTYPE` split across two chunks is refused as one within a chunk is."""
    carried = b""
    while chunk := stream.read(_XML_CHUNK):
        seen = _without_dtd(carried + chunk)
        carried = seen[-_DTD_OVERLAP:]
        yield chunk


def _xml(data: bytes) -> ElementTree.Element:
    # Safe for a vendor's file: expat resolves no external entity, and a DTD is refused before parsing.
    return ElementTree.fromstring(_without_dtd(data))  # noqa: S314


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
