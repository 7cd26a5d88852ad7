"""A delivered tabular dump as {table name: DataFrame of strings}: the one seam the proposer reads through.

The proposer reads a dump through the source contract's readers (sources/csv_reader.py,
sources/xlsx_reader.py), so a proposal sees the table the raw layer would: the same encoding detection
(byte-order mark, strict UTF-8, UTF-8 with cp1252 lines, else cp1252/latin-1), the same delimiter
detection among `,` `;` tab `|`, the same quoting (multi-line notes kept whole; a record with broken
quoting or the wrong field count left out, as the raw layer quarantines it) and the same workbook
engine. Every cell stays delivered text (never inferred types: "007" and "25/03/1980" must reach the
profiler unchanged); blank cells are null.

What differs is the header: the raw layer finds it as the first line holding the spec's key column, and
a proposal has no spec yet. Unless the customer declares `read.header_line`, the header is the first
record with as many fields as most of the first records have — a report writer's title line above the
header (research/sources-round2.md §4) has fewer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

import fastexcel
import polars as pl

from sources.base import RawReadError, ResourceSpec
from sources.csv_reader import decode, physical_lines, records, sniff_delimiter
from sources.raw_contract import ReadOptions
from sources.sqlserver.definitions import COLUMNS_EXPORT_NAMES, TableDefinition, load_definitions
from sources.sqlserver.extract import DATA_SUFFIXES, bcp_rows, decode_extract, open_extract_file
from sources.tabular import match_header
from sources.xlsx_reader import XLSX_SUFFIX, first_used_row, sheet_names

CSV_SUFFIX = ".csv"
# How many records decide the usual field count (the header search of sources/csv_reader.py looks as far).
_HEADER_SEARCH_RECORDS = 20
# A proposal detects what the customer has not declared (sources/raw_contract.py: None = detect).
DETECT = ReadOptions(encoding=None)


class DumpReadError(Exception):
    """A dump that cannot be read as tables; the message names the file and what was expected, never a value."""


# The table a delivered file holds, by its name (`PATIENT.csv` → `patients`); None: the file is no table.
TableOf = Callable[[str], str | None]


def read_tables(
    path: Path,
    options: ReadOptions | None = None,
    resources: Mapping[str, ResourceSpec] | None = None,
    table_of: TableOf | None = None,
) -> dict[str, pl.DataFrame]:
    """A folder of CSV files (table = file stem) or one XLSX workbook (table = sheet name) → every
    column as text, empty cells null, in delivered column order. `options` are the raw layer's read
    options for the customer (sources/raw_layer.read_options); None detects everything. A table that is
    one of the system's `resources` has its columns named as the raw layer names them (`DateOfBirth`
    delivered is the field `date_of_birth`: sources/tabular.match_header), so a proposed spec reads the
    raw table's columns. `table_of` names a CSV file's table as the system's raw layer does (a SQL Server
    extract's `PATIENT.csv` holds `patient`); default: the file stem."""
    options = options or DETECT
    if path.is_dir():
        tables = {
            table: _read_table_file(p, options, definition) for table, p, definition in _table_files(path, table_of)
        }
    elif path.suffix.lower() == XLSX_SUFFIX:
        tables = _read_xlsx(path, options)
    else:
        raise DumpReadError(f"{path}: expected a folder of CSV files or an .xlsx workbook")
    return {name: _raw_names(frame, (resources or {}).get(name)) for name, frame in tables.items()}


def _raw_names(frame: pl.DataFrame, spec: ResourceSpec | None) -> pl.DataFrame:
    if spec is None:
        return frame
    names = match_header(spec, frame.columns)
    if len(set(names)) != len(names):  # two delivered columns naming one field: keep them as delivered
        return frame
    return frame.rename(dict(zip(frame.columns, names, strict=True)))


