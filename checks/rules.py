"""Domain rules of the approval checklist: dates that cannot be, times that run backwards, sums."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from checks.canonical import CANONICAL_MODELS
from checks.findings import FLAGGED_SCHEMA, CheckInput, CheckOutcome, flagged_rows, outcome

# History columns: a value after the day of the run is impossible (future bookings are fine).
HISTORY_COLUMNS = ("created_at", "updated_at", "archived_at", "cancelled_at", "closed_at", "finalised_at", "sent_at")
EARLIEST_BIRTH = date(1900, 1, 1)
LONGEST_APPOINTMENT = timedelta(hours=12)


def _end_of(day: date) -> datetime:
    # One day of slack: a practice in UTC+13 is already "tomorrow" in UTC terms.
    return datetime.combine(day + timedelta(days=1), time.max, tzinfo=UTC)


def future_history_check(data: CheckInput) -> CheckOutcome:
    """No record was created, updated, cancelled or closed after the day of the run."""
    present = [c for c in HISTORY_COLUMNS if c in CANONICAL_MODELS[data.entity].to_schema().columns]
    frame = data.columns(*present)
    limit = _end_of(data.as_of)
    parts = [flagged_rows(frame, pl.col(c) > limit, f"{c}:in_future") for c in present]
    return outcome(frame.height, pl.concat(parts) if parts else pl.DataFrame(schema=FLAGGED_SCHEMA))


def plausible_birth_dates(data: CheckInput) -> CheckOutcome:
    """Dates of birth lie between 1900-01-01 and the day of the run."""
    frame = data.columns("date_of_birth")
    future = flagged_rows(frame, pl.col("date_of_birth") > data.as_of, "date_of_birth:in_future")
    ancient = flagged_rows(frame, pl.col("date_of_birth") < EARLIEST_BIRTH, "date_of_birth:before_1900")
    return outcome(frame.height, pl.concat([future, ancient]))


def contact_method(data: CheckInput) -> CheckOutcome:
    """Every active client can be reached: an email or at least one phone number."""
    frame = data.columns("email", "mobile_phone", "home_phone", "work_phone", "is_archived")
    none = (
        pl.col("email").is_null()
        & pl.col("mobile_phone").is_null()
        & pl.col("home_phone").is_null()
        & pl.col("work_phone").is_null()
        & ~pl.col("is_archived")
    )
    return outcome(frame.height, flagged_rows(frame, none, "no_email_or_phone"))


def appointment_times(data: CheckInput) -> CheckOutcome:
    """Appointments end after they start and last at most 12 hours."""
    frame = data.columns("starts_at", "ends_at")
    backwards = flagged_rows(frame, pl.col("ends_at") <= pl.col("starts_at"), "ends_before_start")
    too_long = flagged_rows(frame, (pl.col("ends_at") - pl.col("starts_at")) > LONGEST_APPOINTMENT, "longer_than_12h")
    return outcome(frame.height, pl.concat([backwards, too_long]))


def attended_in_future(data: CheckInput) -> CheckOutcome:
    """No appointment in the future is already completed or marked did-not-attend."""
    frame = data.columns("starts_at", "status")
    future = (pl.col("starts_at") > _end_of(data.as_of)) & pl.col("status").is_in(["completed", "did_not_attend"])
    return outcome(frame.height, flagged_rows(frame, future, "attended_in_future"))


def invoice_lines_sum(data: CheckInput) -> CheckOutcome:
    """An invoice's total equals the sum of its lines' totals (to the cent)."""
    invoices = data.columns("total_amount")
    lines = data.columns("invoice_id", "total_amount", entity="invoice_line")
    sums = lines.group_by("invoice_id").agg(pl.col("total_amount").sum().alias("lines_total"))
    joined = invoices.join(sums, left_on="canonical_id", right_on="invoice_id", how="inner")
    return outcome(
        invoices.height,
        flagged_rows(joined, pl.col("lines_total") != pl.col("total_amount"), "total_differs_from_lines"),
    )


def files_verified(data: CheckInput) -> CheckOutcome:
    """Every attached file is in the dump, matches the dump's manifest and is hashed (its bytes will be
    migrated and verified)."""
    frame = data.columns("sha256", "storage_uri")
    missing = pl.col("sha256").is_null() | pl.col("storage_uri").is_null()
    # The field issue of each flagged row says why (missing_file, checksum_mismatch, not_in_manifest).
    return outcome(frame.height, flagged_rows(frame, missing, "file_not_verified"))
