"""The Oracle statements the Gensolve loader sends, built from the catalogue (tests parse them with
sqlglot's Oracle dialect). Binds are named after the columns (`:mig_key`), so one statement serves
`executemany` over a batch of row dicts."""

from __future__ import annotations

from targets.gensolve.catalogue import ImportTable


def merge_statement(table: ImportTable, key: str) -> str:
    """MERGE one row by the source key: a re-run updates instead of duplicating (issue 17 §4)."""
    names = [c.name for c in table.columns]
    selected = ", ".join(f":{n} AS {n}" for n in names)
    updates = ", ".join(f"t.{n} = s.{n}" for n in names if n != key)
    return (
        f"MERGE INTO {table.name} t USING (SELECT {selected} FROM dual) s ON (t.{key} = s.{key}) "
        f"WHEN MATCHED THEN UPDATE SET {updates} "
        f"WHEN NOT MATCHED THEN INSERT ({', '.join(names)}) VALUES ({', '.join(f's.{n}' for n in names)})"
    )


def delete_statement(table: ImportTable, key: str) -> str:
    return f"DELETE FROM {table.name} WHERE {key} = :{key}"


def select_statement(table: ImportTable) -> str:
    return f"SELECT {', '.join(c.name for c in table.columns)} FROM {table.name}"


def keys_statement(table: ImportTable, key: str) -> str:
    return f"SELECT {key} FROM {table.name}"


COLUMNS_STATEMENT = "SELECT table_name, column_name FROM user_tab_columns"
