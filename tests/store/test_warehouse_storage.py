"""How partitions are stored: long free text compressed with zstd, and the other run kind's rows kept
whenever a partition's table is recreated (created, replaced whole, or rebuilt for a new column)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from store import PartitionWriter, TableRef, Warehouse, read_partition, replace_partition_with_query

NOTES = TableRef("staged", "note")


def _compression(con: duckdb.DuckDBPyConnection, ref: TableRef) -> dict[str, set[str]]:
    con.execute("checkpoint")
    rows = con.execute(
        f"select column_name, compression from pragma_storage_info('{ref.schema}.{ref.table}') "
        "where segment_type = 'VARCHAR'"
    ).fetchall()
    found: dict[str, set[str]] = {}
    for column, compression in rows:
        found.setdefault(column, set()).add(compression)
    return found


def _notes_sql(run_kind: str, rows: int, extra: str = "") -> str:
    return (
        f"select '{run_kind}' as run_kind, 'n' || i as source_id, "
        f"repeat('Subjective: sore left knee after running. ', 20) || i as body{extra} from range({rows}) t(i)"
    )


def test_long_text_columns_are_zstd_and_short_ones_are_not(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    with warehouse.connect() as con:
        replace_partition_with_query(con, NOTES, "trial", _notes_sql("trial", 5000), long_text=["body"])
        compression = _compression(con, NOTES)
    assert compression["body"] == {"ZSTD"}
    assert "ZSTD" not in compression["source_id"] | compression["run_kind"]


def test_partition_writer_stores_long_text_with_zstd(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    frame = pl.DataFrame(
        {"run_kind": ["trial"] * 3000, "source_id": [f"n{i}" for i in range(3000)], "body": ["long " * 80] * 3000}
    )
    with warehouse.connect() as con:
        with PartitionWriter(con, "trial") as writer:
            writer.start(NOTES, frame, long_text=["body"])
            writer.append(NOTES, frame)
        compression = _compression(con, NOTES)
        assert read_partition(con, NOTES, "trial").height == 3000
    assert compression["body"] == {"ZSTD"} and "ZSTD" not in compression["source_id"]


def test_replacing_one_run_kind_keeps_the_other(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    with warehouse.connect() as con:
        replace_partition_with_query(con, NOTES, "trial", _notes_sql("trial", 40), long_text=["body"])
        # Only trial rows: the table is dropped and recreated for the re-run.
        replace_partition_with_query(con, NOTES, "trial", _notes_sql("trial", 30), long_text=["body"])
        replace_partition_with_query(con, NOTES, "live", _notes_sql("live", 20), long_text=["body"])
        # Both run kinds, same columns: trial's rows are deleted and re-inserted, live's stay.
        replace_partition_with_query(con, NOTES, "trial", _notes_sql("trial", 25), long_text=["body"])
        assert read_partition(con, NOTES, "trial").height == 25
        assert read_partition(con, NOTES, "live").height == 20


def test_a_new_column_rebuilds_the_table_keeping_the_other_run_kind(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    with warehouse.connect() as con:
        replace_partition_with_query(con, NOTES, "live", _notes_sql("live", 2000), long_text=["body"])
        wider = _notes_sql("trial", 3000, extra=", 'general' as category")
        replace_partition_with_query(con, NOTES, "trial", wider, long_text=["body"])
        live = read_partition(con, NOTES, "live")
        trial = read_partition(con, NOTES, "trial")
        compression = _compression(con, NOTES)
    assert live.height == 2000 and live["category"].is_null().all()
    assert trial.height == 3000 and set(trial["category"]) == {"general"}
    assert live["body"].str.starts_with("Subjective: sore left knee").all()
    assert compression["body"] == {"ZSTD"}


def test_a_left_over_work_table_is_not_taken_for_the_mappings_output(tmp_path: Path) -> None:
    """A process killed mid-write leaves `_work_<table>__<run>` behind; the delta check's search for
    a record's target row must not find it there (it would report a never-mapped record as missing)."""
    from checks.delta import _has_target_row

    warehouse = Warehouse(tmp_path / "w.duckdb")
    with warehouse.connect() as con:
        con.execute("create schema dynamics")
        con.execute(
            "create table dynamics._work_contact__trial as select 'trial' as run_kind, 'c:client:1' as canonical_id"
        )
        assert not _has_target_row(con, "trial", "dynamics", "c:client:1")
        con.execute("create table dynamics.contact as select * from dynamics._work_contact__trial")
        assert _has_target_row(con, "trial", "dynamics", "c:client:1")
