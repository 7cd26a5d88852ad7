"""The approval report's "records with a value" (delivered but not migrated; not migrated to the target)
counts values that carry something: null, `""` (or only whitespace), `[]` and `{}` (or an object, a struct,
whose members hold nothing) are delivered but empty, and are not counted."""

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
    ({"k": None, "blank": " ", "none": []}, False),  # an object whose members hold nothing
    (None, False),
    (["one"], True),
    ({"k": 1}, True),
    ({"k": None, "$x": "kept"}, True),
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
        con.execute(
            "create schema raw_x; create table raw_x.t "
            "(run_kind varchar, name varchar, tags varchar[], n int, kin struct(name varchar, phone varchar))"
        )
        con.executemany(
            "insert into raw_x.t values ('trial', ?, ?, ?, ?)",
            [
                ["Ann", ["a"], 0, {"name": "Bo", "phone": None}],
                ["", [], None, {"name": None, "phone": None}],  # a struct whose fields are all null
                ["  ", None, 1, {"name": " ", "phone": None}],
                [None, ["b", "c"], None, None],
            ],
        )
        counts = records_with_value(con, TableRef("raw_x", "t"), "trial", ["name", "tags", "n", "kin"])
    assert counts == {"name": 1, "tags": 2, "n": 2, "kin": 1}


def test_staged_fields_the_target_does_not_take_count_only_values_that_hold_something() -> None:
    target = load_spec("dynamics365")
    entity, field, _ = next(iter(target.fields_not_migrated()))
    staged = {entity: pl.DataFrame({field: ["kept", "", "  ", None, "also kept"]})}
    counts = {(e, f): n for e, f, n, _ in _not_migrated_to_target(target, staged)}
    assert counts[(entity, field)] == 2


def test_staged_structs_count_only_when_a_field_holds_something() -> None:
    """A delivered `{}` beside other objects is a struct whose fields are all null in Polars: empty, like
    a struct whose fields are blank text or empty lists; a nested struct counts by its own fields."""
    target = load_spec("dynamics365")
    entity, field, _ = next(iter(target.fields_not_migrated()))
    values = [
        {"k": "kept", "tags": [], "inner": {"n": None}},
        {},
        {"k": " ", "tags": [], "inner": {"n": None}},
        None,
        {"k": None, "tags": ["a"], "inner": None},
        {"k": None, "tags": None, "inner": {"n": 3}},
    ]
    staged = {entity: pl.DataFrame({field: values})}
    assert isinstance(staged[entity][field].dtype, pl.Struct)
    counts = {(e, f): n for e, f, n, _ in _not_migrated_to_target(target, staged)}
    assert counts[(entity, field)] == 3
