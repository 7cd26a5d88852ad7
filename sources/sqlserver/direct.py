"""Read a practice straight out of a running SQL Server (a restored backup) instead of a delivered extract:
the optional direct read of the SQL Server family (docs/sqlserver-extracts.md, issue #20 item 2).

The server is read once per extraction into a numbered snapshot folder in the family's own delivery form —
`INFORMATION_SCHEMA.COLUMNS.csv` as the server reports it, and one CSV with a header per table — which
`SqlServerExtract` then reads like any delivery: one reader, one typing (from the server's own
INFORMATION_SCHEMA), the same raw contract and provenance. Files are UTF-8 with a BOM (the driver hands
text over as Unicode whatever the collation), so the reader never applies a code page to them.

The connection string is a secret: the customer's `source.<run>` block names the environment variable
that holds it (`mssql_dsn_env`), never the string. Its form is a URL,
`mssql://USER:PASSWORD@HOST[:PORT]/DATABASE[?ca_file=/path/ca.pem]` (user and password percent-encoded).
TLS is always on and verified: against `ca_file` (the CA of a container's self-signed certificate) or the
certifi bundle. The driver is python-tds (`pytds`, pure Python), imported only when a server is read.

Files the database only names (PPMP's letters in its shared folder) are not in the server: a system that
declares them (`SharedFolder`) lets the customer name the folder (`shared_folder`), and the snapshot copies the
files the rows name into it where a delivery has them (sources/sqlserver/shared_files.py). Every file of the
snapshot is listed in its manifest with its bytes and sha256, as a delivery's manifest lists them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field

from sources.locations import ENV_NAME_PATTERN, StrictModel
from sources.sqlserver.definitions import (
    COLUMNS_EXPORT_FILE,
    COLUMNS_HEADER,
    ColumnDefinition,
    TableDefinition,
    columns_export,
)
from sources.sqlserver.shared_files import SharedFilesCopy, SharedFolder, SharedFolderError, copy_shared_files
from store.files import sha256_file

DEFAULT_PORT = 1433
SCHEMA_NAME = "dbo"


class MssqlReadError(Exception):
    """A direct read that cannot run; the message names the variable, table or column, never a value."""


class MssqlSource(StrictModel):
    """A customer's `source.<run kind>` block for a direct read: `{mssql_dsn_env: PM_ACME__MSSQL_DSN}`,
    optionally the schema (`dbo`) and a CA file. Read by the system's extraction into a snapshot."""

    mssql_dsn_env: Annotated[str, Field(pattern=ENV_NAME_PATTERN)] = Field(
        description="name of the environment variable holding mssql://USER:PASSWORD@HOST[:PORT]/DATABASE"
    )
    db_schema: str = Field(default=SCHEMA_NAME, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="the tables' schema")
    ca_file: str | None = Field(default=None, description="PEM CA file the server's certificate is verified with")


class MssqlSharedFolderSource(MssqlSource):
    """The direct-read block of a system whose tables name files kept beside the database (PPMP's shared
    folder): `shared_folder` is that folder on the migration machine (relative paths are relative to the
    configuration file). Without it the snapshot holds no files and each one named is reported missing."""

    shared_folder: Path | None = Field(
        default=None, description="the practice's shared folder (PPMP: the folder holding Letters/) on this machine"
    )


@dataclass(frozen=True)
class MssqlDsn:
    host: str
    database: str
    user: str
    password: str = field(repr=False)
    port: int = DEFAULT_PORT
    ca_file: str | None = None


def parse_dsn(text: str, variable: str) -> MssqlDsn:
    """`mssql://USER:PASSWORD@HOST[:PORT]/DATABASE[?ca_file=…]` → its parts. Errors name `variable` only."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise MssqlReadError(f"{variable}: not a URL of the form mssql://USER:PASSWORD@HOST[:PORT]/DATABASE") from None
    database = unquote(parts.path.lstrip("/"))
    missing = [
        name
        for name, value in (("host", parts.hostname), ("database", database), ("user", parts.username))
        if not value
    ]
    if parts.scheme != "mssql" or missing or "/" in database:
        what = f"missing {', '.join(missing)}" if missing else "expected scheme mssql:// and one database name"
        raise MssqlReadError(f"{variable}: {what} (mssql://USER:PASSWORD@HOST[:PORT]/DATABASE)")
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - {"ca_file"})
    if unknown:
        raise MssqlReadError(f"{variable}: unknown parameter(s) {unknown} (only ca_file)")
    return MssqlDsn(
        host=str(parts.hostname),
        database=database,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        port=port,
        ca_file=query["ca_file"][0] if "ca_file" in query else None,
    )


def quote_name(name: str) -> str:
    """A SQL Server identifier in brackets (a `]` inside doubled)."""
    return "[" + name.replace("]", "]]") + "]"


def columns_query(tables: Sequence[str]) -> str:
    """The INFORMATION_SCHEMA.COLUMNS rows of `tables` in the schema given as the first parameter (pytds's
    `%s` paramstyle), in the export's column order; table names are parameters too."""
    names = ", ".join(["%s"] * len(tables))
    return (
        f"SELECT {', '.join(COLUMNS_HEADER)} FROM INFORMATION_SCHEMA.COLUMNS "
        f"WHERE TABLE_SCHEMA = %s AND UPPER(TABLE_NAME) IN ({names}) ORDER BY TABLE_NAME, ORDINAL_POSITION"
    )


