"""Gensolve's Oracle database through python-oracledb in thin mode (no Oracle Client libraries).

The DSN comes from the customer's configuration, user and password from the environment variables it
names (secrets never in files). Each table chunk is one `executemany(..., batcherrors=True)` of a MERGE
and one commit: a row Oracle refuses is reported with its ORA- code and the rest land
(python-oracledb docs, "Handling Data Errors" with batcherrors). CLOB and BLOB columns are bound as LOBs.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import oracledb

from targets.gensolve.backend import RowError
from targets.gensolve.catalogue import Catalogue, ImportTable, oracle_ddl
from targets.gensolve.oracle_sql import (
    COLUMNS_STATEMENT,
    delete_statement,
    keys_statement,
    merge_statement,
    select_statement,
)

_LOB_TYPES = {"CLOB": oracledb.DB_TYPE_CLOB, "BLOB": oracledb.DB_TYPE_BLOB}


def _utc_wall_time(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value is not None else None


class OracleConfigurationError(Exception):
    """The Oracle connection is not configured: which setting or environment variable is missing."""


def connect(dsn: str, user_env: str, password_env: str) -> oracledb.Connection:
    missing = [name for name in (user_env, password_env) if not os.environ.get(name)]
    if missing:
        raise OracleConfigurationError(f"environment variable(s) {', '.join(missing)} not set (Oracle user/password)")
    return oracledb.connect(user=os.environ[user_env], password=os.environ[password_env], dsn=dsn)


class OracleBackend:
    name = "oracle"

    def __init__(self, connection: oracledb.Connection) -> None:
        self.con = connection

    def columns(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        with self.con.cursor() as cursor:
            for table, column in cursor.execute(COLUMNS_STATEMENT):
                found.setdefault(table.lower(), set()).add(column.lower())
        return found

    def create(self, catalogue: Catalogue, tables: list[str]) -> None:
        wanted = set(tables)
        with self.con.cursor() as cursor:
            for name, statement in zip(catalogue.tables, oracle_ddl(catalogue), strict=True):
                if name in wanted:
                    cursor.execute(statement)

    def merge(self, table: ImportTable, key: str, rows: list[dict]) -> list[RowError]:
        if not rows:
            return []
        with self.con.cursor() as cursor:
            lobs = {c.name: _LOB_TYPES[c.type.base] for c in table.columns if c.type.base in _LOB_TYPES}
            if lobs:
                cursor.setinputsizes(**lobs)
            instants = [c.name for c in table.columns if c.type.base == "TIMESTAMP WITH TIME ZONE"]
            sent = [{**r, **{n: _utc_wall_time(r[n]) for n in instants}} for r in rows] if instants else rows
            cursor.executemany(merge_statement(table, key), sent, batcherrors=True)
            errors = [
                RowError(e.offset, e.full_code, e.full_code) for e in cursor.getbatcherrors()
            ]  # the code only: Oracle's message text can quote the value
        self.con.commit()
        return errors

    def keys(self, table: ImportTable, key: str) -> set[str]:
        with self.con.cursor() as cursor:
            return {r[0] for r in cursor.execute(keys_statement(table, key))}

    def fetch(self, table: ImportTable, key: str) -> list[dict]:
        names = [c.name for c in table.columns]
        rows = []
        with self.con.cursor() as cursor:
            for row in cursor.execute(select_statement(table)):
                rows.append(
                    {n: (v.read() if isinstance(v, oracledb.LOB) else v) for n, v in zip(names, row, strict=True)}
                )
        return rows

    def delete(self, table: ImportTable, key: str, keys: list[str]) -> int:
        if not keys:
            return 0
        with self.con.cursor() as cursor:
            cursor.executemany(delete_statement(table, key), [{key: k} for k in keys])
            deleted = cursor.rowcount
        self.con.commit()
        return deleted

    def close(self) -> None:
        self.con.close()
