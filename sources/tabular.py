"""What the CSV and XLSX readers share: cells → the raw layer's typed columns, by the system's profile.

A tabular reader (sources/csv_reader.py, sources/xlsx_reader.py) produces `DeliveredRow`s — where the row
was delivered and its cells by column name, as text (CSV) or a spreadsheet's native values (XLSX) — and
`write_rows` types them by the resource spec, writes them to a Parquet scratch file and hands them to
the raw layer's writer (sources/raw_contract.py).

Typing never drops a row: a cell that cannot be read as its declared type is stored null with a read
issue (`field:code` in `_read_issues`), and the cell as delivered stays in `_record`. Two things refuse
the whole file instead, naming file, column and an example row: a column the spec expects missing from
the header, and dates in a shape the system's profile does not declare (`02/03/1980` is 2 March in an
NZ/AU/UK export and 3 February in a US one; guessing would move every birthday silently).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import ftfy
import pyarrow as pa
import pyarrow.parquet as pq

from sources.base import FieldType, RawReadError, RawReadResult, ReadIssue, ResourceSpec
from sources.raw_contract import RECORD_COLUMN, ParsedFile, ReadOptions, Writer

_MAX_PROBLEMS = 100

# Read-issue codes (mappings/issues.py has their sentences).
INVALID_DATE = "invalid_date"
INVALID_TIMESTAMP = "invalid_timestamp"
INVALID_NUMBER = "invalid_number"
INVALID_JSON = "invalid_json"
INVALID_VALUE = "invalid_value"
PLACEHOLDER_DATE = "placeholder_date"
BROKEN_QUOTING = "broken_quoting"
MOJIBAKE_REPAIRED = "mojibake_repaired"
ROW_FIELD = "(row)"  # the field named by a row-level read issue

# Shapes of dates an export may hold, to tell "a date in a format nobody declared" (refuse the file) from
# "not a date" (one cell, reported). Day/month order is what cannot be known from a value like 02/03/1980.
_DATE_SHAPES = (
    (re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}$"), "DD/MM/YYYY or MM/DD/YYYY (day and month order ambiguous)"),
    (re.compile(r"^\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}$"), "YYYY-MM-DD"),
    (re.compile(r"^\d{1,2}[ \-][A-Za-z]{3,9}[ \-]\d{2,4}$"), "DD Mon YYYY"),
)
# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in); serials below 61 predate it.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_CURRENCY = re.compile(r"^(?:NZ\$|A\$|AU\$|\$|£|€)")
_DECIMAL_PLACES = 4  # FieldType.DECIMAL is DECIMAL(18,4)

_ARROW_TYPES = {
    FieldType.STRING: pa.string(),
    FieldType.TEXT: pa.string(),
    FieldType.LINK: pa.string(),
    FieldType.INTEGER: pa.int64(),
    FieldType.NUMBER: pa.float64(),
    FieldType.BOOLEAN: pa.bool_(),
    FieldType.DATE: pa.date32(),
    FieldType.DATETIME: pa.timestamp("us"),
    FieldType.INSTANT: pa.timestamp("us", tz="UTC"),
    FieldType.DECIMAL: pa.decimal128(18, _DECIMAL_PLACES),
    FieldType.JSON: pa.string(),
    FieldType.OBJECT: pa.string(),
    FieldType.ARRAY: pa.string(),
}


@dataclass
class DeliveredRow:
    """One delivered row: its line (CSV: where the record starts) or sheet row number (XLSX), and its
    cells by column name. A quarantined row has no cells, only `problem` (its read-issue code:
    broken_quoting, wrong_field_count) and its text as delivered (kept in raw `_record`)."""

    number: int
    cells: dict[str, object]
    encoding: str = "utf-8"
    issues: list[str] = field(default_factory=list)  # `column:code` found while reading (mojibake)
    problem: str | None = None
    text: str | None = None


F_TEXT = FieldType.TEXT


def repair(value: str) -> tuple[str, bool]:
    """The cell with mojibake repaired (UTF-8 that went through cp1252 once, `JosÃ©` → `José`; ftfy's
    encoding fixes only), and whether it changed."""
    if value.isascii():
        return value, False
    fixed = ftfy.fix_encoding(value)
    return fixed, fixed != value


def excel_serial_date(serial: float) -> dt.datetime:
    """An Excel serial day number (1900 date system) as a datetime: 29281.5 → 1980-03-02 12:00."""
    return dt.datetime.combine(_EXCEL_EPOCH, dt.time()) + dt.timedelta(days=serial)


def date_shape(text: str) -> str | None:
    """The shape a date-like value has (for an error message), or None when it is not date-like."""
    return next((name for pattern, name in _DATE_SHAPES if pattern.match(text)), None)


def _parse_date(text: str, formats: tuple[str, ...]) -> dt.date | None:
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# SQL Server's datetime2 writes seven fractional digits (100 ns); strptime's %f reads at most six.
_SEVENTH_FRACTION_DIGIT = re.compile(r"(\.\d{6})\d$")


def _parse_datetime(text: str, formats: tuple[str, ...]) -> dt.datetime | None:
    text = _SEVENTH_FRACTION_DIGIT.sub(r"\1", text)
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


class _UndeclaredDateError(Exception):
    """A date-like value in a shape the profile does not declare (the caller names file, column, row)."""

    def __init__(self, shape: str):
        self.shape = shape


def convert(kind: FieldType, value: object, options: ReadOptions) -> tuple[object, str | None]:
    """(typed value, read-issue code or None) of one cell. Raises _UndeclaredDateError for a date in an
    undeclared shape. A blank cell is null without an issue."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if kind in (FieldType.DATE, FieldType.DATETIME):
        return _convert_date(kind, value, options)
    if kind is FieldType.INSTANT:
        return _convert_instant(value)
    if kind is FieldType.DECIMAL:
        return _convert_decimal(value)
    if kind is FieldType.INTEGER:
        number, code = _convert_decimal(value)
        if code is None and number is not None and number == number.to_integral_value():
            return int(number), None
        return None, INVALID_NUMBER
    if kind is FieldType.NUMBER:
        number, code = _convert_decimal(value)
        return (float(number), None) if number is not None else (None, code)
    if kind is FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value, None
        text = str(value).strip().lower()
        return (True, None) if text in _TRUE else (False, None) if text in _FALSE else (None, INVALID_VALUE)
    if kind in (FieldType.JSON, FieldType.OBJECT, FieldType.ARRAY):
        try:
            parsed = json.loads(str(value))
        except (ValueError, RecursionError):
            return None, INVALID_JSON
        expected = {FieldType.OBJECT: dict, FieldType.ARRAY: list}.get(kind)
        if expected is not None and not isinstance(parsed, expected):
            return None, INVALID_JSON
        return json.dumps(parsed, ensure_ascii=False, separators=(",", ":")), None
    return (value if isinstance(value, str) else cell_text(value)), None