def select_statement(definition: TableDefinition, schema: str = SCHEMA_NAME) -> str:
    """Every column of the table, in its definition's order, rows in the order of its first column (the
    key, in every table of the family's systems) so two reads of the same data number rows alike."""
    columns = ", ".join(quote_name(c.name) for c in definition.columns)
    first = quote_name(definition.columns[0].name)
    return f"SELECT {columns} FROM {quote_name(schema)}.{quote_name(definition.name)} ORDER BY {first}"


def cell_text(value: object, column: ColumnDefinition) -> str | None:
    """A value the driver returned, as the export wizard writes its column (what the family reader parses):
    None stays NULL; datetime as `2026-04-05 09:00:00.000000` (no offset: a wall-clock time);
    datetimeoffset with its offset; bit True/False; money/decimal with all their digits; a GUID in
    upper case as SSMS shows it; binary as hex; text unchanged."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return value.isoformat(sep=" ")
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, uuid.UUID):
        return str(value).upper()
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex().upper()
    if column.data_type == "bit":
        return "True" if value else "False"
    return str(value)


class Cursor(Protocol):
    def execute(self, operation: str, params: Sequence[object] = ...) -> object: ...
    def fetchall(self) -> list[Sequence[object]]: ...
    def fetchmany(self, size: int = ...) -> list[Sequence[object]]: ...
    def close(self) -> None: ...


class Connection(Protocol):
    def cursor(self) -> Cursor: ...


def server_definitions(connection: Connection, tables: Sequence[str], schema: str) -> dict[str, TableDefinition]:
    """The tables' definitions as the server's INFORMATION_SCHEMA.COLUMNS gives them (upper-case names)."""
    cursor = connection.cursor()
    try:
        cursor.execute(columns_query(tables), [schema, *[t.upper() for t in tables]])
        rows = cursor.fetchall()
    finally:
        cursor.close()
    found: dict[str, list[ColumnDefinition]] = {}
    index = {name: i for i, name in enumerate(COLUMNS_HEADER)}
    for row in rows:
        collation = row[index["COLLATION_NAME"]]
        found.setdefault(str(row[index["TABLE_NAME"]]).upper(), []).append(
            ColumnDefinition(str(row[index["COLUMN_NAME"]]), str(row[index["DATA_TYPE"]]).lower(), collation or None)
        )
    missing = sorted({t.upper() for t in tables} - set(found))
    if missing:
        raise MssqlReadError(f"schema {schema}: no table(s) {missing} in the database's INFORMATION_SCHEMA")
    return {name: TableDefinition(name, tuple(columns)) for name, columns in found.items()}


def _table_rows(connection: Connection, definition: TableDefinition, schema: str) -> Iterable[Sequence[object]]:
    cursor = connection.cursor()
    try:
        cursor.execute(select_statement(definition, schema))  # no parameters: pytds would %-format it
        while batch := cursor.fetchmany(5000):
            yield from batch
    finally:
        cursor.close()


def export_tables(
    connection: Connection, tables: Sequence[str], out: Path, schema: str = SCHEMA_NAME
) -> dict[str, int]:
    """Write `tables` of the connected database into folder `out` in the family's delivery form (the
    INFORMATION_SCHEMA export and `<TABLE>.csv` per table, UTF-8 with a BOM). Returns rows per table."""
    out.mkdir(parents=True, exist_ok=True)
    definitions = server_definitions(connection, tables, schema)
    (out / COLUMNS_EXPORT_FILE).write_text(columns_export(list(definitions.values())), encoding="utf-8", newline="")
    counts: dict[str, int] = {}
    for name, definition in definitions.items():
        rows = 0
        with (out / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file, lineterminator="\r\n")
            writer.writerow([c.name for c in definition.columns])
            for row in _table_rows(connection, definition, schema):
                writer.writerow(
                    [
                        "" if (text := cell_text(v, c)) is None else text
                        for v, c in zip(row, definition.columns, strict=True)
                    ]
                )
                rows += 1
        counts[name] = rows
    return counts


def connect(dsn: MssqlDsn) -> Any:
    """A python-tds connection, TLS on and the server's certificate verified (ca_file, else certifi's)."""
    try:
        import pytds  # optional: only a direct read needs the driver
    except ImportError:
        raise MssqlReadError("the direct read needs python-tds (requirements.lock); it is not installed") from None
    import certifi

    return pytds.connect(
        server=dsn.host,
        port=dsn.port,
        database=dsn.database,
        user=dsn.user,
        password=dsn.password,
        cafile=dsn.ca_file or certifi.where(),
        validate_host=True,
        autocommit=True,
        login_timeout=15,
    )


@dataclass(frozen=True)
class ServerSnapshot:
    """What one direct read produced (counts only), in the names `source/extract` reports. Each read is a
    full copy (the delta pickup compares it with the previous one, as for a second full extract)."""

    snapshot: Path
    rows: dict[str, int]
    kind: str = "full"
    high_water_mark: str = ""
    since: str | None = None
    changed: dict[str, int] = field(default_factory=dict)
    tombstones: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    throttled: int = 0
    findings: dict[str, object] = field(default_factory=dict)

    @property
    def change_count(self) -> int:
        return sum(self.rows.values())


def shared_folder_of(location: MssqlSource) -> Path | None:
    """The shared folder a location configures, checked: an absolute path (a registered configuration's
    paths are made absolute) to an existing folder; None when not configured."""
    folder = getattr(location, "shared_folder", None)
    if folder is None:
        return None
    if not Path(folder).is_absolute():
        raise MssqlReadError(
            f"shared_folder {folder}: expected an absolute path (register the configuration with "
            "`practice-migrate customers add`, which resolves it against the file)"
        )
    if not Path(folder).is_dir():
        raise MssqlReadError(f"shared_folder {folder}: not an existing folder on this machine")
    return Path(folder)


def _manifest_entries(
    snapshot: Path, rows: Mapping[str, int], files: SharedFilesCopy | None
) -> list[dict[str, object]]:
    """Every file of a snapshot as a delivery's manifest lists it (sources/manifest.py): path, bytes,
    sha256, and for a table file its record count. The shared files' entries were taken as they were copied."""
    entries = [
        {
            "path": path.name,
            "bytes": path.stat().st_size,
            "sha256": sha256_file(path),
            **({"records": rows[path.stem]} if path.stem in rows else {}),
        }
        for path in sorted(snapshot.iterdir())
        if path.is_file()
    ]
    return sorted(entries + (files.entries if files else []), key=lambda e: str(e["path"]))


