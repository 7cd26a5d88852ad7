"""The Oracle statements the Gensolve loader sends, built from the catalogue (tests parse them with
sqlglot's Oracle dialect). Binds are named after the columns (`:mig_key`), so one statement serves
`executemany` over a batch of row dicts."""

from __future__ import annotations

from targets.gensolve.catalogue import ImportColumn, ImportTable


def _bind(column: ImportColumn) -> str:
    """python-oracledb binds a datetime as TIMESTAMP without its zone: instants are sent as UTC wall
    times and placed in UTC explicitly."""
    if column.type.base == "TIMESTAMP WITH TIME ZONE":
        return f"FROM_TZ(CAST(:{column.name} AS TIMESTAMP), 'UTC')"
    return f":{column.name}"


def _read(column: ImportColumn) -> str:
    """Instants are read back as UTC wall times (SYS_EXTRACT_UTC), whatever the session's zone."""
    if column.type.base == "TIMESTAMP WITH TIME ZONE":
        return f"SYS_EXTRACT_UTC({column.name}) AS {column.name}"
    return column.name


def merge_statement(table: ImportTable, key: str) -> str:
    """MERGE one row by the source key: a re-run updates instead of duplicating (issue 17 §4)."""
    names = [c.name for c in table.columns]
    selected = ", ".join(f"{_bind(c)} AS {c.name}" for c in table.columns)
    updates = ", ".join(f"t.{n} = s.{n}" for n in names if n != key)
    return (
        f"MERGE INTO {table.name} t USING (SELECT {selected} FROM dual) s ON (t.{key} = s.{key}) "
        f"WHEN MATCHED THEN UPDATE SET {updates} "
        f"WHEN NOT MATCHED THEN INSERT ({', '.join(names)}) VALUES ({', '.join(f's.{n}' for n in names)})"
    )


def delete_statement(table: ImportTable, key: str) -> str:
    return f"DELETE FROM {table.name} WHERE {key} = :{key}"


def select_statement(table: ImportTable) -> str:
    return f"SELECT {', '.join(_read(c) for c in table.columns)} FROM {table.name}"


def keys_statement(table: ImportTable, key: str) -> str:
    return f"SELECT {key} FROM {table.name}"


COLUMNS_STATEMENT = "SELECT table_name, column_name FROM user_tab_columns"