def _convert_date(kind: FieldType, value: object, options: ReadOptions) -> tuple[object, str | None]:
    wanted_datetime = kind is FieldType.DATETIME
    if isinstance(value, dt.datetime):  # an XLSX date cell
        return (value if wanted_datetime else value.date()), None
    if isinstance(value, dt.date):
        return (dt.datetime.combine(value, dt.time()) if wanted_datetime else value), None
    if isinstance(value, int | float) and not isinstance(value, bool):  # an XLSX number in a date column
        if value < 1:
            return None, PLACEHOLDER_DATE  # Excel's day 0 (1900-01-00) is an empty date
        moment = excel_serial_date(float(value))
        return (moment if wanted_datetime else moment.date()), None
    text = str(value).strip()
    if text in options.date_placeholders or text.split(" ")[0] in options.date_placeholders:
        return None, PLACEHOLDER_DATE
    if wanted_datetime:
        parsed: object = _parse_datetime(text, options.datetime_formats)
        if parsed is None and (day := _parse_date(text, options.date_formats)) is not None:
            parsed = dt.datetime.combine(day, dt.time())
    else:
        parsed = _parse_date(text, options.date_formats)
    if parsed is not None:
        return parsed, None
    day_text = text.split(" ")[0].split("T")[0]
    shape = date_shape(day_text)
    # Only a value whose shape no declared format covers is systematic; a declared-shape value that
    # is not a real day (31/02/1980) is one bad cell.
    declared = (*options.date_formats, *(options.datetime_formats if wanted_datetime else ()))
    if shape is not None and not any(_same_shape(day_text, f.split(" ")[0].split("T")[0]) for f in declared):
        raise _UndeclaredDateError(shape)
    return None, INVALID_TIMESTAMP if wanted_datetime else INVALID_DATE


