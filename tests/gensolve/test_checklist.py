"""The Gensolve post-migration checklist passes on a faithful load and catches a changed balance and a
missing future appointment."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from store import TableRef, read_partition
from targets.base import Partition
from targets.gensolve.target import TARGET, embedded_path


def _as_of(part: Partition) -> datetime:
    """The middle of the practice's diary, so there are past and future bookings either side."""
    with part.warehouse.connect(read_only=True) as con:
        starts = read_partition(con, TableRef("staged", "appointment"), "trial", "starts_at")["starts_at"].sort()
    return starts[len(starts) // 2].astimezone(UTC)


def _failed(part: Partition, as_of: datetime) -> dict[str, tuple[str, ...]]:
    return {i.name: i.mismatches for i in TARGET.checklist(part, as_of) if not i.passed}


def test_checklist_passes_then_catches_a_changed_balance_and_a_missing_future_appointment(
    partition: Partition,
) -> None:
    TARGET.plan(partition, apply=True)
    TARGET.load(partition, "run-1", "tester")
    as_of = _as_of(partition)
    items = TARGET.checklist(partition, as_of)
    assert [i.name for i in items] == [
        "client_invoice_totals",
        "client_outstanding_balance",
        "future_diary",
        "table_counts",
        "acc_claims",
    ]
    assert all(i.passed for i in items) and all(i.compared for i in items[:4])

    with duckdb.connect(str(embedded_path(partition))) as con:
        invoice, client = con.execute(
            "select mig_key, client_key from gpm_invoice order by mig_key limit 1"
        ).fetchall()[0]
        con.execute("update gpm_invoice set total_amount = total_amount + 0.01 where mig_key = ?", [invoice])
        future = con.execute(
            "select mig_key, practitioner_key, cast(starts_local as date) from gpm_appointment "
            "where starts_at >= ? and status not in ('cancelled', 'did_not_attend') order by mig_key limit 1",
            [as_of],
        ).fetchall()[0]
        con.execute("delete from gpm_appointment where mig_key = ?", [future[0]])

    failed = _failed(partition, as_of)
    assert failed["client_invoice_totals"] == (client,)
    assert failed["client_outstanding_balance"] == (client,)
    assert failed["future_diary"] == (f"{future[1]}|{future[2]}",)
    assert failed["table_counts"] == ("gpm_appointment",)
    assert "acc_claims" not in failed
