"""Load into the embedded Gensolve: plan, exact reconciliation, idempotent second pass, rows breaking
Oracle's rules rejected with the rule while the rest land, rollback to an empty schema."""

from __future__ import annotations

import re
from decimal import Decimal

import duckdb
import pytest

from store import TableRef, read_partition, table_exists
from targets.base import Partition, StepEvents
from targets.gensolve.catalogue import load_catalogue
from targets.gensolve.target import TARGET, SchemaNotReadyError, embedded_path


def _mapped_counts(part: Partition) -> dict[str, int]:
    """Rows per import table the mapping produced (a table no source feeds, e.g. payments from Cliniko, has none)."""
    with part.warehouse.connect(read_only=True) as con:
        return {
            t: con.execute(f"select count(*) from gensolve.{t} where run_kind = 'trial'").fetchall()[0][0]
            if table_exists(con, TableRef("gensolve", t))
            else 0
            for t in load_catalogue().tables
        }


def _target_counts(part: Partition) -> dict[str, int]:
    with duckdb.connect(str(embedded_path(part)), read_only=True) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in load_catalogue().tables}


def test_nothing_is_created_without_an_explicit_apply(partition: Partition) -> None:
    plan = TARGET.plan(partition)
    assert not plan.ready and len(plan.missing) == len(load_catalogue().tables)
    with pytest.raises(SchemaNotReadyError, match="apply the schema plan first"):
        TARGET.load(partition, "run-1", "tester")
    assert TARGET.plan(partition, apply=True).ready
    assert TARGET.plan(partition).ready


def test_load_reconciles_exactly_and_a_second_pass_writes_nothing(partition: Partition) -> None:
    TARGET.plan(partition, apply=True)
    mapped = _mapped_counts(partition)
    assert mapped["gpm_client"] == 60 and mapped["gpm_appointment"] > 0 and mapped["gpm_document"] > 0

    first = TARGET.load(partition, "run-1", "tester")
    assert first.rejected == 0
    assert {t.table: t.created for t in first.tables} == mapped
    assert _target_counts(partition) == mapped
    verified = TARGET.verify(partition)
    assert verified.clean
    assert {t.table: t.found for t in verified.tables} == mapped

    lines: list[str] = []
    second = TARGET.load(partition, "run-2", "tester", StepEvents(progress=lines.append))
    assert second.written == 0 and second.rejected == 0
    assert sum(t.unchanged for t in second.tables) == sum(mapped.values())
    # Progress of a re-run with nothing to send (issue 25 item 2): every record looked at and skipped, while
    # it runs (a line per twentieth of the table) and at the end — never a silent 0/0.
    for table, n in ((t, n) for t, n in mapped.items() if n):  # an empty table closes with "0/0 records"
        table_lines = [line for line in lines if line.startswith(f"load gensolve/{table}: ")]
        assert table_lines[-1].startswith(f"load gensolve/{table}: {n}/{n} records (100%), {n} unchanged (skipped)")
        running = [line for line in table_lines[:-1] if "ETA" in line]
        assert running or n < 2, (table, table_lines)
        assert all(re.search(r": (\d+)/\d+ records \(\d+%\), \1 unchanged \(skipped\)", line) for line in running)
    with partition.warehouse.connect(read_only=True) as con:
        writes = con.execute(
            "select count(*) from ledger.operation where run_id = 'run-2' and operation in ('create', 'update')"
        ).fetchall()[0][0]
    assert writes == 0


def test_a_changed_row_is_merged_not_duplicated(partition: Partition) -> None:
    TARGET.plan(partition, apply=True)
    TARGET.load(partition, "run-1", "tester")
    with partition.warehouse.connect() as con:
        con.execute(
            "update gensolve.gpm_client set occupation = 'Kaiako' where canonical_id = "
            "(select min(canonical_id) from gensolve.gpm_client)"
        )
    again = TARGET.load(partition, "run-2", "tester")
    assert again.table("gpm_client").updated == 1 and again.written == 1
    assert _target_counts(partition) == _mapped_counts(partition)
    assert TARGET.verify(partition).clean


def test_rows_breaking_oracle_rules_are_rejected_with_the_rule_and_the_rest_land(partition: Partition) -> None:
    too_long = "ā" * 2000 + "a"  # 4,001 bytes in UTF-8, 2,001 characters
    with partition.warehouse.connect() as con:
        for table, column, value in [
            ("gpm_communication", "channel", ""),
            ("gpm_custom_value", "value_text", too_long),
            # discount_amount is NUMBER(12,2); unit_price keeps four places (sources compute prices so).
            ("gpm_invoice_line", "discount_amount", Decimal("12.345")),
        ]:
            con.execute(
                f"update gensolve.{table} set {column} = ? where canonical_id = "
                f"(select min(canonical_id) from gensolve.{table} where run_kind = 'trial')",
                [value],
            )
        line = read_partition(con, TableRef("gensolve", "gpm_invoice_line"), "trial").sort("canonical_id")
    assert line["discount_amount"][0] == Decimal("12.345")
    TARGET.plan(partition, apply=True)

    result = TARGET.load(partition, "run-1", "tester")

    assert result.rejected == 3
    assert result.table("gpm_communication").errors == {"ORA-01400": 1}
    assert result.table("gpm_custom_value").errors == {"ORA-12899": 1}
    assert result.table("gpm_invoice_line").errors == {"MIG-NUMBER-SCALE": 1}
    mapped, landed = _mapped_counts(partition), _target_counts(partition)
    assert {t: mapped[t] - landed[t] for t in mapped if mapped[t] != landed[t]} == {
        "gpm_communication": 1,
        "gpm_custom_value": 1,
        "gpm_invoice_line": 1,
    }
    with partition.warehouse.connect(read_only=True) as con:
        failed = con.execute(
            "select target_table, error_code, error_message from ledger.operation where operation = 'failed' order by 1"
        ).fetchall()
    assert [(t, c) for t, c, _ in failed] == [
        ("gpm_communication", "ORA-01400"),
        ("gpm_custom_value", "ORA-12899"),
        ("gpm_invoice_line", "MIG-NUMBER-SCALE"),
    ]
    assert all(too_long not in m and "12.345" not in m for _, _, m in failed)  # rule and column, no value
    assert "value_text" in failed[1][2] and "4001" in failed[1][2]


def test_rollback_leaves_the_schema_empty(partition: Partition) -> None:
    TARGET.plan(partition, apply=True)
    loaded = TARGET.load(partition, "run-1", "tester")
    assert loaded.written > 0
    result = TARGET.rollback(partition, "run-2", "tester")
    assert result.deleted == loaded.written
    assert set(_target_counts(partition).values()) == {0}
    reloaded = TARGET.load(partition, "run-3", "tester")  # the ledger knows nothing is there any more
    assert reloaded.written == loaded.written
