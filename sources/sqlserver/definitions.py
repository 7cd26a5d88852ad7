"""SQL Server table definitions — an `INFORMATION_SCHEMA.COLUMNS` export or a `CREATE TABLE` script — and
the storage-level field types (sources/base.py `FieldType`) they give a table's columns.

A SQL Server extract's cells are text whatever the column held; the definitions say how to read them back:
`datetime`/`datetime2`/`smalldatetime` hold a wall-clock time without offset (DATETIME, localised later in
the practice's zone by the mapping's `local_instant`), `datetimeoffset` an instant, `money`/`decimal` exact
amounts (DECIMAL, never float), `bit` a boolean, `uniqueidentifier` a GUID kept as text. `varchar` text is
in the code page of the column's collation; `nvarchar` is Unicode (docs/sqlserver-extracts.md).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sources.base import FieldType, RawReadError, ResourceSpec

F = FieldType
# SQL Server data types → how the raw layer stores their text (learn.microsoft.com "Data types
# (Transact-SQL)"). A type not listed (xml, varbinary as hex, geography, sql_variant, hierarchyid…) is
# kept as text.
SQL_TYPES: dict[str, FieldType] = {
    "bigint": F.INTEGER,
    "int": F.INTEGER,
    "smallint": F.INTEGER,
    "tinyint": F.INTEGER,
    "bit": F.BOOLEAN,
    "decimal": F.DECIMAL,
    "numeric": F.DECIMAL,
    "money": F.DECIMAL,
    "smallmoney": F.DECIMAL,
    "float": F.NUMBER,
    "real": F.NUMBER,
    "date": F.DATE,
    "datetime": F.DATETIME,
    "datetime2": F.DATETIME,
    "smalldatetime": F.DATETIME,
    "datetimeoffset": F.INSTANT,
}
UNICODE_TYPES = frozenset({"nchar", "nvarchar", "ntext"})
# Collation (or INFORMATION_SCHEMA's CHARACTER_SET_NAME) → the code page of its varchar text: the
# Latin1 collations SQL Server installs by default in NZ/AU/UK are code page 1252 (`iso_1` in
# INFORMATION_SCHEMA); a `_UTF8` collation (SQL Server 2019+) stores UTF-8.
_CODE_PAGES = (
    (re.compile(r"_utf8$", re.I), "utf-8"),
    (re.compile(r"^sql_latin1_general_cp850", re.I), "cp850"),
    (re.compile(r"^sql_latin1_general_cp437", re.I), "cp437"),
    (re.compile(r"^(sql_)?latin1_general|^iso_1$", re.I), "cp1252"),
    (re.compile(r"^cp1252$|^windows-1252$|^win1252$", re.I), "cp1252"),  # WIN1252: InterBase's name
)
COLUMNS_EXPORT_NAMES = ("information_schema.columns.csv", "information_schema_columns.csv")
COLUMNS_EXPORT_FILE = "INFORMATION_SCHEMA.COLUMNS.csv"
COLUMNS_HEADER = (
    "TABLE_CATALOG",
    "TABLE_SCHEMA",
    "TABLE_NAME",
    "COLUMN_NAME",
    "ORDINAL_POSITION",
    "DATA_TYPE",
    "COLLATION_NAME",
)


@dataclass(frozen=True)
class ColumnDefinition:
    name: str  # as SQL Server names it (PTNT_ID)
    data_type: str  # lower case, without length (nvarchar)
    collation: str | None = None

    @property
    def field_type(self) -> FieldType:
        return SQL_TYPES.get(self.data_type, F.TEXT)

    @property
    def field_name(self) -> str:
        """The raw layer's field name: snake_case, as the warehouse's identifiers are (PTNT_ID → ptnt_id)."""
        return field_name(self.name)

    @property
    def code_page(self) -> str | None:
        """The encoding of this column's text in a character-mode extract, when the definition says."""
        if self.data_type in UNICODE_TYPES:
            return "utf-16"
        return code_page(self.collation)


@dataclass(frozen=True)
class TableDefinition:
    name: str  # PATIENT (schema dropped: an extract holds one database's dbo tables)
    columns: tuple[ColumnDefinition, ...]

    def column(self, field: str) -> ColumnDefinition | None:
        return next((c for c in self.columns if c.field_name == field), None)

    @property
    def code_page(self) -> str | None:
        """The code page of the table's varchar columns (the first that declares one)."""
        return next((c.code_page for c in self.columns if c.data_type not in UNICODE_TYPES and c.code_page), None)


