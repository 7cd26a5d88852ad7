"""Read one table of a SQL Server extract — a folder with a file per table, as `bcp` writes it (character
mode, no header, terminators declared in a format file or by the customer, else detected) or as SQL
Server's Import and Export Wizard writes it (CSV with a header) — typed by the table definitions delivered
with it (`INFORMATION_SCHEMA.COLUMNS` export or `CREATE TABLE` script, sources/sqlserver/definitions.py).

Both styles of the same table give the same raw rows: the wizard's CSV goes through the CSV reader
(sources/csv_reader.py: quoting, header, quarantine); a bcp file has no quoting, so a record is split at
its row terminator and its fields at the field terminator, and a record with another number of fields
than the table has columns is quarantined (`wrong_field_count`, its line number and text kept). bcp
writes NULL as an empty field and an empty string as one NUL character (assumed from the bcp
documentation's "null terminator" handling; modelled strictly: `\\0` → empty string, kept in `_record`).

Encodings: a UTF-16 file (bcp -w, the wizard's "Unicode", BOM or not) is read as UTF-16; a UTF-8 BOM as
UTF-8; otherwise the code page of the table's varchar collation when its definition says (Latin1 → cp1252:
what bcp -c with -C ACP and the wizard's default flat file write), else the CSV reader's detection. A
customer whose extract was written as UTF-8 (-C 65001) declares `encoding: utf-8`.
docs/sqlserver-extracts.md describes the delivery.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sources.base import RawReadError, RawReadResult, ResourceSpec, SourceExtraction, SourceSystem
from sources.completeness import ComputedChecksumsRule
from sources.csv_reader import WRONG_FIELD_COUNT, Decoded, decode, read_csv_decoded, utf16_byte_order
from sources.locations import ExportSource
from sources.raw_contract import ReadOptions, Writer
from sources.sqlserver.definitions import COLUMNS_EXPORT_FILE, TableDefinition, load_definitions
from sources.sqlserver.direct import (
    MssqlReadError,
    MssqlSharedFolderSource,
    MssqlSource,
    ServerSnapshot,
    take_server_snapshot,
)
from sources.sqlserver.shared_files import SharedFolder
from sources.tabular import DeliveredRow, header_key, write_rows

DATA_SUFFIXES = (".csv", ".txt", ".dat", ".bcp", ".tsv")
FORMAT_FILE_SUFFIX = ".fmt"
# Field terminators tried when none is declared: bcp's default tab, and the ones practices' IT use to
# keep commas in notes apart (a string of up to 10 printable characters is allowed, learn.microsoft.com
# "Specify field and row terminators").
FIELD_TERMINATORS = ("\t", "|", ",", ";", "~", "|~|", "||", "\x1f")
_DETECT_RECORDS = 200
# ISO text is what bcp and the wizard write for date and time columns (datetime: `2026-03-02
# 09:00:00.000`, datetime2: seven fractional digits, date: `2026-03-02`).
READ_OPTIONS = ReadOptions(
    encoding=None,
    date_formats=("%Y-%m-%d",),
    datetime_formats=(
        "%Y-%m-%d %H:%M:%S.%f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S.%f",
        "%Y-%m-%dT%H:%M:%S",
    ),
)


@dataclass(frozen=True)
class Terminators:
    field: str
    row: str
    unicode: bool = False  # a format file's SQLNCHAR fields: UTF-16 text
    columns: tuple[str, ...] = ()  # host-file column order a format file declares (SQL names)
    declared_by: str = "detected"


_FMT_LINE = re.compile(r'^\s*(\d+)\s+(\w+)\s+(\d+)\s+(\d+)\s+"((?:[^"\\]|\\.)*)"\s+(\d+)\s+(\S+)')
_ESCAPES = {"\\t": "\t", "\\n": "\n", "\\r": "\r", "\\0": "\x00", "\\\\": "\\", '\\"': '"'}


def _unescape(text: str) -> str:
    return re.sub(r"\\[tnr0\\\"]", lambda m: _ESCAPES[m.group(0)], text)


def parse_format_file(text: str, shown: str) -> Terminators:
    """A non-XML bcp format file (`bcp … format nul -c -f T.fmt`): version, field count, then one line per
    field `order type prefix length "terminator" server_order name collation`."""
    fields = [m for m in (_FMT_LINE.match(line) for line in text.splitlines()[2:]) if m]
    if not fields:
        raise RawReadError(shown, [f"{shown}: no field lines (expected a non-XML bcp format file)"])
    terminators = [_unescape(m.group(5)) for m in fields]
    if len(set(terminators[:-1])) > 1:
        raise RawReadError(shown, [f"{shown}: fields end with different terminators (one per file is read)"])
    return Terminators(
        field=terminators[0] if len(terminators) > 1 else "\t",
        row=terminators[-1],
        unicode=any(m.group(2).upper() == "SQLNCHAR" for m in fields),
        columns=tuple(m.group(7) for m in fields if m.group(6) != "0"),
        declared_by=Path(shown).name,
    )


def _looks_utf16(data: bytes) -> bool:
    """UTF-16LE without a BOM (bcp -w): ASCII-heavy text has a NUL in most odd positions."""
    return utf16_byte_order(data) == "utf-16-le"


def decode_extract(data: bytes, declared: str | None, shown: str, code_page: str | None = None) -> Decoded:
    """A table file's text: UTF-16 (BOM or NUL pattern), else the CSV reader's decoding — with the table's
    collation code page standing in for detection when the bytes are not UTF-8."""
    if declared in (None, "utf-16", "utf-16-le") and (
        data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data)
    ):
        encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-16-le"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise RawReadError(shown, [f"{shown}: bytes are not UTF-16 text"]) from None
        return Decoded(text, "utf-16", ("the file is UTF-16 (Unicode) text; read as such",))
    if declared is None and code_page not in (None, "utf-8", "utf-16") and not data.startswith(codecs.BOM_UTF8):
        # The collation's code page is what bcp -c (-C ACP/RAW) and the wizard's default flat file write;
        # cp1252 text can also be valid UTF-8 ("Ã¼"), so it is not guessed from the bytes.
        decoded = decode(data, code_page, shown)
        note = f"read as {code_page}, the code page of the table's collation (a UTF-8 export declares encoding)"
        return Decoded(decoded.text, decoded.encoding, (note,))
    return decode(data, declared, shown)


def _has_header(first_line: str, definition: TableDefinition) -> bool:
    """The wizard's first line names the columns; a bcp file never has a header."""
    tokens = {header_key(t) for t in re.split(r"[,;\t|\"]+", first_line) if t.strip()}
    keys = [header_key(c.name) for c in definition.columns]
    return keys[0] in tokens and sum(k in tokens for k in keys) * 2 >= len(keys)