def _table_files(folder: Path, table_of: TableOf | None) -> list[tuple[str, Path, TableDefinition | None]]:
    """(table, file, its SQL definition) per delivered table file: the CSV files, and — when the folder holds
    table definitions (a SQL Server family extract: INFORMATION_SCHEMA export or CREATE TABLE script) — every
    data file named after a defined table (`PATIENT.dat`, `dbo.PATIENT.bcp`), however it is written."""
    try:
        definitions = load_definitions(folder, lambda p: decode_extract(p.read_bytes(), None, p.name).text)
    except RawReadError as exc:
        raise _refused(exc) from None
    defined = {name.upper(): d for name, d in definitions.items()}
    files = []
    for file in sorted(p for p in folder.iterdir() if p.is_file()):
        if definitions and file.name.lower() in COLUMNS_EXPORT_NAMES:
            continue  # the table definitions, not a table
        definition = defined.get(file.stem.upper().removeprefix("DBO."))
        if file.suffix.lower() == CSV_SUFFIX or (definition and file.suffix.lower() in DATA_SUFFIXES):
            files.append((file, definition if file.suffix.lower() in DATA_SUFFIXES else None))
    if not files:
        raise DumpReadError(f"{folder}: expected CSV files (one per table) in the folder, found none")
    named = [((table_of or _stem)(p.name), p, d) for p, d in files]
    return [(table, p, d) for table, p, d in named if table is not None]


def _read_table_file(
    path: Path, options: ReadOptions, definition: TableDefinition | None, header_only: bool = False
) -> pl.DataFrame:
    """A CSV file with its header, or a SQL Server extract's file: the wizard's CSV (a header naming the
    table's columns) as CSV, a bcp file (no header) by its definition's columns, split at the terminators
    its format file declares or detected, as sources/sqlserver/extract.py reads it."""
    if definition is None:
        return _read_csv(path, options, header_only)
    try:
        decoded, terminators, has_header = open_extract_file(path, definition, options)
        if has_header:
            return _read_csv(path, options, header_only)
        names, _how, rows = bcp_rows(decoded, definition, terminators, options, path.name)
    except RawReadError as exc:
        raise _refused(exc) from None
    # Records the raw layer quarantines (another field count) carry no cells to profile.
    cells = [] if header_only else [row.cells for row in rows if row.problem is None]
    # Named as the definitions name them (`PTNT_ID`), as the wizard's header would: a registered system's
    # raw names come after (`_raw_names`), whatever the style.
    sql_names = {c.field_name: c.name for c in definition.columns}
    data = {sql_names.get(name, name): [row.get(name) for row in cells] for name in names}
    return pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))


def _stem(file_name: str) -> str:
    return Path(file_name).stem


def _refused(exc: RawReadError) -> DumpReadError:
    """The contract's problem sentences (file, line, what was expected — never a value) as this seam's error."""
    return DumpReadError("; ".join(exc.problems))


def _header_start(
    parsed: list[tuple[int, list[str] | None, str]], header_line: int | None, shown: str
) -> tuple[list[str], int]:
    """(header cells, index in `parsed` of the first data record)."""
    if header_line is not None:
        for index, (number, fields, _text) in enumerate(parsed):
            if number == header_line and fields is not None:
                return fields, index + 1
        raise DumpReadError(f"{shown}: line {header_line}: no readable header record there (read.header_line)")
    counts = Counter(len(fields) for _n, fields, _t in parsed[:_HEADER_SEARCH_RECORDS] if fields is not None)
    if not counts:
        raise DumpReadError(f"{shown}: no readable record in the first {_HEADER_SEARCH_RECORDS} lines")
    usual = counts.most_common(1)[0][0]
    index = next(i for i, (_n, fields, _t) in enumerate(parsed) if fields is not None and len(fields) == usual)
    return parsed[index][1] or [], index + 1


def _read_csv(path: Path, options: ReadOptions, header_only: bool = False) -> pl.DataFrame:
    try:
        decoded = decode(path.read_bytes(), options.encoding, path.name)
    except RawReadError as exc:
        raise _refused(exc) from None
    lines = physical_lines(decoded.text)
    quote = options.quote or '"'
    delimiter = options.delimiter or sniff_delimiter(lines, quote)
    parsed = list(records(lines, delimiter, quote))
    if not parsed:
        return pl.DataFrame()
    header, start = _header_start(parsed, options.header_line, path.name)
    names = [name.strip() or f"column_{i + 1}" for i, name in enumerate(header)]
    # Records the raw layer quarantines (broken quoting, another field count) carry no cells to profile.
    rows = [] if header_only else [f for _n, f, _t in parsed[start:] if f is not None and len(f) == len(names)]
    data = {name: [row[i] if row[i].strip() else None for row in rows] for i, name in enumerate(names)}
    return pl.DataFrame(data, schema=dict.fromkeys(names, pl.String))


