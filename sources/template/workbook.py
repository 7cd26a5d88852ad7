"""Write the empty template a practice fills, and validate a filled one (`practice-migrate template`).

The template is written from sources/template/settings.py: a sheet (XLSX) or file (CSV) per table with
its header row and cell formats, a `notes` sheet (`notes.csv`) listing every column with its format,
whether it is required, what it holds and an example value, and an empty `documents/` folder for the
files the documents table names. The example values live in the notes, never in a table: a forgotten
example row would be migrated as a patient.

Validation reads a filled template with the same readers the raw layer uses, into a scratch DuckDB
database, and names the sheet (or file), the row (or line), the column and what was expected for every
problem — never the value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import duckdb
import xlsxwriter

from sources.base import FieldType, RawReadError
from sources.raw_contract import ParsedFile
from sources.template import LAYOUT
from sources.template.settings import (
    DOCUMENTS_DIR,
    FORMATS,
    NOTES_SHEET,
    READ_OPTIONS,
    RESOURCES,
    TABLES,
    WORKBOOK_FILE,
    TemplateColumn,
    columns,
)
from store import quote_identifier

TEMPLATE_FORMATS = ("xlsx", "csv")
_CELL_FORMATS = {
    FieldType.DATE: "dd/mm/yyyy",
    FieldType.DATETIME: "dd/mm/yyyy hh:mm",
    FieldType.DECIMAL: "0.00",
    FieldType.INTEGER: "0",
    FieldType.TEXT: "@",  # text: a phone number or id keeps its leading zero
    FieldType.BOOLEAN: "@",
}
# A reference column → the table whose `id` it names.
REFERENCES = {
    "client_id": "clients",
    "practitioner_id": "practitioners",
    "site_id": "sites",
    "referrer_id": "referrers",
    "condition_id": "conditions",
    "appointment_id": "appointments",
    "invoice_id": "invoices",
}
_EXPECTED_BY_ISSUE = {
    "invalid_date": FieldType.DATE,
    "invalid_timestamp": FieldType.DATETIME,
    "invalid_number": FieldType.DECIMAL,
    "invalid_value": FieldType.BOOLEAN,
}
_MAX_PROBLEMS = 200


def notes_rows(country: str) -> list[list[str]]:
    """The notes: one row per column of every table."""
    rows = [["table", "column", "format", "required", "what it holds", "example"]]
    for table, (grain, cols) in TABLES.items():
        rows.append([table, "", "", "", grain, ""])
        for column in cols:
            rows.append(
                [
                    table,
                    column.name,
                    FORMATS[column.kind],
                    "yes" if column.required else "no",
                    column.description,
                    column.example,
                ]
            )
    rows.append(["", "", "", "", f"Country: {country}. Dates are day first (DD/MM/YYYY); times are local.", ""])
    rows.append(["", "", "", "", f"Put each document's file in the {DOCUMENTS_DIR}/ folder beside the template.", ""])
    return rows


def write_template(out: Path, *, country: str, fmt: str) -> list[Path]:
    """Write the empty template into folder `out` (created); returns the files written."""
    if fmt not in TEMPLATE_FORMATS:
        raise ValueError(f"unknown template format {fmt!r}; valid: {', '.join(TEMPLATE_FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    (out / DOCUMENTS_DIR).mkdir(exist_ok=True)
    notes = notes_rows(country)
    if fmt == "csv":
        written = []
        for table in TABLES:
            path = out / f"{table}.csv"
            path.write_text(_csv_text([[c.name for c in columns(table)]]), encoding="utf-8")
            written.append(path)
        path = out / f"{NOTES_SHEET}.csv"
        path.write_text(_csv_text(notes), encoding="utf-8")
        return [*written, path]
    path = out / WORKBOOK_FILE
    write_workbook(path, {table: [] for table in TABLES}, notes)
    return [path]


def _csv_text(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write_workbook(path: Path, tables: Mapping[str, Iterable[list[object]]], notes: list[list[str]]) -> None:
    """A workbook with a sheet per table (header, cell formats by column type, `rows` below) and the notes.
    Written row by row in xlsxwriter's constant-memory mode: each row goes to disk when the next one starts, so a
    100 000-client practice takes no more memory than a small one (its strings are stored inline)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    bold = book.add_format({"bold": True})
    formats = {kind: book.add_format({"num_format": fmt}) for kind, fmt in _CELL_FORMATS.items()}
    for table, rows in tables.items():
        sheet = book.add_worksheet(table)
        for index, column in enumerate(columns(table)):
            sheet.set_column(index, index, 18, formats[column.kind])
            sheet.write_string(0, index, column.name, bold)
        for number, row in enumerate(rows, start=1):
            for index, value in enumerate(row):
                if value is None or value == "":
                    continue
                _write_cell(sheet, number, index, value, columns(table)[index], formats)
    notes_sheet = book.add_worksheet(NOTES_SHEET)
    for number, row in enumerate(notes):
        notes_sheet.write_row(number, 0, row, bold if number == 0 else None)
    book.close()