def _split_records(text: str, row: str) -> Iterator[tuple[int, str]]:
    """(line the record starts on, its text) for each non-blank record."""
    line = 1
    for record in text.split(row):
        if record.strip("\r\n"):
            yield line, record
        line += record.count("\n") + row.count("\n")


def _detect(text: str, columns: int, row: str, declared: str | None, shown: str, table: str) -> str:
    if declared is not None:
        return declared
    sample = [r for _n, r in zip(range(_DETECT_RECORDS), _split_records(text, row), strict=False)]
    if not sample:
        return "\t"
    scores = {t: sum(len(r.split(t)) == columns for _n, r in sample) for t in FIELD_TERMINATORS}
    best = max(FIELD_TERMINATORS, key=lambda t: (scores[t], len(t)))
    if scores[best] == 0:
        raise RawReadError(
            shown,
            [
                f"{shown}: no field terminator among {', '.join(repr(t) for t in FIELD_TERMINATORS)} splits the "
                f"records into the {columns} columns table {table} has; declare it (a bcp format file "
                f"{table}{FORMAT_FILE_SUFFIX} beside the data, or source.<run>.read.delimiter)"
            ],
        )
    return best


def bcp_rows(
    decoded: Decoded, definition: TableDefinition, terminators: Terminators, options: ReadOptions, shown: str
) -> tuple[list[str], str, Iterator[DeliveredRow]]:
    """A character-mode bcp file's rows: (field names in the definition's or format file's order, how it
    was split, the rows — a record with another field count carries `wrong_field_count`)."""
    text = decoded.text
    row = terminators.row if terminators.declared_by != "detected" else ("\r\n" if "\r\n" in text[:65536] else "\n")
    order = terminators.columns or tuple(c.name for c in definition.columns)
    by_sql = {c.name.upper(): c for c in definition.columns}
    names = [by_sql[c.upper()].field_name if c.upper() in by_sql else c for c in order]
    declared = terminators.field if terminators.declared_by != "detected" else options.delimiter
    delimiter = _detect(text, len(names), row, declared, shown, definition.name)

    def delivered() -> Iterator[DeliveredRow]:
        for number, record in _split_records(text, row):
            values = record.split(delimiter)
            if len(values) != len(names):
                yield DeliveredRow(number, {}, decoded.encoding, problem=WRONG_FIELD_COUNT, text=record)
                continue
            # bcp: an empty field is NULL, a lone NUL an empty string.
            cells = {n: (None if v == "" else "" if v == "\x00" else v) for n, v in zip(names, values, strict=True)}
            yield DeliveredRow(number, cells, decoded.encoding)

    how = f"field terminator {delimiter!r}, row terminator {row!r} ({terminators.declared_by})"
    return names, how, delivered()


