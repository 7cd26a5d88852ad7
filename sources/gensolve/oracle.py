"""Read a Gensolve practice out of its Oracle schema (python-oracledb, thin mode).

Oracle is read once per extraction into a snapshot: a DuckDB file in the embedded database's form
(targets/gensolve/embedded.py), which `reader.read_resource` then reads like any embedded database —
one reader, one text form, the same provenance (`<snapshot>#<table>`, row number in key order). The
connection comes from `targets.gensolve.oracle.connect` (DSN from the customer's configuration, user
and password from the environment variables it names).

Scaled NUMBERs are fetched as Decimal, not float (python-oracledb's default for NUMBER is float;
"Fetching Numbers as Decimal" in its user guide uses an output type handler): money keeps its digits.
Instants are read as UTC (SYS_EXTRACT_UTC, targets/gensolve/oracle_sql.py).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from pathlib import Path

import oracledb

from store.progress import ExtractionProgress, ignore_lines
from targets.gensolve.catalogue import Catalogue, ImportTable, load_catalogue
from targets.gensolve.embedded import EmbeddedBackend
from targets.gensolve.oracle_sql import select_statement

Fetch = Callable[[ImportTable], list[dict]]


def _decimal_numbers(cursor: oracledb.Cursor, metadata: oracledb.FetchInfo) -> oracledb.Var | None:
    if metadata.type_code is oracledb.DB_TYPE_NUMBER and (metadata.scale or 0) > 0:
        return cursor.var(decimal.Decimal, arraysize=cursor.arraysize)
    return None


def oracle_fetch(connection: oracledb.Connection) -> Fetch:
    """Every row of an import-schema table, as column → value (LOBs read, scaled NUMBERs as Decimal)."""

    def fetch(table: ImportTable) -> list[dict]:
        names = [c.name for c in table.columns]
        with connection.cursor() as cursor:
            cursor.outputtypehandler = _decimal_numbers
            return [
                {n: (v.read() if isinstance(v, oracledb.LOB) else v) for n, v in zip(names, row, strict=True)}
                for row in cursor.execute(select_statement(table))
            ]

    return fetch


def write_snapshot(
    fetch: Fetch, database: Path, catalogue: Catalogue | None = None, lines: ExtractionProgress | None = None
) -> dict[str, int]:
    """Copy every table `fetch` gives into a fresh DuckDB file at `database` (written beside it, then
    moved into place, so a failed extraction leaves the previous snapshot whole). Returns rows per table;
    `lines` gets a progress line per table (rows read of the rows the table holds)."""
    catalogue = catalogue or load_catalogue()
    lines = lines or ExtractionProgress("gensolve", ignore_lines)
    partial = database.with_name(database.name + ".partial")
    partial.unlink(missing_ok=True)
    backend = EmbeddedBackend(partial)
    counts: dict[str, int] = {}
    try:
        backend.create(catalogue, list(catalogue.tables))
        for table in catalogue.tables.values():
            lines.start(table.name)
            rows = fetch(table)
            lines.listing(table.name, len(rows))
            backend.merge(table, catalogue.key, rows)
            counts[table.name] = len(rows)
            lines.page(len(rows), pages=0)
        lines.end()
    finally:
        backend.close()
    partial.replace(database)
    return counts


def snapshot_from_oracle(connection: oracledb.Connection, database: Path) -> dict[str, int]:
    """The Gensolve practice in `connection`'s schema, as a DuckDB file `reader.read_resource` reads."""
    return write_snapshot(oracle_fetch(connection), database)
