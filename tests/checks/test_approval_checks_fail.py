"""Every approval check of a staged entity seen failing: a clean staged practice passes every check; one
targeted change to its staged rows makes exactly one check fail, with the reason code and count asserted.

The checks run as the pipeline runs them (``checks_for(entity)`` on the partition read back from DuckDB), on a
copy of the staged database per case. tests/checks/check_registry.py points each check name here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from pipeline_helpers import register_customer, run_pipeline

from checks.checklist import checks_for
from checks.findings import CheckInput, CheckOutcome
from customers import MigrationHome
from store import Warehouse
from synthetic import generate_practice

CUSTOMER = "checks-nz"
AS_OF = date(2026, 11, 1)  # the generator's day of the run: its history lies before it
RUN = "trial"


@dataclass(frozen=True)
class FailingCase:
    """One check made to fail: SQL run on the staged partition, then the breakdown the check must report."""

    entity: str
    check: str
    sql: tuple[str, ...]
    breakdown: dict[str, int]
    flags_records: bool = True  # False: a table-level count (reconciliation) names no record


def _first(entity: str, where: str = "true", n: int = 1) -> str:
    """The canonical ids of the first ``n`` staged rows of ``entity`` matching ``where`` (a sub-select)."""
    return (
        f"(select canonical_id from staged.{entity} where run_kind = '{RUN}' and {where} "
        f"order by canonical_id limit {n})"
    )


CASES = [
    FailingCase(
        "client",
        "future_history",
        (
            "update staged.client set created_at = timestamptz '2026-11-05 00:00:00+00' "
            f"where canonical_id in {_first('client', n=2)}",
        ),
        {"created_at:in_future": 2},
    ),
    FailingCase(
        "appointment",
        "attended_in_future",
        (
            "update staged.appointment set starts_at = timestamptz '2026-11-20 21:00:00+00', "
            "ends_at = timestamptz '2026-11-20 21:30:00+00', status = 'completed' "
            f"where canonical_id in {_first('appointment', n=3)}",
        ),
        {"attended_in_future": 3},
    ),
    FailingCase(
        "document",
        "files_verified",
        (f"update staged.document set sha256 = null where canonical_id in {_first('document')}",),
        {"file_not_verified": 1},
    ),
    FailingCase(
        "appointment",
        "schema",
        (f"update staged.appointment set status = 'postponed' where canonical_id in {_first('appointment', n=2)}",),
        {"status:isin(['booked', 'arrived', 'completed', 'cancelled', 'did_not_attend'])": 2},
    ),
    FailingCase(
        "client",
        "reconciliation",
        (f"delete from staged.client where canonical_id in {_first('client')}",),
        {
            "staged": 29,
            "merged": 0,
            "rejected": 0,
            "patients:considered": 30,
            "patients:raw": 30,
            "staged_table_differs_by": -1,
        },
        flags_records=False,
    ),
    FailingCase(
        "appointment",
        "references",
        (
            "update staged.appointment set client_id = 'cliniko:client:0' "
            f"where canonical_id in {_first('appointment')}",
        ),
        {"client_id→client": 1},
    ),
    FailingCase(
        "appointment",
        "times",
        (f"update staged.appointment set ends_at = starts_at where canonical_id in {_first('appointment', n=2)}",),
        {"ends_before_start": 2},
    ),
    FailingCase(
        "client",
        "birth_dates",
        (f"update staged.client set date_of_birth = date '1899-12-31' where canonical_id in {_first('client')}",),
        {"date_of_birth:before_1900": 1},
    ),
    FailingCase(
        "client",
        "contact_method",
        (
            "update staged.client set email = null, mobile_phone = null, home_phone = null, work_phone = null, "
            f"is_archived = false where canonical_id in {_first('client')}",
        ),
        {"no_email_or_phone": 1},
    ),
    FailingCase(
        "invoice",
        "lines_sum",
        (f"update staged.invoice set total_amount = total_amount + 0.01 where canonical_id in {_first('invoice')}",),
        {"total_differs_from_lines": 1},
    ),
    FailingCase(
        "client",
        "rejects",
        (
            "insert into staged.rejects (run_kind, entity, source_table, source_id, source_record, canonical_id, "
            f"reason, field) values ('{RUN}', 'client', 'patients', '999', 31, 'cliniko:client:999', "
            "'missing_required', 'last_name')",
        ),
        {"missing_required:last_name": 1},
    ),
    FailingCase(
        "client",
        "field_issues",
        (
            "insert into staged.field_issues (run_kind, entity, canonical_id, source_table, source_id, source_record, "
            f"field, code, severity) select '{RUN}', 'client', canonical_id, 'patients', source_id, source_record, "
            f"'email', 'invalid_email', 'WARN' from staged.client where canonical_id in {_first('client', n=2)}",
        ),
        {"email:invalid_email": 2},
    ),
    FailingCase(
        "client",
        "duplicates",
        (
            "insert into staged.merges (run_kind, entity, canonical_id, source_table, source_id, source_record, "
            f"survivor_id, rule) values ('{RUN}', 'client', 'cliniko:client:999', 'patients', '999', 31, "
            f"{_first('client')}, 'name_and_date_of_birth')",
        ),
        {"name_and_date_of_birth": 1},
    ),
]


@pytest.fixture(scope="module")
def staged_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean practice (30 clients, notes with files, invoices) staged without Dagster."""
    root = tmp_path_factory.mktemp("approval-checks")
    practice = generate_practice(root / "dump", country="NZ", clients=30, seed=5, as_of=AS_OF)
    home = root / "home"
    outcome = run_pipeline(home, register_customer(home, CUSTOMER, practice.out_dir))
    assert not outcome.blocking_failures
    return home


@pytest.fixture
def warehouse(staged_home: Path, tmp_path: Path) -> Iterator[Warehouse]:
    """This case's own copy of the staged migration home."""
    home = tmp_path / "home"
    shutil.copytree(staged_home, home)
    yield Warehouse.for_customer(MigrationHome(home).customer_dir(CUSTOMER))


def _run(warehouse: Warehouse, entity: str, check: str) -> CheckOutcome:
    definition = next(d for d in checks_for(entity) if d.name == check)
    with warehouse.connect(read_only=True) as con:
        return definition.run(CheckInput(entity, RUN, "cliniko", AS_OF, con))


@pytest.mark.parametrize("case", CASES, ids=[c.check for c in CASES])
def test_an_approval_check_fails_with_its_reason_and_count(case: FailingCase, warehouse: Warehouse) -> None:
    before = _run(warehouse, case.entity, case.check)
    assert before.passed and not before.flagged.height, "the clean practice must pass first"
    with warehouse.connect() as con:
        for statement in case.sql:
            con.execute(statement)
    after = _run(warehouse, case.entity, case.check)
    assert not after.passed
    assert after.breakdown == case.breakdown
    if case.flags_records:
        # One finding per record and reason, each naming the record and the rule, never a value.
        assert after.flagged.height == sum(case.breakdown.values())
        assert set(after.flagged["detail"].to_list()) == set(case.breakdown)
        assert after.flagged["canonical_id"].is_not_null().all()
    else:
        assert after.flagged.height == 0
