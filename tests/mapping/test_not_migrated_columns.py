"""A customer's `mapping_overrides` may declare delivered columns not migrated (`not_migrated_columns`, with the
reason): the effective spec carries them (and its version changes with them), the raw check no longer counts
them as undeclared, and the approval report lists them with that reason instead of "not declared"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mappings.spec import SpecError, load_spec
from sources.cliniko import SYSTEM
from sources.coverage import UNDECLARED, delivered_not_migrated, undeclared_fields, with_declared
from sources.ndjson import RECORD_COLUMN
from store import TableRef, Warehouse

WHY = "the practice's loyalty scheme ends with the move"
OVERRIDES = {"not_migrated_columns": {"patients": {"loyalty_tier": WHY}}}


def test_the_overrides_declare_columns_in_the_effective_spec() -> None:
    base, declared = load_spec("cliniko"), load_spec("cliniko", OVERRIDES)
    assert declared.not_migrated_columns == {"patients": {"loyalty_tier": WHY}}
    assert base.not_migrated_columns == {}
    # A signoff matches the mapping it reviewed: the declaration is part of it.
    assert declared.version != base.version


@pytest.mark.parametrize(
    ("declared", "problem"),
    [
        ({"patients": {"first_name": WHY}}, "not_migrated_columns.patients.first_name: declared not migrated, but"),
        ({"patients": {"loyalty_tier": ""}}, "not_migrated_columns.patients.loyalty_tier: give the reason"),
        ({"patient": {"loyalty_tier": WHY}}, "not_migrated_columns.patient: unknown raw table"),
    ],
)
def test_a_wrong_declaration_is_refused_naming_it(declared: dict, problem: str) -> None:
    with pytest.raises(SpecError) as error:
        load_spec("cliniko", {"not_migrated_columns": declared})
    assert any(p.startswith(problem) for p in error.value.problems), error.value.problems


def _raw_patients(tmp_path: Path) -> Warehouse:
    """raw_cliniko.patients holding whole records only: two carry a field no spec declares."""
    warehouse = Warehouse(tmp_path / "w.duckdb")
    records = [{"id": "1", "loyalty_tier": "gold"}, {"id": "2", "loyalty_tier": "silver"}, {"id": "3"}]
    with warehouse.connect() as con:
        con.execute(
            f"create schema raw_cliniko; create table raw_cliniko.patients (run_kind varchar, {RECORD_COLUMN} json)"
        )
        con.executemany("insert into raw_cliniko.patients values ('trial', ?)", [[json.dumps(r)] for r in records])
    return warehouse


def test_a_declared_column_is_listed_with_its_reason_and_is_no_finding(tmp_path: Path) -> None:
    ref, patients = TableRef("raw_cliniko", "patients"), SYSTEM.resources["patients"]
    mapping = load_spec("cliniko", OVERRIDES)
    with _raw_patients(tmp_path).connect(read_only=True) as con:
        before = delivered_not_migrated(con, SYSTEM, "trial", mapping.columns_read())
        after = delivered_not_migrated(con, SYSTEM, "trial", mapping.columns_read(), mapping.not_migrated_columns)
        undeclared = undeclared_fields(con, ref, "trial", patients)
        declared = undeclared_fields(
            con, ref, "trial", with_declared(patients, mapping.not_migrated_columns["patients"])
        )
    listed = {(f.resource, f.field): (f.records_with_value, f.reason) for f in before}
    assert listed[("patients", "loyalty_tier")] == (2, UNDECLARED)
    listed = {(f.resource, f.field): (f.records_with_value, f.reason) for f in after}
    assert listed[("patients", "loyalty_tier")] == (2, WHY)
    assert undeclared == {"loyalty_tier": 2} and declared == {}
