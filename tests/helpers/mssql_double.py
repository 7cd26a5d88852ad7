"""A DB-API double standing in for python-tds in the direct-read tests (sources/sqlserver/direct.py): it holds
what the driver returns — INFORMATION_SCHEMA.COLUMNS rows and each table's rows as Python values — and
answers the two statements the direct read sends, recording them."""

from __future__ import annotations

from collections.abc import Sequence

from sources.sqlserver.definitions import TableDefinition


class MssqlCursor:
    def __init__(self, server: MssqlDouble) -> None:
        self.server: MssqlDouble = server
        self.rows: list[Sequence[object]] = []
        self.at = 0

    def execute(self, operation: str, params: Sequence[object] = ()) -> None:
        self.server.statements.append(operation)
        if "INFORMATION_SCHEMA" in operation:
            schema, *tables = params
            self.rows = [row for row in self.server.columns if row[1] == schema and str(row[2]).upper() in tables]
        else:
            table = operation.split(".")[-1].split("]")[0].strip("[")
            self.rows = self.server.tables[table]
        self.at = 0

    def fetchall(self) -> list[Sequence[object]]:
        return list(self.rows)

    def fetchmany(self, size: int = 1) -> list[Sequence[object]]:
        batch = self.rows[self.at : self.at + size]
        self.at += size
        return batch

    def close(self) -> None:
        pass


class MssqlDouble:
    """A DB-API double holding what python-tds returns: INFORMATION_SCHEMA rows and rows as Python values."""

    def __init__(self, definitions: dict[str, TableDefinition], tables: dict[str, list[Sequence[object]]]) -> None:
        self.columns = [
            ("PRACTICE", "dbo", name, c.name, i, c.data_type, c.collation)
            for name, d in definitions.items()
            for i, c in enumerate(d.columns, start=1)
        ]
        self.tables = tables
        self.statements: list[str] = []
        self.closed = False

    def cursor(self) -> MssqlCursor:
        return MssqlCursor(self)

    def close(self) -> None:
        self.closed = True


def serving(definitions: dict[str, TableDefinition], rows: dict[str, list[dict[str, object]]]) -> MssqlDouble:
    """A double serving `rows` (table → rows by column name; a column not given is NULL) of each defined table."""
    return MssqlDouble(
        definitions,
        {
            name: [[row.get(c.name) for c in definition.columns] for row in rows.get(name, [])]
            for name, definition in definitions.items()
        },
    )
