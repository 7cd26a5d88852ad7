"""The approval checklist's domain rules (checks/rules.py) at their edges: the last instant a history date may
take, the first and last plausible date of birth, an appointment of exactly twelve hours, each single way of
reaching a client. Each rule runs on a few staged rows written here, with the records it must flag named.

test_approval_checks_fail.py shows each rule failing inside a staged practice; this module pins where each
rule's line lies, on rows small enough to run in a second (bench/mutation.py runs it once per mutant).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl
import pytest

from checks.canonical import CANONICAL_MODELS
from checks.findings import CheckInput, CheckOutcome
from checks.rules import (
    HISTORY_COLUMNS,
    appointment_times,
    attended_in_future,
    contact_method,
    files_verified,
    future_history_check,
    invoice_lines_sum,
    plausible_birth_dates,
)

RUN = "trial"
AS_OF = date(2026, 11, 1)
# The last instant of the day after the run, in UTC: the rules' one day of slack for a practice ahead of UTC.
LAST_ALLOWED = datetime(2026, 11, 2, 23, 59, 59, 999999, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
_UTC = pl.Datetime("us", "UTC")


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("create schema staged")
    yield connection
    connection.close()


def _stage(
    con: duckdb.DuckDBPyConnection, entity: str, rows: dict[str, dict[str, Any]], schema: dict[str, Any]
) -> None:
    """Stage `rows` (canonical id → values; a value not given is null) as `entity`'s partition of the run,
    beside a row of another run, all null, that no rule may read."""
    ids = [*rows, "other-run"]
    frame = pl.DataFrame(
        {
            "run_kind": [RUN] * len(rows) + ["delta"],
            "canonical_id": ids,
            "source_id": [f"src-{i}" for i in ids],
            **{column: [values.get(column) for values in rows.values()] + [None] for column in schema},
        },
        schema={"run_kind": pl.String, "canonical_id": pl.String, "source_id": pl.String, **schema},
    )
    con.register("staged_rows", frame)
    con.execute(f"create table staged.{entity} as select * from staged_rows")
    con.unregister("staged_rows")


def _run(rule: Callable[[CheckInput], CheckOutcome], con: duckdb.DuckDBPyConnection, entity: str) -> CheckOutcome:
    return rule(CheckInput(entity, RUN, "cliniko", AS_OF, con))


def _flagged(result: CheckOutcome) -> dict[str, set[str]]:
    """Flagged canonical ids by detail."""
    found: dict[str, set[str]] = {}
    for canonical_id, detail in result.flagged.select("canonical_id", "detail").iter_rows():
        found.setdefault(detail, set()).add(canonical_id)
    return found


# Every history column of the rule, with an entity whose canonical model has it.
HISTORY_CASES = [
    ("communication", "created_at"),
    ("communication", "updated_at"),
    ("communication", "archived_at"),
    ("communication", "sent_at"),
    ("appointment", "cancelled_at"),
    ("clinical_note", "finalised_at"),
    ("invoice", "closed_at"),
]


def test_the_history_cases_cover_every_history_column() -> None:
    assert sorted(column for _, column in HISTORY_CASES) == sorted(HISTORY_COLUMNS)
    for entity, column in HISTORY_CASES:
        assert column in CANONICAL_MODELS[entity].to_schema().columns


@pytest.mark.parametrize(("entity", "column"), HISTORY_CASES, ids=[f"{e}.{c}" for e, c in HISTORY_CASES])
def test_future_history_flags_an_instant_after_the_day_after_the_run(
    con: duckdb.DuckDBPyConnection, entity: str, column: str
) -> None:
    present = [c for c in HISTORY_COLUMNS if c in CANONICAL_MODELS[entity].to_schema().columns]
    _stage(
        con,
        entity,
        {
            "past": {column: datetime(2026, 10, 31, 9, tzinfo=UTC)},
            "on_the_day": {column: datetime(2026, 11, 1, 23, 30, tzinfo=UTC)},
            "ahead_of_utc": {column: datetime(2026, 11, 2, 11, tzinfo=UTC)},
            "last_instant": {column: LAST_ALLOWED},
            "just_after": {column: LAST_ALLOWED + MICROSECOND},
            "next_day": {column: datetime(2026, 11, 3, 12, tzinfo=UTC)},
            "unknown": {},
        },
        dict.fromkeys(present, _UTC),
    )
    result = _run(future_history_check, con, entity)
    assert _flagged(result) == {f"{column}:in_future": {"just_after", "next_day"}}
    assert result.checked == 7 and not result.passed


def test_birth_dates_between_1900_and_the_day_of_the_run(con: duckdb.DuckDBPyConnection) -> None:
    _stage(
        con,
        "client",
        {
            "first_plausible": {"date_of_birth": date(1900, 1, 1)},
            "day_before_1900": {"date_of_birth": date(1899, 12, 31)},
            "early_1900": {"date_of_birth": date(1900, 6, 1)},
            "born_today": {"date_of_birth": AS_OF},
            "born_tomorrow": {"date_of_birth": AS_OF + timedelta(days=1)},
            "unknown": {},
        },
        {"date_of_birth": pl.Date},
    )
    result = _run(plausible_birth_dates, con, "client")
    assert _flagged(result) == {
        "date_of_birth:before_1900": {"day_before_1900"},
        "date_of_birth:in_future": {"born_tomorrow"},
    }
    assert result.breakdown == {"date_of_birth:before_1900": 1, "date_of_birth:in_future": 1}


def test_an_active_client_needs_an_email_or_any_one_phone(con: duckdb.DuckDBPyConnection) -> None:
    active = {"is_archived": False}
    _stage(
        con,
        "client",
        {
            "email_only": {**active, "email": "a@example.invalid"},
            "mobile_only": {**active, "mobile_phone": "+64211234567"},
            "home_only": {**active, "home_phone": "+6495551234"},
            "work_only": {**active, "work_phone": "+6495554321"},
            "unreachable": active,
            "unreachable_archived": {"is_archived": True},
        },
        {"email": pl.String, "mobile_phone": pl.String, "home_phone": pl.String, "work_phone": pl.String}
        | {"is_archived": pl.Boolean},
    )
    result = _run(contact_method, con, "client")
    assert _flagged(result) == {"no_email_or_phone": {"unreachable"}}
    assert result.checked == 6


def test_appointments_end_after_they_start_and_last_at_most_twelve_hours(con: duckdb.DuckDBPyConnection) -> None:
    start = datetime(2026, 10, 20, 8, tzinfo=UTC)
    _stage(
        con,
        "appointment",
        {
            "an_hour": {"starts_at": start, "ends_at": start + timedelta(hours=1)},
            "a_microsecond": {"starts_at": start, "ends_at": start + MICROSECOND},
            "zero_length": {"starts_at": start, "ends_at": start},
            "backwards": {"starts_at": start, "ends_at": start - timedelta(minutes=30)},
            "twelve_hours": {"starts_at": start, "ends_at": start + timedelta(hours=12)},
            "twelve_and_a_bit": {"starts_at": start, "ends_at": start + timedelta(hours=12, microseconds=1)},
            "thirteen_hours": {"starts_at": start, "ends_at": start + timedelta(hours=13)},
        },
        {"starts_at": _UTC, "ends_at": _UTC},
    )
    result = _run(appointment_times, con, "appointment")
    assert _flagged(result) == {
        "ends_before_start": {"zero_length", "backwards"},
        "longer_than_12h": {"twelve_and_a_bit", "thirteen_hours"},
    }


def test_only_a_future_appointment_completed_or_not_attended_is_flagged(con: duckdb.DuckDBPyConnection) -> None:
    future = datetime(2026, 11, 20, 9, tzinfo=UTC)
    _stage(
        con,
        "appointment",
        {
            "future_completed": {"starts_at": future, "status": "completed"},
            "future_did_not_attend": {"starts_at": future, "status": "did_not_attend"},
            "future_booked": {"starts_at": future, "status": "booked"},
            "future_cancelled": {"starts_at": future, "status": "cancelled"},
            "past_completed": {"starts_at": datetime(2026, 10, 1, 9, tzinfo=UTC), "status": "completed"},
            "last_instant_completed": {"starts_at": LAST_ALLOWED, "status": "completed"},
            "just_after_did_not_attend": {"starts_at": LAST_ALLOWED + MICROSECOND, "status": "did_not_attend"},
        },
        {"starts_at": _UTC, "status": pl.String},
    )
    result = _run(attended_in_future, con, "appointment")
    assert _flagged(result) == {
        "attended_in_future": {"future_completed", "future_did_not_attend", "just_after_did_not_attend"}
    }


def test_an_invoice_total_differing_from_its_lines_by_a_cent_is_flagged(con: duckdb.DuckDBPyConnection) -> None:
    money = pl.Decimal(18, 2)
    _stage(
        con,
        "invoice",
        {
            "balanced": {"total_amount": Decimal("100.00")},
            "a_cent_over": {"total_amount": Decimal("50.01")},
            "a_cent_under": {"total_amount": Decimal("19.98")},
            "without_lines": {"total_amount": Decimal("12.00")},
        },
        {"total_amount": money},
    )
    _stage(
        con,
        "invoice_line",
        {
            "line-1": {"invoice_id": "balanced", "total_amount": Decimal("60.00")},
            "line-2": {"invoice_id": "balanced", "total_amount": Decimal("40.00")},
            "line-3": {"invoice_id": "a_cent_over", "total_amount": Decimal("50.00")},
            "line-4": {"invoice_id": "a_cent_under", "total_amount": Decimal("25.00")},
            "line-5": {"invoice_id": "a_cent_under", "total_amount": Decimal("-5.01")},
        },
        {"invoice_id": pl.String, "total_amount": money},
    )
    result = _run(invoice_lines_sum, con, "invoice")
    # An invoice with no line staged is not compared (its lines are another check's concern).
    assert _flagged(result) == {"total_differs_from_lines": {"a_cent_over", "a_cent_under"}}
    assert result.checked == 4


def test_a_file_without_its_hash_or_its_stored_copy_is_flagged(con: duckdb.DuckDBPyConnection) -> None:
    _stage(
        con,
        "document",
        {
            "verified": {"sha256": "ab" * 32, "storage_uri": "files/a"},
            "unhashed": {"storage_uri": "files/b"},
            "not_stored": {"sha256": "cd" * 32},
            "neither": {},
        },
        {"sha256": pl.String, "storage_uri": pl.String},
    )
    result = _run(files_verified, con, "document")
    assert _flagged(result) == {"file_not_verified": {"unhashed", "not_stored", "neither"}}
    assert result.breakdown == {"file_not_verified": 3}