def take_server_snapshot(
    location: MssqlSource,
    extracts: Path,
    tables: Sequence[str],
    env: Mapping[str, str] | None = None,
    open_connection: Callable[[MssqlDsn], Any] = connect,
    shared: SharedFolder | None = None,
) -> ServerSnapshot:
    """Read `tables` from the server the location's variable names into the next numbered snapshot under
    `extracts` (written as `<n>.partial`, renamed when complete, so a failed read leaves none behind), with
    the files `shared` declares copied from the location's shared folder. `open_connection` is python-tds's
    `connect` (a test passes a DB-API double)."""
    from customers.home import MANIFEST, SNAPSHOTS_DIR  # customers/ imports the sources when it loads
    from store.files import private_dir, private_tree

    environment = os.environ if env is None else env
    text = environment.get(location.mssql_dsn_env)
    if not text:
        raise MssqlReadError(f"{location.mssql_dsn_env}: not set (the connection string of the SQL Server)")
    dsn = parse_dsn(text, location.mssql_dsn_env)
    folder = shared_folder_of(location) if shared is not None else None
    if location.ca_file:
        dsn = MssqlDsn(dsn.host, dsn.database, dsn.user, dsn.password, dsn.port, location.ca_file)
    private_dir(extracts)
    snapshots = extracts / SNAPSHOTS_DIR
    numbers = [int(p.name) for p in snapshots.iterdir() if p.name.isdigit()] if snapshots.is_dir() else []
    number = f"{max(numbers, default=0) + 1:04d}"
    partial = snapshots / f"{number}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    # The driver's and the server's messages may quote what was sent or read: only their kind is passed on.
    try:
        connection = open_connection(dsn)
    except MssqlReadError:
        raise
    except Exception as exc:
        raise MssqlReadError(
            f"{location.mssql_dsn_env}: cannot connect to the SQL Server it names ({type(exc).__name__})"
        ) from None
    try:
        rows = export_tables(connection, tables, partial, location.db_schema)
    except MssqlReadError:
        raise
    except Exception as exc:
        raise MssqlReadError(f"schema {location.db_schema}: reading the tables failed ({type(exc).__name__})") from None
    finally:
        connection.close()
    try:
        files = (
            copy_shared_files(shared, folder, partial, {name: partial / f"{name}.csv" for name in rows})
            if shared is not None
            else None
        )
    except SharedFolderError as exc:
        raise MssqlReadError(str(exc)) from None
    except OSError as exc:
        # The error's text would hold a file's name (a patient's, often): only its kind is passed on.
        raise MssqlReadError(f"shared_folder {folder}: copying the files failed ({type(exc).__name__})") from None
    extracted_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest: dict[str, object] = {
        "system_read": "sqlserver-direct",
        "kind": "full",
        "extracted_at": extracted_at,
        "tables": rows,
        "files": _manifest_entries(partial, rows, files),
    }
    if files is not None:
        # Inside the customer's own folder (private), so the unreferenced files are named here, not in metadata.
        manifest["shared_folder"] = {
            **files.summary(),
            "findings": [f.describe() for f in files.findings],
            "not_referenced": files.not_referenced,
        }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    final = snapshots / number
    partial.rename(final)
    private_tree(final)
    return ServerSnapshot(final, rows, high_water_mark=extracted_at, findings=files.summary() if files else {})