def read_bcp(
    decoded: Decoded,
    definition: TableDefinition,
    spec: ResourceSpec,
    terminators: Terminators,
    *,
    write: Writer,
    shown: str,
    options: ReadOptions,
) -> RawReadResult:
    """A character-mode bcp file: no header, no quoting; fields in the definition's (or format file's) order."""
    _names, how, rows = bcp_rows(decoded, definition, terminators, options, shown)
    result = write_rows(rows, spec, options, shown=shown, write=write)
    notes = (*decoded.notes, f"bcp character-mode file without header: {how}")
    return RawReadResult(result.source_file, result.records, result.issues, notes)


def open_extract_file(
    path: Path, definition: TableDefinition, options: ReadOptions
) -> tuple[Decoded, Terminators, bool]:
    """A table's data file decoded (UTF-16 when its format file says so, else the collation's code page),
    the terminators its format file declares (else to detect), and whether its first line is the wizard's
    header."""
    shown = str(path)
    format_file = path.with_suffix(FORMAT_FILE_SUFFIX)
    terminators = (
        parse_format_file(decode_extract(format_file.read_bytes(), None, str(format_file)).text, str(format_file))
        if format_file.is_file()
        else Terminators("\t", "\n")
    )
    declared = "utf-16" if terminators.unicode and options.encoding is None else options.encoding
    decoded = decode_extract(path.read_bytes(), declared, shown, definition.code_page)
    first = next((line for line in decoded.text.splitlines() if line.strip()), "")
    return decoded, terminators, bool(first) and _has_header(first, definition)


@dataclass(frozen=True)
class SqlServerExtract:
    """A system delivered as a SQL Server extract. `schema` is the system's known table definitions (the
    delivery's own, when it has them, take precedence); `tables` maps a resource to its table name when
    it is not the resource's name in upper case."""

    resources: tuple[ResourceSpec, ...]
    schema: Mapping[str, TableDefinition]
    tables: Mapping[str, str] = field(default_factory=dict)
    # The dialect of a delivered CREATE TABLE script: "interbase" for a Medtech32 extract's `isql -x` DDL.
    dialect: str = "sqlserver"

    def table_name(self, spec: ResourceSpec) -> str:
        return self.tables.get(spec.name, spec.name.upper())

    def data_file(self, delivery: Path, table: str) -> Path | None:
        """The table's file: `<TABLE>.csv|.txt|.dat|.bcp|.tsv` or `dbo.<TABLE>.…`, in any case."""
        if not delivery.is_dir():
            return None
        wanted = {table.upper(), f"DBO.{table.upper()}"}
        found = [
            p for p in sorted(delivery.iterdir()) if p.suffix.lower() in DATA_SUFFIXES and p.stem.upper() in wanted
        ]
        return found[0] if found else None

    def definition(self, delivery: Path, table: str) -> tuple[TableDefinition, str]:
        delivered = load_definitions(
            delivery, lambda p: decode_extract(p.read_bytes(), None, str(p)).text, self.dialect
        )
        if table in delivered:
            return delivered[table], "the extract's table definitions"
        if table in self.schema:
            return self.schema[table], "the system's known schema (the extract has no definition for it)"
        raise RawReadError(
            str(delivery), [f"{delivery}: no definition of table {table} (INFORMATION_SCHEMA export or script)"]
        )

    def read_resource(
        self, delivery: Path, spec: ResourceSpec, *, write: Writer, options: ReadOptions | None = None
    ) -> RawReadResult:
        delivery = Path(delivery)
        options = options or READ_OPTIONS
        table = self.table_name(spec)
        path = self.data_file(delivery, table)
        if path is None:
            raise RawReadError(
                str(delivery / table),
                [f"{delivery}: file for table {table} missing (expected {table}.csv, .txt, .dat or .bcp)"],
            )
        shown = str(path)
        definition, typed_by = self.definition(delivery, table)
        _check_types(definition, spec, shown)
        decoded, terminators, has_header = open_extract_file(path, definition, options)
        if has_header:
            result = read_csv_decoded(decoded, spec, write=write, shown=shown, options=options)
            style = "CSV with a header (export wizard)"
        else:
            result = read_bcp(decoded, definition, spec, terminators, write=write, shown=shown, options=options)
            style = "bcp"
        note = f"{path.name}: table {table} read as {style}, typed by {typed_by}"
        return RawReadResult(result.source_file, result.records, result.issues, (*result.notes, note))

    def resource_of(self, file_name: str) -> str | None:
        """The resource a delivered file holds (`PATIENT.dat`, `dbo.PATIENT.csv`, its format file
        `PATIENT.fmt`), else the file's table name in upper case (matched against the system's
        not-migrated resources); None for a file that is no table."""
        path = Path(file_name)
        if path.suffix.lower() not in (*DATA_SUFFIXES, FORMAT_FILE_SUFFIX):
            return None
        table = path.stem.upper().removeprefix("DBO.")
        return next((spec.name for spec in self.resources if self.table_name(spec) == table), table)

    def missing(self, delivery: Path) -> list[str]:
        delivery = Path(delivery)
        return [
            f"{delivery}: file for table {self.table_name(spec)} missing (expected one file per table)"
            for spec in self.resources
            if spec.required and self.data_file(delivery, self.table_name(spec)) is None
        ]

    def completeness(self) -> ComputedChecksumsRule:
        return ComputedChecksumsRule(missing=self.missing)