def field_name(column: str) -> str:
    """PTNT_ID → ptnt_id; PatientId → patient_id."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", column.strip())
    return re.sub(r"[^0-9a-z]+", "_", spaced.lower()).strip("_")


def code_page(collation: str | None) -> str | None:
    if not collation:
        return None
    return next((page for pattern, page in _CODE_PAGES if pattern.search(collation.strip())), None)


def parse_columns_export(text: str, shown: str) -> dict[str, TableDefinition]:
    """An `INFORMATION_SCHEMA.COLUMNS` export (CSV with its header: TABLE_NAME, COLUMN_NAME, DATA_TYPE,
    optionally ORDINAL_POSITION, COLLATION_NAME / CHARACTER_SET_NAME) → definitions by upper-case table name."""
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    header = {(h or "").strip().upper(): h for h in reader.fieldnames or ()}
    missing = [c for c in ("TABLE_NAME", "COLUMN_NAME", "DATA_TYPE") if c not in header]
    if missing:
        raise RawReadError(shown, [f"{shown}: column {c!r} missing from the header" for c in missing])
    columns: dict[str, list[tuple[int, ColumnDefinition]]] = {}
    for line, row in enumerate(reader, start=2):
        table = (row.get(header["TABLE_NAME"]) or "").strip().upper()
        name = (row.get(header["COLUMN_NAME"]) or "").strip()
        if not table or not name:
            raise RawReadError(shown, [f"{shown}: line {line}: TABLE_NAME and COLUMN_NAME expected"])
        position_text = (row.get(header.get("ORDINAL_POSITION", ""), "") or "").strip()
        position = int(position_text) if position_text.isdigit() else len(columns.get(table, ())) + 1
        collation = next(
            (
                (row.get(header[c]) or "").strip()
                for c in ("COLLATION_NAME", "CHARACTER_SET_NAME")
                if c in header and (row.get(header[c]) or "").strip() not in ("", "NULL")
            ),
            None,
        )
        data_type = (row.get(header["DATA_TYPE"]) or "").strip().lower()
        columns.setdefault(table, []).append((position, ColumnDefinition(name, data_type, collation)))
    return {
        t: TableDefinition(t, tuple(c for _p, c in sorted(cols, key=lambda pc: pc[0]))) for t, cols in columns.items()
    }


def columns_export(definitions: Sequence[TableDefinition]) -> str:
    """`SELECT … FROM INFORMATION_SCHEMA.COLUMNS` saved as CSV with its header (what parse_columns_export
    reads): the synthetic writers' definitions and the direct read's (sources/sqlserver/direct.py)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS_HEADER)
    for table in definitions:
        for position, column in enumerate(table.columns, start=1):
            writer.writerow(
                ["PRACTICE", "dbo", table.name, column.name, position, column.data_type, column.collation or "NULL"]
            )
    return buffer.getvalue()


_CREATE = re.compile(r"create\s+table\s+((?:[\[\"]?[\w ]+[\]\"]?\s*\.\s*)*[\[\"]?[\w ]+[\]\"]?)\s*\(", re.I)
_CONSTRAINT = re.compile(r"^(constraint|primary\s+key|unique|foreign\s+key|check|index|period\s+for)\b", re.I)
_COLUMN = re.compile(
    r"^(\[[^\]]+\]|\"[^\"]+\"|[\w@#$]+)\s+(?:\[?(\w+)\]?\.)?\[?(\w+)\]?(?:\s*\([^)]*\))?(.*)$", re.I | re.S
)
_COLLATE = re.compile(r"\b(?:collate|character\s+set)\s+(\w+)", re.I)
# InterBase's type names (`isql -x` DDL of a Medtech32 extract) as their SQL Server equivalents. Its
# TIMESTAMP is a date and time (SQL Server's `timestamp` is a row version: never a time).
INTERBASE_TYPES = {"integer": "int", "double": "float", "timestamp": "datetime2", "blob": "text", "boolean": "bit"}


def _unquote(name: str) -> str:
    return name.strip().strip('[]"').strip()


def _body(script: str, start: int) -> str:
    """The text between the parenthesis at `start - 1` and its match (comments already removed)."""
    depth, index = 1, start
    while index < len(script) and depth:
        depth += {"(": 1, ")": -1}.get(script[index], 0)
        index += 1
    return script[start : index - 1]


def _split_top_level(body: str) -> Iterable[str]:
    depth, part = 0, []
    for char in body:
        if char == "," and depth == 0:
            yield "".join(part).strip()
            part = []
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        part.append(char)
    if "".join(part).strip():
        yield "".join(part).strip()


def _type_name(name: str, dialect: str) -> str:
    name = name.lower()
    return INTERBASE_TYPES.get(name, name) if dialect == "interbase" else name


