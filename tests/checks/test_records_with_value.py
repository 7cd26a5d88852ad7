"""The approval report's "records with a value" (delivered but not migrated; not migrated to the target)
counts values that carry something: null, `""` (or only whitespace), `[]` and `{}` are delivered but empty,
and are not counted."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from checks.report import _not_migrated_to_target
from mappings.spec import load_spec
from sources.coverage import records_with_value
from sources.ndjson import RECORD_COLUMN
from store import TableRef, Warehouse

# The delivered values of one field across records, and whether each holds a value.
DELIVERED = [
    ("a value", True),
    ("", False),
    ("   ", False),
    ([], False),
    ({}, False),
    (None, False),
    (["one"], True),
    ({"k": 1}, True),
    (0, True),
    (False, True),
]
WITH_VALUE = sum(1 for _, holds in DELIVERED if holds)


def test_whole_records_count_only_values_that_hold_something(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    records = [{"id": n, "alias": v} for n, (v, _) in enumerate(DELIVERED)] + [{"id": 99}]  # one without the field
    with warehouse.connect() as con:
        con.execute(f"create schema raw_x; create table raw_x.t (run_kind varchar, {RECORD_COLUMN} json)")
        con.executemany("insert into raw_x.t values ('trial', ?)", [[json.dumps(r)] for r in records])
        con.execute(f"insert into raw_x.t values ('live', '{json.dumps({'alias': 'x'})}')")
        counts = records_with_value(con, TableRef("raw_x", "t"), "trial", ["alias", "id", "absent"])
    assert counts == {"alias": WITH_VALUE, "id": len(records), "absent": 0}


def test_typed_columns_count_only_values_that_hold_something(tmp_path: Path) -> None:
    """A raw table without the whole record (Gensolve's typed tables) is counted from its columns."""
    warehouse = Warehouse(tmp_path / "w.duckdb")
    with warehouse.connect() as con:
        con.execute("create schema raw_x; create table raw_x.t (run_kind varchar, name varchar, tags varchar[], n int)")
        con.executemany(
            "insert into raw_x.t values ('trial', ?, ?, ?)",
            [["Ann", ["a"], 0], ["", [], None], ["  ", None, 1], [None, ["b", "c"], None]],
        )
        counts = records_with_value(con, TableRef("raw_x", "t"), "trial", ["name", "tags", "n"])
    assert counts == {"name": 1, "tags": 2, "n": 2}


def test_staged_fields_the_target_does_not_take_count_only_values_that_hold_something() -> None:
    target = load_spec("dynamics365")
    entity, field, _ = next(iter(target.fields_not_migrated()))
    staged = {entity: pl.DataFrame({field: ["kept", "", "  ", None, "also kept"]})}
    counts = {(e, f): n for e, f, n, _ in _not_migrated_to_target(target, staged)}
    assert counts[(entity, field)] == 2
