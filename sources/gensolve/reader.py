"""Read one Gensolve table into the raw layer, from the embedded per-customer database the Gensolve
target writes (a `.duckdb` file) or from an export folder of CSV files (`<table>.csv`, a header row of
the import schema's column names).

Both readers first render the table's values as text in one form (settings.render_sql) into a scratch
table numbered by row, check what the raw layer declares (whole numbers where the catalogue says
NUMBER without scale), then hand the typed rows to the raw layer's writer. Problems name the table or
file, the row and the column and what was expected — never the value (it may be personal data).
DuckDB's own error messages are not shown: they quote values.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from sources.base import FieldType, RawReadError, RawReadResult, ResourceSpec
from sources.csv_reader import decode
from sources.gensolve.settings import CSV_SUFFIX, DATABASE_SUFFIX, SNAPSHOT_DATABASE, field_type, render_sql
from sources.raw_contract import ParsedFile, ReadOptions, Writer
from store import quote_identifier
from targets.gensolve.catalogue import Catalogue, ImportTable, load_catalogue

_MAX_PROBLEMS = 100
_DELIVERED = "_delivered"


def csv_file(folder: Path, table: str) -> Path:
    return Path(folder) / f"{table}{CSV_SUFFIX}"


def _attach_database(scratch: duckdb.DuckDBPyConnection, database: Path, table: ImportTable, shown: str) -> None:
    """Rows of `table` in the embedded database, rendered as text, numbered in key order (a database
    table has no file order; the key gives every reader the same numbering)."""
    if not database.exists():
        raise RawReadError(shown, [f"{shown}: database file missing"])
    try:
        scratch.execute("attach ? as gpm (read_only)", [str(database)])
    except duckdb.Error as exc:
        raise RawReadError(shown, [f"{shown}: not a readable DuckDB database ({type(exc).__name__})"]) from None
    present = {
        r[0]
        for r in scratch.execute(
            "select column_name from information_schema.columns where table_catalog = 'gpm' and table_name = ?",
            [table.name],
        ).fetchall()
    }
    if not present:
        raise RawReadError(shown, [f"{shown}: table missing (expected every table of the import schema)"])
    missing = [c.name for c in table.columns if c.name not in present]
    if missing:
        raise RawReadError(shown, [f"{shown}: column {name!r} missing (import schema)" for name in missing])
    key = table.columns[0].name
    rendered = ", ".join(
        f"{render_sql(c, quote_identifier(c.name))} as {quote_identifier(c.name)}" for c in table.columns
    )
    scratch.execute(
        f"create table {_DELIVERED} as select row_number() over (order by {quote_identifier(key)}) as _source_record, "
        f"{rendered} from gpm.main.{quote_identifier(table.name)}"
    )


def _utf8_copy(path: Path, encoding: str, directory: Path, shown: str) -> Path:
    """The file as UTF-8 (DuckDB's CSV reader takes UTF-8), decoded by the CSV format reader's rules
    (sources/csv_reader.py: a byte-order mark dropped; undecodable bytes refused naming the line)."""
    decoded = decode(path.read_bytes(), encoding, shown)
    if encoding == "utf-8" and not decoded.notes:
        return path
    target = directory / path.name
    target.write_text(decoded.text, encoding="utf-8", newline="")
    return target


def _attach_csv(
    scratch: duckdb.DuckDBPyConnection, path: Path, table: ImportTable, shown: str, encoding: str, directory: Path
) -> tuple[str, ...]:
    """Rows of one exported CSV file as text, numbered in file order (row 1 is the first after the
    header). An empty field is NULL, as '' is in Oracle. Returns the columns the schema does not know."""
    if not path.exists():
        raise RawReadError(shown, [f"{shown}: file missing (expected one file per table; the export is incomplete)"])
    readable = _utf8_copy(path, encoding, directory, shown)
    try:
        scratch.execute(
            "create table _csv as select * from read_csv(?, header = true, all_varchar = true, delim = ',', "
            "quote = '\"', escape = '\"', sample_size = -1)",
            [str(readable)],
        )
    except duckdb.Error as exc:
        # DuckDB's message quotes the offending line: only its kind is shown.
        raise RawReadError(shown, [f"{shown}: not a readable CSV file ({type(exc).__name__})"]) from None
    present = [r[0] for r in scratch.execute("select column_name from (describe _csv)").fetchall()]
    missing = [c.name for c in table.columns if c.name not in present]
    if missing:
        raise RawReadError(
            shown, [f"{shown}: column {name!r} missing from the header (import schema)" for name in missing]
        )
    selected = ", ".join(f"nullif({quote_identifier(c.name)}, '') as {quote_identifier(c.name)}" for c in table.columns)
    scratch.execute(f"create table {_DELIVERED} as select rowid + 1 as _source_record, {selected} from _csv")
    known = {c.name for c in table.columns}
    return tuple(sorted(name for name in present if name not in known))


def _type_problems(scratch: duckdb.DuckDBPyConnection, spec: ResourceSpec, shown: str) -> list[str]:
    problems: list[str] = []
    for name, kind in spec.fields.items():
        if kind is not FieldType.INTEGER:
            continue
        column = quote_identifier(name)
        rows = scratch.execute(
            f"select _source_record from {_DELIVERED} where {column} is not null "
            f"and try_cast({column} as bigint) is null order by 1 limit ?",
            [_MAX_PROBLEMS],
        ).fetchall()
        problems += [f"{shown}: row {r[0]}, column {name!r}: expected a whole number" for r in rows]
    return problems[:_MAX_PROBLEMS]


def read_resource(
    source: Path, spec: ResourceSpec, *, write: Writer, options: ReadOptions | None = None
) -> RawReadResult:
    """Read table `spec.name` from `source` — an embedded database (`*.duckdb`), an extraction snapshot
    folder (its `gensolve.duckdb`) or a CSV export folder — through `write` (sources/raw_layer.py).
    Raises RawReadError naming table/file, row and column."""
    source = Path(source)
    if source.is_dir() and (source / SNAPSHOT_DATABASE).is_file():
        source = source / SNAPSHOT_DATABASE
    encoding = (options or ReadOptions()).encoding or "utf-8"
    table = load_catalogue().table(spec.name)
    is_database = source.suffix == DATABASE_SUFFIX
    shown = f"{source}#{spec.name}" if is_database else str(csv_file(source, spec.name))
    with tempfile.TemporaryDirectory(prefix="raw-gensolve-") as tmp, duckdb.connect() as scratch:
        unexpected: tuple[str, ...] = ()
        if is_database:
            _attach_database(scratch, source, table, shown)
        else:
            unexpected = _attach_csv(scratch, csv_file(source, spec.name), table, shown, encoding, Path(tmp))
        problems = _type_problems(scratch, spec, shown)
        if problems:
            raise RawReadError(shown, problems)
        typed = ", ".join(
            f"{quote_identifier(n)}::{k.duckdb_type} as {quote_identifier(n)}" for n, k in spec.fields.items()
        )
        rows = Path(tmp) / "rows.parquet"
        scratch.execute(
            f"copy (select _source_record, {typed} from {_DELIVERED} order by _source_record) to '{rows}' "
            "(format parquet)"
        )
        parsed = ParsedFile("select * from read_parquet(?)", [str(rows)])
        select = (
            "select p._source_record, ?::varchar as _source_file, 'utf-8' as _source_encoding, "
            f"null::varchar as _read_issues, p.* exclude (_source_record) from {parsed.table} p "
            "order by p._source_record"
        )
        records = write(select, [shown], parsed)
    return RawReadResult(shown, records, (), unexpected)


def missing_parts(delivery: Path) -> list[str]:
    """What a Gensolve delivery lacks (its completeness rule): an embedded database file must open and
    hold every import-schema table; an export folder must hold every `<table>.csv`."""
    delivery = Path(delivery)
    tables = list(load_catalogue().tables)
    if delivery.is_dir() and (delivery / SNAPSHOT_DATABASE).is_file():
        delivery = delivery / SNAPSHOT_DATABASE
    if delivery.is_dir():
        return [
            f"{csv_file(delivery, t)}: missing (expected one file per table)"
            for t in tables
            if not csv_file(delivery, t).is_file()
        ]
    try:
        with duckdb.connect(str(delivery), read_only=True) as con:
            present = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    except duckdb.Error as exc:
        # Still being copied, or not a database: its kind only (DuckDB's message may quote content).
        return [f"{delivery}: not a readable DuckDB database yet ({type(exc).__name__})"]
    return [
        f"{delivery}#{t}: table missing (expected every table of the import schema)" for t in tables if t not in present
    ]


def export_csv(database: Path, folder: Path, catalogue: Catalogue | None = None) -> list[Path]:
    """Write every table of an embedded Gensolve database as `<table>.csv` in `folder`, in the text form
    the readers use (header row, rows in key order, NULL as an empty field): the shape of the export
    Gensolve hands out, for a practice moved through the embedded database."""
    catalogue = catalogue or load_catalogue()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect() as scratch:
        scratch.execute("attach ? as gpm (read_only)", [str(database)])
        for table in catalogue.tables.values():
            rendered = ", ".join(
                f"{render_sql(c, quote_identifier(c.name))} as {quote_identifier(c.name)}" for c in table.columns
            )
            path = csv_file(folder, table.name)
            scratch.execute(
                f"copy (select {rendered} from gpm.main.{quote_identifier(table.name)} "
                f"order by {quote_identifier(catalogue.key)}) to '{path}' (format csv, header true)"
            )
            written.append(path)
    return written


__all__ = ["csv_file", "export_csv", "field_type", "read_resource"]