def parse_create_script(text: str, shown: str, dialect: str = "sqlserver") -> dict[str, TableDefinition]:
    """`CREATE TABLE` statements (as SSMS "Generate Scripts" writes them: `[dbo].[PATIENT]`, `[nvarchar](50)
    COLLATE Latin1_General_CI_AS NULL`, constraints after the columns) → definitions by upper-case table
    name. Computed columns (`[X] AS (…)`) are text. `dialect="interbase"` reads InterBase's `isql -x` DDL
    (`VARCHAR(40) CHARACTER SET WIN1252`, `TIMESTAMP`, `BLOB SUB_TYPE TEXT`) with INTERBASE_TYPES."""
    script = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    script = re.sub(r"--[^\n]*", " ", script)
    tables: dict[str, TableDefinition] = {}
    for match in _CREATE.finditer(script):
        name = _unquote(re.split(r"\s*\.\s*", match.group(1))[-1]).upper()
        columns = []
        for item in _split_top_level(_body(script, match.end())):
            if not item or _CONSTRAINT.match(item):
                continue
            computed = re.match(r"^(\[[^\]]+\]|\"[^\"]+\"|[\w@#$]+)\s+as\s*\(", item, re.I)
            if computed:
                columns.append(ColumnDefinition(_unquote(computed.group(1)), "computed"))
                continue
            parsed = _COLUMN.match(item)
            if parsed is None:
                raise RawReadError(shown, [f"{shown}: table {name}: a column definition that cannot be read"])
            collate = _COLLATE.search(parsed.group(4) or "")
            columns.append(
                ColumnDefinition(
                    _unquote(parsed.group(1)),
                    _type_name(parsed.group(3), dialect),
                    collate.group(1) if collate else None,
                )
            )
        if not columns:
            raise RawReadError(shown, [f"{shown}: table {name}: no columns"])
        tables[name] = TableDefinition(name, tuple(columns))
    return tables


def load_definitions(
    delivery: Path, decode_text: Callable[[Path], str], dialect: str = "sqlserver"
) -> dict[str, TableDefinition]:
    """Every table definition the delivery holds: its `INFORMATION_SCHEMA.COLUMNS` export and any `*.sql`
    script. `decode_text(path)` reads a file's text (encoding detected: SSMS saves scripts as UTF-16)."""
    found: dict[str, TableDefinition] = {}
    for path in sorted(Path(delivery).iterdir()) if Path(delivery).is_dir() else []:
        if path.name.lower() in COLUMNS_EXPORT_NAMES:
            found |= parse_columns_export(decode_text(path), str(path))
        elif path.suffix.lower() == ".sql":
            found |= parse_create_script(decode_text(path), str(path), dialect)
    return found


def resource_spec(
    definition: TableDefinition,
    *,
    name: str | None = None,
    grain: str,
    key: str | None,
    columns: Iterable[str] | None = None,
    required: bool = True,
    not_migrated: Mapping[str, str] | None = None,
    not_migrated_table: str | None = None,
) -> ResourceSpec:
    """A resource spec whose field types come from the table's definition: all its columns, or the
    named ones (SQL names, in the definition's order). `not_migrated_table` declares the whole table not
    migrated: each of its fields with that reason, unless `not_migrated` gives the field its own."""
    wanted = {c.upper() for c in columns} if columns is not None else None
    fields = {c.field_name: c.field_type for c in definition.columns if wanted is None or c.name.upper() in wanted}
    if wanted is not None and len(fields) != len(wanted):
        known = {c.name.upper() for c in definition.columns}
        raise ValueError(f"table {definition.name}: no column {sorted(wanted - known)} in its definition")
    table_wide = dict.fromkeys(fields, not_migrated_table) if not_migrated_table else {}
    return ResourceSpec(
        name=name or definition.name.lower(),
        grain=grain,
        fields=fields,
        key=key,
        required=required,
        description=grain,
        not_migrated={**table_wide, **(not_migrated or {})},
        not_migrated_table=not_migrated_table,
    )


def resource_specs(
    schema: Mapping[str, TableDefinition],
    grains: Mapping[str, tuple[str, str]],
    not_migrated: Mapping[str, Mapping[str, str]] | None = None,
    not_migrated_tables: Mapping[str, str] | None = None,
) -> dict[str, ResourceSpec]:
    """One resource per table of `grains` (TABLE → (grain, key field)), named as the table in lower case,
    every column typed by its definition; `not_migrated` (TABLE → field → reason) declares the columns the
    mapping does not read, `not_migrated_tables` (TABLE → reason) the tables of which nothing is migrated."""
    declared = not_migrated or {}
    tables = not_migrated_tables or {}
    return {
        table.lower(): resource_spec(
            schema[table], grain=grain, key=key, not_migrated=declared.get(table), not_migrated_table=tables.get(table)
        )
        for table, (grain, key) in grains.items()
    }
