"""Write tables as a SQL Server extract (sources/sqlserver/): one file per table as `bcp` writes it in
character mode or as the export wizard writes it (CSV with a header), with the table definitions as an
`INFORMATION_SCHEMA.COLUMNS` export or a `CREATE TABLE` script. Used by the SYNTHETIC Profile, PPMP,
MedTech and Front Desk writers and the family's tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Literal

from sources.sqlserver.definitions import COLUMNS_EXPORT_FILE, TableDefinition, columns_export

# bcp character mode; the export wizard's CSV with a header; a CSV with a header whose cells are in
# InterBase's text forms (a Medtech32 extract, ASSUMED: isql's TIMESTAMP with four fractional digits,
# BOOLEAN as TRUE/FALSE).
Style = Literal["bcp", "wizard", "interbase"]
# datetime's zero, what SQL Server stores for "no date" in a NOT NULL column (read as a placeholder).
SQL_ZERO_DATE = dt.datetime(1900, 1, 1)
_BOOLEAN_TEXT = {"bcp": ("1", "0"), "wizard": ("True", "False"), "interbase": ("TRUE", "FALSE")}
# The small practice's ids (synthetic/template.py) as integer keys, by their letter: C12 → 100012.
_ID_OFFSETS = {"C": 100_000, "I": 200_000, "L": 300_000, "Y": 400_000, "D": 500_000, "R": 700, "P": 800, "S": 900}
Definitions = Literal["information_schema", "script"]
_LENGTHS = {"nvarchar": "(200)", "varchar": "(200)", "nchar": "(10)", "char": "(10)", "decimal": "(18, 2)"}


def practice_datetime(text: object) -> dt.datetime | None:
    """A small-practice date or time (`%d/%m/%Y [%H:%M]`, `00/00/0000` for none) as SQL Server holds it."""
    if not text:
        return None
    if text == "00/00/0000":
        return SQL_ZERO_DATE
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(str(text), fmt)
        except ValueError:
            continue
    raise ValueError("the small practice writes dates as %d/%m/%Y")


def numeric_id(source_id: object) -> int:
    """A small-practice id as an integer key: appointments and notes `A12-2`/`N12-2` → 122, others by letter."""
    text = str(source_id)
    prefix, rest = text[0], text[1:]
    if prefix in "AN":
        client, visit = rest.split("-")
        return int(client) * 10 + int(visit)
    return _ID_OFFSETS[prefix] + int(rest)


def renamed(
    tables: Mapping[str, Sequence[Mapping[str, object]]], renames: Mapping[str, tuple[str, Mapping[str, str]]]
) -> dict[str, list[dict[str, object]]]:
    """Tables under other names: `renames` is new table → (table of `tables`, new column → its column)."""
    return {
        table: [{new: row.get(old) for new, old in columns.items()} for row in tables[source]]
        for table, (source, columns) in renames.items()
    }


def cell(value: object, data_type: str, style: Style) -> str:
    """A value as bcp -c (or the wizard) writes a column of `data_type`."""
    if value is None:
        return ""
    if value == "" and style == "bcp":
        return "\x00"  # bcp: an empty string is one NUL; an empty field is NULL
    if isinstance(value, str):
        return value  # text, or a cell already written as the extract holds it (a golden test's "0", "9.0000")
    if data_type == "bit":
        return _BOOLEAN_TEXT[style][0 if value else 1]
    if isinstance(value, dt.datetime) and data_type == "date":
        return value.date().isoformat()
    if isinstance(value, dt.datetime):
        if data_type == "datetimeoffset":
            text = value.strftime("%Y-%m-%d %H:%M:%S.%f") + "0 " + value.strftime("%z")
            return text[:-2] + ":" + text[-2:]
        if data_type == "datetime2":
            # SQL Server's seven fractional digits; InterBase's isql writes four.
            return (
                value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-2]
                if style == "interbase"
                else value.strftime("%Y-%m-%d %H:%M:%S.%f") + "0"
            )
        if data_type == "smalldatetime":
            return value.strftime("%Y-%m-%d %H:%M:00")
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal) and data_type in ("money", "smallmoney"):
        return f"{value:.4f}"
    return str(value)


def create_script(definitions: Sequence[TableDefinition]) -> str:
    """The tables as SSMS's "Generate Scripts" writes them."""
    parts = []
    for table in definitions:
        lines = []
        for column in table.columns:
            collate = f" COLLATE {column.collation}" if column.collation else ""
            lines.append(f"\t[{column.name}] [{column.data_type}]{_LENGTHS.get(column.data_type, '')}{collate} NULL")
        body = ",\n".join(lines)
        key = table.columns[0].name
        parts.append(
            f"/****** Object:  Table [dbo].[{table.name}] ******/\nSET ANSI_NULLS ON\nGO\n"
            f"CREATE TABLE [dbo].[{table.name}](\n{body},\n CONSTRAINT [PK_{table.name}] PRIMARY KEY CLUSTERED \n"
            f"(\n\t[{key}] ASC\n)WITH (PAD_INDEX = OFF) ON [PRIMARY]\n) ON [PRIMARY]\nGO\n"
        )
    return "\n".join(parts)


def table_text(
    table: TableDefinition, rows: Sequence[Mapping[str, object]], style: Style, terminator: str = "\t"
) -> str:
    """One table's file text: bcp (no header, `terminator` between fields, CRLF rows) or a CSV with a header."""
    if style == "bcp":
        return "".join(
            terminator.join(cell(row.get(c.name), c.data_type, style) for c in table.columns) + "\r\n" for row in rows
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in table.columns])
    for row in rows:
        writer.writerow([cell(row.get(c.name), c.data_type, style) for c in table.columns])
    return buffer.getvalue()


def write_extract(
    out: Path,
    tables: Mapping[str, tuple[TableDefinition, Sequence[Mapping[str, object]]]],
    *,
    style: Style = "bcp",
    definitions: Definitions = "information_schema",
    encoding: str = "cp1252",
    terminator: str = "\t",
    script: str | None = None,
) -> dict[str, Path]:
    """Write `tables` (TABLE → (definition, rows by SQL column name)) into folder `out` (created). bcp files
    are `<TABLE>.dat`, wizard files `<TABLE>.csv`; text in `encoding` (cp1252: bcp -c with the Latin1
    collation's code page; utf-16: bcp -w or the wizard's "Unicode")."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    defs = [definition for definition, _rows in tables.values()]
    if script is not None:  # the system's own DDL as its tool extracts it (InterBase's isql -x)
        (out / "schema.sql").write_text(script, encoding="utf-8")
    elif definitions == "script":
        (out / "schema.sql").write_text(create_script(defs), encoding="utf-16")  # SSMS saves scripts as Unicode
    else:
        (out / COLUMNS_EXPORT_FILE).write_text(columns_export(defs), encoding="utf-8", newline="")
    written = {}
    for name, (definition, rows) in tables.items():
        path = out / f"{name}.{'dat' if style == 'bcp' else 'csv'}"
        text = table_text(definition, rows, style, terminator)
        path.write_bytes(text.encode(encoding, errors="strict"))
        written[name] = path
    return written