def _read_xlsx(path: Path, options: ReadOptions) -> dict[str, pl.DataFrame]:
    """Every sheet through the XLSX reader's engine (fastexcel), each cell as its text; the header row is
    the declared `header_line` (the row as Excel numbers it, as sources/xlsx_reader.py reads it), else found
    as the CSV header is: the first row as wide as most of the sheet's first rows (a report's title rows
    above it hold one cell; the XLSX reader looks for the spec's key column, which a proposal does not have)."""
    try:
        names = sheet_names(path)
    except RawReadError as exc:
        raise _refused(exc) from None
    reader = fastexcel.read_excel(str(path))
    tables = {}
    for name in names:
        shown = f"{path.name}#{name}"
        try:
            header_row = (options.header_line or _sheet_header_row(reader, path, name)) - 1
            frame = reader.load_sheet(name, header_row=header_row, dtypes="string").to_polars()
        except RawReadError as exc:
            raise _refused(exc) from None
        except Exception as exc:  # fastexcel's own error kinds; their messages may quote cells
            raise DumpReadError(f"{shown}: the sheet cannot be read ({type(exc).__name__})") from None
        frame = frame.rename({c: str(c).strip() for c in frame.columns})
        frame = frame.with_columns(
            pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns
        )
        tables[name] = frame.with_columns(_date_cells(frame[c]) for c in frame.columns)
    return tables


def _sheet_header_row(reader: fastexcel.ExcelReader, path: Path, sheet: str) -> int:
    """The header's row as Excel numbers it: among the sheet's first rows, the first one as wide (its last
    cell holding a value) as most rows are — a title line above the header holds fewer cells."""
    first_row = first_used_row(path, sheet, f"{path.name}#{sheet}")
    top = reader.load_sheet(sheet, header_row=None, n_rows=_HEADER_SEARCH_RECORDS, dtypes="string").to_polars()
    widths = [_row_width(values) for values in top.iter_rows()]
    # A title line holds one cell: rows wider than one decide, unless the sheet has a single column.
    counts = Counter(w for w in widths if w > 1) or Counter(w for w in widths if w)
    if not counts:
        return first_row
    usual = max(counts, key=lambda w: (counts[w], w))
    return first_row + next(i for i, w in enumerate(widths) if w >= usual)


def _row_width(values: tuple[object, ...]) -> int:
    """How many cells a row spans up to its last cell holding a value (0: a blank row)."""
    filled = [i for i, v in enumerate(values) if v is not None and str(v).strip()]
    return filled[-1] + 1 if filled else 0


_DATE_TIME_CELL = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
_MIDNIGHT = " 00:00:00"


def _date_cells(column: pl.Series) -> pl.Series:
    """A column whose date-time cells all fall at midnight holds date cells (Excel keeps a date as a
    date-time): their ISO date, as the raw layer reads a date cell; typed text in the column stays."""
    cells = column.drop_nulls()
    stamped = cells.filter(cells.str.contains(_DATE_TIME_CELL))
    if stamped.is_empty() or not stamped.str.ends_with(_MIDNIGHT).all():
        return column
    return column.str.replace(f"{_MIDNIGHT}$", "")


def dump_layout(
    path: Path,
    options: ReadOptions | None = None,
    resources: Mapping[str, ResourceSpec] | None = None,
    table_of: TableOf | None = None,
) -> dict[str, list[str]]:
    """Table → column names of a dump as read_tables names them, without keeping its rows (CSV headers;
    a workbook's header rows)."""
    options = options or DETECT
    if path.is_dir():
        return {
            table: _raw_names(_read_table_file(file, options, definition, True), (resources or {}).get(table)).columns
            for table, file, definition in _table_files(path, table_of)
        }
    return {name: frame.columns for name, frame in read_tables(path, options, resources).items()}