def _write_cell(sheet: object, row: int, col: int, value: object, column: TemplateColumn, formats: dict) -> None:
    import datetime as dt

    writer = sheet  # xlsxwriter's Worksheet
    if isinstance(value, dt.datetime | dt.date):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        writer.write_datetime(row, col, moment, formats[column.kind])  # type: ignore[attr-defined]
    elif isinstance(value, int | float) and not isinstance(value, bool):
        writer.write_number(row, col, value, formats[column.kind])  # type: ignore[attr-defined]
    else:
        writer.write_string(row, col, str(value), formats[column.kind])  # type: ignore[attr-defined]


def _scratch_writer(con: duckdb.DuckDBPyConnection, table: str):
    def write(sql: str, params: list[object], parsed: ParsedFile, check_rows: object = None) -> int:
        con.execute(f"create or replace temp table {quote_identifier(parsed.table)} as {parsed.sql}", parsed.params)
        con.execute(f"create or replace table {quote_identifier(table)} as {sql}", params)
        return int(con.execute(f"select count(*) from {quote_identifier(table)}").fetchone()[0])  # type: ignore[index]

    return write


def validate_template(path: Path, progress: Callable[[str, int, int], None] | None = None) -> list[str]:
    """Every problem of a filled template (a folder of CSV files or workbook, or the workbook itself):
    sheet/file, row/line, column and what was expected. Empty: it can be migrated. `progress(stage, done,
    total)` is told after each table is read and after each table's references are checked."""
    path = Path(path)
    delivery = path.parent if path.suffix.lower() == ".xlsx" else path
    if path.suffix.lower() == ".xlsx" and LAYOUT.workbook(delivery) != path:
        return [f"{path}: put the workbook alone in its folder (with {DOCUMENTS_DIR}/ beside it)"]
    problems = LAYOUT.missing(delivery)
    if problems:
        return problems
    unit = "row" if LAYOUT.workbook(delivery) is not None else "line"
    with duckdb.connect() as con:
        ids: dict[str, str] = {}
        for done, (table, spec) in enumerate(RESOURCES.items(), start=1):
            try:
                result = LAYOUT.read_resource(delivery, spec, write=_scratch_writer(con, table), options=READ_OPTIONS)
            except RawReadError as exc:
                problems += exc.problems
            else:
                ids[table] = result.source_file
                problems += _table_problems(con, table, result.source_file, unit)
            if progress:
                progress("tables", done, len(RESOURCES))
        for done, (table, shown) in enumerate(ids.items(), start=1):
            problems += _reference_problems(con, table, shown, unit, ids)
            if progress:
                progress("references", done, len(ids))
    return problems[:_MAX_PROBLEMS]


def _table_problems(con: duckdb.DuckDBPyConnection, table: str, shown: str, unit: str) -> list[str]:
    problems = []
    quoted = quote_identifier(table)
    for number, issues in con.execute(
        f"select _source_record, _read_issues from {quoted} where _read_issues is not null order by 1"
    ).fetchall():
        for item in issues.split(";"):
            column, _, code = item.partition(":")
            if code in ("broken_quoting", "wrong_field_count"):
                problems.append(f"{shown}: {unit} {number}: the row cannot be read ({code.replace('_', ' ')})")
            elif code in _EXPECTED_BY_ISSUE or code == "invalid_json":
                kind = dict(columns_by_name(table))[column]
                problems.append(f"{shown}: {unit} {number}, column {column!r}: expected {FORMATS[kind]}")
    for column in columns(table):
        if not column.required:
            continue
        name = quote_identifier(column.name)
        rows = con.execute(
            f"select _source_record from {quoted} where {name} is null and coalesce(_read_issues, '') "
            f"not like ? and _record is not null and json_type(_record) = 'OBJECT' order by 1",
            [f"%{column.name}:%"],
        ).fetchall()
        problems += [f"{shown}: {unit} {r[0]}, column {column.name!r}: required, found empty" for r in rows]
    duplicates = con.execute(
        f"select id, min(_source_record), count(*) from {quoted} where id is not null group by id having count(*) > 1"
    ).fetchall()
    for _id, first, count in duplicates:
        problems.append(f"{shown}: column 'id': {count} rows share one id (first at {unit} {first}); ids are unique")
    return problems


def columns_by_name(table: str) -> list[tuple[str, FieldType]]:
    return [(c.name, c.kind) for c in columns(table)]


def _reference_problems(
    con: duckdb.DuckDBPyConnection, table: str, shown: str, unit: str, tables: dict[str, str]
) -> list[str]:
    problems = []
    for column in columns(table):
        target = REFERENCES.get(column.name)
        if target is None or target not in tables:
            continue
        name = quote_identifier(column.name)
        rows = con.execute(
            f"select _source_record from {quote_identifier(table)} t where {name} is not null and not exists "
            f"(select 1 from {quote_identifier(target)} r where r.id = t.{name}) order by 1 limit 50"
        ).fetchall()
        problems += [
            f"{shown}: {unit} {r[0]}, column {column.name!r}: expected the id of a row of {target}" for r in rows
        ]
    return problems
