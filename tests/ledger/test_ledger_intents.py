"""The ledger's intent/outcome pairs: a write whose outcome was never recorded (the process was killed)
keeps its operation and pre-image for the run that resumes it, and counts as the killed run's change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from store import Warehouse
from targets import ledger
from targets.dynamics.removals import removed_at_source
from targets.ledger import Operation

KIND = "trial"
TARGET = "dynamics365"


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        yield connection


def write(key: str, operation: str, pre_image: dict | None = None, content_hash: str = "h1") -> Operation:
    return Operation("contact", key, f"guid-{key}", operation, "client", content_hash=content_hash, pre_image=pre_image)


def intend(con: duckdb.DuckDBPyConnection, run_id: str, *operations: Operation) -> None:
    ledger.intend(con, KIND, TARGET, run_id, "pytest", list(operations))


def record(con: duckdb.DuckDBPyConnection, run_id: str, *operations: Operation) -> None:
    ledger.record(con, KIND, TARGET, run_id, "pytest", list(operations))


def logged(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, tuple[str, dict | None]]:
    rows = con.execute(
        "select canonical_id, operation, pre_image from ledger.operation where run_id = ?", [run_id]
    ).fetchall()
    return {key: (operation, json.loads(pre) if pre else None) for key, operation, pre in rows}


def changes(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, tuple[str, dict | None]]:
    frame = ledger.run_changes(con, KIND, TARGET, run_id)
    return {
        row["canonical_id"]: (row["operation"], json.loads(row["pre_image"]) if row["pre_image"] else None)
        for row in frame.iter_rows(named=True)
    }


def status(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, bool]]:
    rows = con.execute("select canonical_id, status, created_by_migration from ledger.record").fetchall()
    return {key: (state, created) for key, state, created in rows}


def test_a_create_whose_outcome_was_lost_stays_a_create_for_the_resumed_run(con: duckdb.DuckDBPyConnection) -> None:
    intend(con, "killed", write("a", "create"), write("b", "create"))
    record(con, "killed", write("a", "create"))  # "b" was sent, the process died before its outcome
    assert status(con) == {"a": ("loaded", True), "b": ("pending", True)}

    # The resumed run finds "b" in the target (the killed run's write landed) and would call it an update.
    landed = {"contactid": "guid-b", "firstname": "written by the killed run"}
    intend(con, "resumed", write("b", "update", landed))
    record(con, "resumed", write("b", "update", landed))

    assert logged(con, "resumed") == {"b": ("create", None)}
    assert status(con) == {"a": ("loaded", True), "b": ("loaded", True)}
    assert changes(con, "killed") == {"a": ("create", None), "b": ("create", None)}
    assert changes(con, "resumed") == {"b": ("create", None)}


def test_an_update_whose_outcome_was_lost_keeps_the_pre_image_from_before_it(con: duckdb.DuckDBPyConnection) -> None:
    intend(con, "first", write("c", "create"))
    record(con, "first", write("c", "create"))
    before = {"contactid": "guid-c", "jobtitle": "first load"}
    intend(con, "killed", write("c", "update", before, "h2"))  # killed after sending

    after_killed = {"contactid": "guid-c", "jobtitle": "killed run"}
    intend(con, "resumed", write("c", "update", after_killed, "h2"))
    assert status(con)["c"] == ("pending", True)
    record(con, "resumed", write("c", "update", after_killed, "h2"))

    assert logged(con, "resumed") == {"c": ("update", before)}
    assert changes(con, "killed") == {"c": ("update", before)}
    assert changes(con, "resumed") == {"c": ("update", before)}


def test_a_refused_write_is_not_a_change_but_leaves_an_earlier_killed_write_open(
    con: duckdb.DuckDBPyConnection,
) -> None:
    intend(con, "refused", write("d", "create"))
    record(con, "refused", write("d", "failed"))
    assert changes(con, "refused") == {}

    intend(con, "killed", write("e", "create"))
    intend(con, "retry", write("e", "update", {"contactid": "guid-e"}))
    record(con, "retry", write("e", "failed"))  # refused: the killed run's create may still be in the target
    intend(con, "third", write("e", "update", {"contactid": "guid-e"}))
    record(con, "third", write("e", "update", {"contactid": "guid-e"}))

    assert logged(con, "third") == {"e": ("create", None)}
    assert changes(con, "killed") == {"e": ("create", None)}
    assert changes(con, "retry") == {}  # refused: it changed nothing


def test_a_reversal_closes_a_killed_runs_changes(con: duckdb.DuckDBPyConnection) -> None:
    intend(con, "killed", write("f", "create"), write("g", "create"))
    ledger.intend(con, KIND, TARGET, "rollback", "pytest", [write("f", "rolled_back")])
    record(con, "rollback", write("f", "rolled_back"))

    assert changes(con, "killed") == {"g": ("create", None)}
    # A later load of "f" is a create of its own, not a continuation of the killed run's intent.
    intend(con, "again", write("f", "create"))
    record(con, "again", write("f", "create"))
    assert logged(con, "again")["f"] == ("create", None)
    assert changes(con, "killed") == {"g": ("create", None)}
    open_intents = con.execute("select run_id, canonical_id from ledger.intent where outcome is null").fetchall()
    assert open_intents == [("killed", "g")]


def test_a_loaded_record_a_killed_run_was_updating_is_still_retired_when_it_leaves_the_source(tmp_path: Path) -> None:
    warehouse = Warehouse.for_customer(tmp_path / "customer")
    with warehouse.connect() as con:
        con.execute("create schema dynamics")
        con.execute("create table dynamics.contact (run_kind varchar, canonical_id varchar)")
        con.execute("insert into dynamics.contact values ('trial', 'kept')")  # "gone" left the source
        for key in ("kept", "gone", "never-landed"):
            intend(con, "first", write(key, "create"))
        record(con, "first", write("kept", "create"), write("gone", "create"))
        intend(con, "killed", write("gone", "update", {"contactid": "guid-gone"}, "h2"))
    assert status_of(warehouse) == {"kept": "loaded", "gone": "pending", "never-landed": "pending"}

    removed = removed_at_source(warehouse, KIND, ["contact"])
    # "never-landed" was never confirmed in the target: a rollback deletes it (a 404 counts as done).
    assert removed["canonical_id"].to_list() == ["gone"]


def status_of(warehouse: Warehouse) -> dict[str, str]:
    with warehouse.connect(read_only=True) as con:
        return dict(con.execute("select canonical_id, status from ledger.record").fetchall())