# A group of the value or the format: # a 1–2 digit number, @ a year, ~ a month's name.
_FORMAT_GROUPS = {"Y": "@", "b": "~", "B": "~"}


def _same_shape(text: str, fmt: str) -> bool:
    """The value has the groups and separators of the strptime format: 31/02/1980 has the shape of
    %d/%m/%Y (a bad day), 1980/02/03 does not (an undeclared format)."""
    value = re.sub(r"\d{3,4}", "@", re.sub(r"(?<!\d)\d{1,2}(?!\d)", "#", re.sub(r"[A-Za-z]+", "~", text)))
    pattern = re.sub(r"%([a-zA-Z])", lambda m: _FORMAT_GROUPS.get(m.group(1), "#"), fmt)
    return value == pattern


def _convert_instant(value: object) -> tuple[object, str | None]:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC), None
    try:
        moment = dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None, INVALID_TIMESTAMP
    if moment.tzinfo is None:
        return None, INVALID_TIMESTAMP  # an instant without offset is a wall-clock time: declare DATETIME
    return moment.astimezone(dt.UTC), None


def _convert_decimal(value: object) -> tuple[Decimal | None, str | None]:
    if isinstance(value, bool):
        return None, INVALID_NUMBER
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = str(value).strip().replace(" ", "")
        negative = text.startswith("(") and text.endswith(")")  # accounting negative: (12.50)
        text = _CURRENCY.sub("", text.strip("()").lstrip("-+") if negative else text)
        sign = "-" if negative else ""
        if text.startswith(("-", "+")):
            sign, text = ("-" if text[0] == "-" else ""), _CURRENCY.sub("", text[1:])
        # A formatted number's thousands separators ("1,234.50"); a comma decimal mark is not declared.
        if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
            text = text.replace(",", "")
        try:
            number = Decimal(sign + text)
        except InvalidOperation:
            return None, INVALID_NUMBER
    if not number.is_finite() or abs(number) >= Decimal(10) ** (18 - _DECIMAL_PLACES):
        return None, INVALID_NUMBER
    if number != number.quantize(Decimal(1).scaleb(-_DECIMAL_PLACES)):
        return None, INVALID_NUMBER
    return number, None


def cell_text(value: object) -> str | None:
    """A cell as text for `_record`: native spreadsheet values in ISO form, whole floats without '.0'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def header_key(name: str) -> str:
    """A column name compared without case, spaces or separators: `DateOfBirth`, `Date of birth` and
    `date_of_birth` are one column."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def match_header(spec: ResourceSpec, header: Iterable[str]) -> list[str]:
    """The header with each cell that names a field of the spec (by `header_key`) replaced by the field's
    name; the others kept as delivered (they are undeclared fields, listed by the raw layer's check)."""
    fields = {header_key(name): name for name in spec.fields}
    return [fields.get(header_key(cell), cell) for cell in header]


def missing_columns(spec: ResourceSpec, header: Iterable[str]) -> list[str]:
    present = set(header)
    return [name for name in spec.fields if name not in present]