def _check_types(definition: TableDefinition, spec: ResourceSpec, shown: str) -> None:
    """Every field of the spec is a column of the table, of the type its definition gives; otherwise the
    spec no longer fits this database (a new version): refused, naming the columns."""
    problems = []
    for name, kind in spec.fields.items():
        column = definition.column(name)
        if column is None:
            problems.append(f"{shown}: column {name!r} is not in table {definition.name}'s definition")
        elif column.field_type is not kind:
            problems.append(
                f"{shown}: column {column.name}: the definition says {column.data_type} ({column.field_type.value}), "
                f"the source spec reads it as {kind.value}; confirm the spec for this database version"
            )
    if problems:
        raise RawReadError(shown, problems)


# Files of a SQL Server extract that are no table: the definitions, the synthetic writers' ground truth and
# a direct read's snapshot manifest (sources/sqlserver/direct.py).
DEFINITION_FILES = frozenset({COLUMNS_EXPORT_FILE, "schema.sql", "ground_truth.json", "manifest.json"})


def extract_system(
    *,
    name: str,
    title: str,
    resources: Mapping[str, ResourceSpec],
    schema: Mapping[str, TableDefinition],
    countries: tuple[str, ...],
    dialect: str = "sqlserver",
    not_migrated_resources: Mapping[str, str] | None = None,
    delivery_files: frozenset[str] = frozenset(),
    read_options: ReadOptions = READ_OPTIONS,
    shared_folder: SharedFolder | None = None,
) -> SourceSystem:
    """A source system delivered as a SQL Server extract: its read, completeness and file matching come from
    one SqlServerExtract over its resources and its known schema; a customer's block is an ExportSource,
    or — for a SQL Server system — an MssqlSource read straight from a running server into a snapshot in
    the same form (sources/sqlserver/direct.py). `shared_folder` declares the files its tables name, kept
    beside the database (a delivery carries the folder; a direct read copies them from the customer's
    `shared_folder`, sources/sqlserver/shared_files.py)."""
    extract = SqlServerExtract(tuple(resources.values()), schema, dialect=dialect)
    tables = tuple(extract.table_name(spec) for spec in extract.resources)

    def snapshot(location: MssqlSource, extracts: Path, emit: Callable[[str], None] | None = None) -> ServerSnapshot:
        # `emit` (progress lines) is what source/extract passes every extraction; one full read reports at its end.
        return take_server_snapshot(location, extracts, tables, shared=shared_folder)

    direct = dialect == "sqlserver"  # InterBase (Medtech32) is no SQL Server: extracts only
    direct_model = MssqlSharedFolderSource if shared_folder is not None else MssqlSource
    if shared_folder is not None:
        delivery_files = delivery_files | {shared_folder.name}
    return SourceSystem(
        name=name,
        title=title,
        resources=resources,
        read_resource=extract.read_resource,
        countries=countries,
        read_options=read_options,
        completeness=extract.completeness(),
        resource_of=extract.resource_of,
        location_models=(ExportSource, direct_model) if direct else (ExportSource,),
        extraction=SourceExtraction(direct_model, snapshot, errors=(MssqlReadError,)) if direct else None,
        not_migrated_resources=dict(not_migrated_resources or {}),
        delivery_files=DEFINITION_FILES | delivery_files,
    )
