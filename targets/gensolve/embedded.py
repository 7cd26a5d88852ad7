"""The embedded Gensolve: the import schema in a per-customer DuckDB file
(`customers/<id>/gensolve-<run kind>.duckdb`), for the demo and tests. The loader has applied Oracle's
rules (targets/gensolve/rules.py) before a row reaches it, so what this database accepts Oracle accepts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from store import quote_identifier
from targets.gensolve.backend import RowError
from targets.gensolve.catalogue import Catalogue, ImportColumn, ImportTable


def _dtype(column: ImportColumn) -> pl.DataType:
    kind = column.type
    if kind.base == "BLOB":
        return pl.Binary()
    if kind.base == "NUMBER" and not kind.scale:
        return pl.Int64()
    return kind.dtype


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = duckdb.connect(str(path))

    def columns(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for table, column in self.con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'main'"
        ).fetchall():
            found.setdefault(table, set()).add(column)
        return found

    def create(self, catalogue: Catalogue, tables: list[str]) -> None:
        for name in tables:
            table = catalogue.table(name)
            columns = ", ".join(
                f"{quote_identifier(c.name)} {c.type.duckdb}{'' if c.nullable else ' not null'}" for c in table.columns
            )
            self.con.execute(
                f"create table if not exists {quote_identifier(name)} ({columns}, primary key ({catalogue.key}))"
            )

    def merge(self, table: ImportTable, key: str, rows: list[dict]) -> list[RowError]:
        if not rows:
            return []
        frame = pl.DataFrame(rows, schema={c.name: _dtype(c) for c in table.columns}, orient="row")
        names = ", ".join(quote_identifier(c.name) for c in table.columns)
        updates = ", ".join(
            f"{quote_identifier(c.name)} = excluded.{quote_identifier(c.name)}" for c in table.columns if c.name != key
        )
        self.con.register("_merging", frame)
        try:
            self.con.execute("begin transaction")
            self.con.execute(
                f"insert into {quote_identifier(table.name)} ({names}) select {names} from _merging "
                f"on conflict ({quote_identifier(key)}) do update set {updates}"
            )
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            raise
        finally:
            self.con.unregister("_merging")
        return []

    def keys(self, table: ImportTable, key: str) -> set[str]:
        return {
            r[0]
            for r in self.con.execute(f"select {quote_identifier(key)} from {quote_identifier(table.name)}").fetchall()
        }

    def fetch(self, table: ImportTable, key: str) -> list[dict]:
        return self.con.sql(f"select * from {quote_identifier(table.name)}").pl().to_dicts()

    def delete(self, table: ImportTable, key: str, keys: list[str]) -> int:
        if not keys:
            return 0
        before = self.con.execute(f"select count(*) from {quote_identifier(table.name)}").fetchall()[0][0]
        self.con.execute(
            f"delete from {quote_identifier(table.name)} where {quote_identifier(key)} in (select unnest(?))", [keys]
        )
        after = self.con.execute(f"select count(*) from {quote_identifier(table.name)}").fetchall()[0][0]
        return before - after

    def close(self) -> None:
        self.con.close()