def write_rows(
    rows: Iterable[DeliveredRow],
    spec: ResourceSpec,
    options: ReadOptions,
    *,
    shown: str,
    write: Writer,
    unit: str = "line",
) -> RawReadResult:
    """Type `rows` by `spec` and store them through `write`. Raises RawReadError naming file, column and
    an example `unit` (line of a CSV file, row of a sheet) for dates in an undeclared format (the writer
    then changes nothing)."""
    columns: dict[str, list[object]] = {name: [] for name in spec.fields}
    numbers: list[int] = []
    encodings: list[str] = []
    issue_items: list[str | None] = []
    records: list[str] = []
    issues: list[ReadIssue] = []
    undeclared: dict[str, tuple[str, int]] = {}
    for row in rows:
        numbers.append(row.number)
        encodings.append(row.encoding)
        items = list(row.issues)
        if row.problem is not None:
            items.append(f"{ROW_FIELD}:{row.problem}")
            for name in spec.fields:
                columns[name].append(None)
            # The line as delivered, as a JSON string: nothing is lost, and it is no field of the spec.
            records.append(json.dumps(row.text, ensure_ascii=False))
        else:
            for name, kind in spec.fields.items():
                value = row.cells.get(name)
                if options.repair_mojibake and isinstance(value, str) and kind in (F_TEXT, FieldType.STRING):
                    value, repaired = repair(value)
                    if repaired:
                        items.append(f"{name}:{MOJIBAKE_REPAIRED}")
                        row.issues.append(f"{name}:{MOJIBAKE_REPAIRED}")
                try:
                    typed, code = convert(kind, value, options)
                except _UndeclaredDateError as exc:
                    undeclared.setdefault(name, (exc.shape, row.number))
                    typed, code = None, None
                columns[name].append(typed)
                if code is not None:
                    items.append(f"{name}:{code}")
            records.append(
                json.dumps({k: cell_text(v) for k, v in row.cells.items()}, ensure_ascii=False, separators=(",", ":"))
            )
        # The result lists the repairs (the raw summary counts repaired records); every issue is in the table.
        for item in row.issues:
            field_name, _, code = item.partition(":")
            issues.append(ReadIssue(row.number, field_name, code, "text repaired on reading"))
        issue_items.append(";".join(items) or None)
    if undeclared:
        declared = ", ".join(options.date_formats) or "none"
        raise RawReadError(
            shown,
            [
                f"{shown}: column {name!r}: dates shaped {shape} (e.g. {unit} {number}) are not in a format the "
                f"source profile declares ({declared}); declare the export's date format (source.<run>.read."
                "date_formats in customer.yaml, or the system's profile)"
                for name, (shape, number) in undeclared.items()
            ][:_MAX_PROBLEMS],
        )
    arrays = {
        "_source_record": pa.array(numbers, pa.int64()),
        "_source_encoding": pa.array(encodings, pa.string()),
        "_read_issues": pa.array(issue_items, pa.string()),
        **{name: pa.array(values, _ARROW_TYPES[spec.fields[name]]) for name, values in columns.items()},
        RECORD_COLUMN: pa.array(records, pa.string()),
    }
    typed = ", ".join(
        f"p.{_quote(name)}::{kind.duckdb_type} as {_quote(name)}"
        if kind in (FieldType.JSON, FieldType.OBJECT, FieldType.ARRAY)
        else f"p.{_quote(name)}"
        for name, kind in spec.fields.items()
    )
    with tempfile.TemporaryDirectory(prefix="raw-tabular-") as tmp:
        parquet = Path(tmp) / "rows.parquet"
        pq.write_table(pa.table(arrays), parquet)
        parsed = ParsedFile("select * from read_parquet(?)", [str(parquet)])
        select = (
            "select p._source_record, ?::varchar as _source_file, p._source_encoding, p._read_issues, "
            f"{typed}, p.{RECORD_COLUMN}::JSON as {RECORD_COLUMN} from {parsed.table} p order by p._source_record"
        )
        count = write(select, [shown], parsed)
    return RawReadResult(shown, count, tuple(issues))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
