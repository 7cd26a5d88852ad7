"""The loader under faults: 5xx and dropped responses, a 429 storm, expired tokens, a process killed twice
and one record Dataverse refuses. Every load must end converged: all records once, verified, nothing else;
every run, killed or not, rolls back to the org as it was before."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from dynamics_load_helpers import (
    CUSTOMER,
    OPERATOR,
    TIME_SCALE,
    assert_verified,
    emulator_rows,
    ledger_operations,
    ledger_records,
    load,
    staged_counts,
    writes_between,
)

from emulators.launcher import RunningEmulators
from targets.dynamics import DataverseCapabilities, flow
from targets.dynamics.loader import TableLoad
from targets.dynamics.payloads import record_guid
from targets.dynamics.tables import TABLES

ROOT = Path(__file__).resolve().parents[2]


def assert_each_record_once(running: RunningEmulators, counts: dict[str, int]) -> None:
    """The org holds exactly the staged rows: as many as staged, no source key twice (tables without a source
    key column, annotation, are keyed by their deterministic primary key)."""
    for table, count in counts.items():
        pk = TABLES[table].primary_key
        keys = Counter(r.get("new_sourcesystemid") or r[pk] for r in emulator_rows(running, table))
        assert sum(keys.values()) == count, table
        assert max(keys.values()) == 1, (table, [k for k, n in keys.items() if n > 1][:3])


def _status_count(stats: dict, status: int) -> int:
    return stats["statuses"].get(str(status), 0)


def assert_clean_outcome(outcome: flow.LoadOutcome, counts: dict[str, int]) -> None:
    assert {t.table: t.created for t in outcome.tables} == counts
    assert [t.table for t in outcome.tables if t.failed] == []


def test_server_errors_and_dropped_responses_are_retried_without_duplicates(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    counts = staged_counts(ready_part)
    control = org.dataverse_control
    # 5xx before a request runs, and responses cut off after the write was applied: a resent change set
    # that had closed an activity finds it read-only (0x80040203) and must be read back, not rejected.
    control.set_faults(error_rate=0.08, drop_rate=0.08, seed=11)
    outcome = load(ready_part, "run-faults")
    faults = control.stats()["faults"]
    control.clear_faults()

    assert faults.get("server_error", 0) > 0 and faults.get("drop", 0) > 0
    assert outcome.stats.connection_errors > 0 and outcome.stats.retries > 0
    assert_clean_outcome(outcome, counts)
    assert_verified(ready_part)
    assert_each_record_once(org, counts)


def test_a_429_storm_and_expired_tokens_mid_load_are_ridden_out(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    tables = ["account", "contact", "appointment", "email", "annotation"]
    counts = staged_counts(ready_part, tables)
    control = org.dataverse_control
    done: list[str] = []
    throttling: list[tuple[int, float]] = []  # what each progress report says of 429s and back-off so far

    def between_tables(table: TableLoad) -> None:
        done.append(table.table)
        throttling.append((table.throttled, table.backoff_seconds))
        if len(done) == 1:
            control.expire_tokens()  # every token issued so far now gets 401
        elif len(done) == 2:
            # Every request answers 429 (0x80072322) for 300 emulated seconds: 3 s of real time, which outlasts
            # the ledger work (outcomes, then the next table's intents) before the next table's first requests.
            control.set_faults(storm_seconds=300, storm_facet="requests", storm_retry_after_seconds=20)

    outcome = load(ready_part, "run-storm", tables=tables, progress=between_tables)
    stats = control.stats()
    control.clear_faults()

    assert len(done) >= 3  # both faults struck mid-load, with tables still to go
    assert outcome.throttled > 0 and stats["throttled"]["requests"] > 0
    # Progress reports carry the 429s and their back-off as they happen (store/progress.py lines).
    assert throttling == sorted(throttling) and throttling[-1][0] > 0 and throttling[-1][1] > 0
    assert throttling[0][0] < throttling[-1][0] <= outcome.throttled  # counted so far, growing with the storm
    assert outcome.stats.token_refreshes > 0 and stats["faults"].get("token_expiry") == 1
    assert stats["statuses"].get("401", 0) > 0
    assert_clean_outcome(outcome, counts)
    assert_verified(ready_part, tables)
    assert_each_record_once(org, counts)


KILLED_LOAD = """
import sys
sys.path[:0] = [{root!r}]
from customers import MigrationHome
from targets.dynamics import DataverseCapabilities, flow

from pathlib import Path

home = MigrationHome(Path({home!r}))
part = flow.Partition(home, home.load({customer!r}), "trial")
# Small $batch requests, so the appointments take many of them and the pause lands between two.
capabilities = DataverseCapabilities(batch_operations=40)
flow.run(flow.load(part, {run_id!r}, "pytest", tables={tables!r}, clock_scale={scale!r}, capabilities=capabilities))
print("finished")
"""
# Rows of the org the migration may touch besides the mapped tables (a rollback must leave them as found).
ORG_TABLES = ["systemuser", "businessunit", "transactioncurrency", "team", "activityparty", "pricelevel"]


def kill_load_after_writes(
    part: flow.Partition, org: RunningEmulators, tmp_path: Path, run_id: str, tables: list[str], writes: int
) -> None:
    """Run a load of `tables` in its own process; once the org has written `writes` records it stops
    answering (the emulator's `pause_after_writes`: the last write applied, its response held), and the
    process is killed with SIGKILL there — a deterministic point, not a timing race."""
    control = org.dataverse_control
    pauses = control.stats()["faults"].get("pause", 0)
    control.set_faults(replace=True, pause_after_writes=writes)
    script = tmp_path / f"{run_id}.py"
    script.write_text(
        KILLED_LOAD.format(
            root=str(ROOT), home=str(part.home.root), customer=CUSTOMER, run_id=run_id, tables=tables, scale=TIME_SCALE
        ),
        encoding="utf-8",
    )
    process = subprocess.Popen(  # the secret reaches it through the environment only
        [sys.executable, str(script)], cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 300  # generous: only a load that never reaches the pause fails here
    try:
        while control.stats()["faults"].get("pause", 0) == pauses:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the load never reached the pause"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        out, err = process.communicate()
        control.clear_faults()  # requests the org had received are processed now, as a real server would
    assert process.returncode == -signal.SIGKILL and b"finished" not in out, err.decode()[-2000:]


@pytest.mark.parametrize(
    "rollback_order",
    [("run-killed-1", "run-killed-2", "run-resumed"), ("run-resumed", "run-killed-1", "run-killed-2")],
    ids=["oldest-first", "newest-first"],
)
def test_a_load_killed_twice_converges_and_every_run_rolls_back_to_the_pre_migration_org(
    ready_part: flow.Partition, org: RunningEmulators, tmp_path: Path, rollback_order: tuple[str, ...]
) -> None:
    part = ready_part
    counts = staged_counts(part)
    tables = [t for t in ("account", "contact", "appointment", "email") if t in counts]
    pre_migration = {t: emulator_rows(org, t) for t in [*tables, *ORG_TABLES]}

    # Killed a third of the way into the appointments, then again when the next run has re-sent a third.
    third = counts["appointment"] // 3
    kill_load_after_writes(part, org, tmp_path, "run-killed-1", tables, counts["account"] + counts["contact"] + third)
    landed = {t: len(emulator_rows(org, t)) - len(pre_migration[t]) for t in tables}
    assert landed["account"] == counts["account"] and landed["contact"] == counts["contact"]
    assert 0 < landed["appointment"] < counts["appointment"]  # killed in the middle of a table
    assert set(ledger_records(part).filter(pl.col("target_table") == "appointment")["status"]) == {"pending"}
    kill_load_after_writes(part, org, tmp_path, "run-killed-2", tables, third)

    outcome = load(part, "run-resumed", tables=tables)
    assert [t.table for t in outcome.tables if t.failed] == []
    assert_verified(part, tables)
    assert_each_record_once(org, {t: counts[t] for t in tables})
    records = ledger_records(part)
    assert records["status"].unique().to_list() == ["loaded"]
    assert records["created_by_migration"].all()
    # What the killed runs sent and never heard back about is still a create in the audit log, never an
    # update whose pre-image is the migration's own write (the resumed run read those records back).
    resumed = ledger_operations(part, "run-resumed")
    assert set(resumed["operation"]) <= {"create", "unchanged"}
    assert (
        resumed.filter(pl.col("operation") == "create")["pre_image"].null_count()
        == resumed.filter(pl.col("operation") == "create").height
    )
    # The killed runs' last intents were left open; the resumed run's outcomes answered them.
    with part.warehouse.connect(read_only=True) as con:
        answered = con.execute(
            "select run_id, count(*) from ledger.intent where outcome_run_id = 'run-resumed' and run_id != "
            "'run-resumed' group by run_id"
        ).fetchall()
        assert con.execute("select count(*) from ledger.intent where outcome is null").fetchall() == [(0,)]
    assert {run_id for run_id, n in answered if n} == {"run-killed-1", "run-killed-2"}

    for run_id in rollback_order:
        result = flow.run(flow.rollback(part, f"rollback-{run_id}", OPERATOR, load_run_id=run_id))
        assert result.failed == 0 and result.errors == {}, run_id
        assert result.restored == 0, run_id  # nothing the migration created is "reverted" to its own write
    assert {t: emulator_rows(org, t) for t in pre_migration} == pre_migration
    assert set(ledger_records(part)["status"]) == {"rolled_back"}


def test_one_record_dataverse_refuses_fails_alone_and_is_not_retried_for_ever(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    part = ready_part
    tables = ["account", "contact"]
    column = TABLES["contact"].column("jobtitle")
    assert column.max_length is not None
    with part.warehouse.connect() as con:
        contacts = [
            r[0]
            for r in con.execute(
                "select canonical_id from dynamics.contact where run_kind = ? order by canonical_id", [part.run_kind]
            ).fetchall()
        ]
        bad = contacts[len(contacts) // 2]
        con.execute(
            "update dynamics.contact set jobtitle = ? where run_kind = ? and canonical_id = ?",
            ["x" * (column.max_length + 1), part.run_kind, bad],
        )
    n = len(contacts)
    # Every contact in one UpsertMultiple (from the first request: no small start).
    capabilities = DataverseCapabilities(bulk_batch_size=1000, initial_bulk_batch_size=1000)

    control = org.dataverse_control
    before = control.stats()
    outcome = load(part, "run-1", tables=tables, capabilities=capabilities)
    after = control.stats()
    contact = next(t for t in outcome.tables if t.table == "contact")
    assert (contact.created, contact.failed) == (n - 1, 1)
    assert contact.errors == {"400 0x80044331": 1}
    # Halving isolates one bad record among n in 1 + 2·⌈log2 n⌉ requests: the refused ones (400) and the
    # accepted UpsertMultiple requests (one of them for the accounts).
    refused = _status_count(after, 400) - _status_count(before, 400)
    accepted = writes_between(before, after)["requests:UpsertMultiple"] - 1
    assert refused >= 1 and refused + accepted <= 1 + 2 * math.ceil(math.log2(n))

    failed = ledger_operations(part, "run-1").filter(pl.col("operation") == "failed")
    assert failed.select("target_table", "canonical_id", "http_status", "error_code").rows() == [
        ("contact", bad, 400, "0x80044331")
    ]
    message = failed["error_message"][0]
    assert "jobtitle" in message and str(column.max_length) in message
    stored = {str(r["contactid"]) for r in emulator_rows(org, "contact")}
    guids = {record_guid(part.config.customer_id, "contact", c) for c in contacts}
    assert stored == guids - {record_guid(part.config.customer_id, "contact", bad)}

    # A rerun sends the bad record once more, alone, and reports it again: no retry loop, nothing else sent.
    before = control.stats()
    rerun = load(part, "run-2", tables=tables, capabilities=capabilities)
    contact = next(t for t in rerun.tables if t.table == "contact")
    assert (contact.unchanged, contact.created, contact.updated, contact.failed) == (n - 1, 0, 0, 1)
    after = control.stats()
    assert writes_between(before, after) == {"created": 0, "updated": 0, "deleted": 0}
    assert _status_count(after, 400) - _status_count(before, 400) == 1
    again = ledger_operations(part, "run-2").filter(pl.col("operation") == "failed")
    assert again.select("canonical_id", "error_code").rows() == [(bad, "0x80044331")]


def test_a_batch_answer_lost_while_the_org_applied_it_is_verified_by_key_not_resent(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """Closed appointments whose subject changed go out as reopen → update → close change sets. The org applies
    the first such $batch and then stays busy far past the client's timeout: the loader must read those records
    by key, find them as sent (the content under the ledger's hash), and not send them again — one reopen, one
    update and one close per appointment, each record once, read-back clean, ledger consistent."""
    part = ready_part
    tables = ["account", "contact", "appointment"]
    counts = staged_counts(part, tables)
    load(part, "run-1", tables=tables)
    with part.warehouse.connect() as con:
        closed = con.execute(
            "select count(*) from dynamics.appointment where run_kind = ? and statecode in (1, 2)", [part.run_kind]
        ).fetchone()[0]
        con.execute(
            "update dynamics.appointment set subject = subject || ' (moved)' "
            "where run_kind = ? and statecode in (1, 2)",
            [part.run_kind],
        )
    assert closed > 0
    control = org.dataverse_control
    armed: list[str] = []

    def before_appointments(table: TableLoad) -> None:
        # Accounts and contacts are unchanged (no write), so the next write is the first appointment $batch.
        if table.table == "contact" and not armed:
            armed.append(table.table)
            control.set_faults(slow_next=1, slow_seconds=2000)  # 20 s here, against a 3 s client timeout

    before = control.stats()
    outcome = load(part, "run-2", tables=tables, progress=before_appointments, timeout_seconds=3.0)
    after = control.stats()
    control.clear_faults()

    appointment = next(t for t in outcome.tables if t.table == "appointment")
    assert armed and after["faults"].get("slow", 0) - before["faults"].get("slow", 0) == 1
    assert outcome.stats.connection_errors >= 1 and appointment.batch_size_shrunk >= 1
    assert (appointment.updated, appointment.failed, appointment.created) == (closed, 0, 0)
    # Reopen, update and close: three writes per changed appointment, none twice (a blind resend of the stalled
    # $batch would apply its change sets again).
    assert writes_between(before, after)["updated"] == 3 * closed
    updates = ledger_operations(part, "run-2").filter(pl.col("operation") == "update")
    assert updates.height == closed and updates["canonical_id"].n_unique() == closed
    assert_verified(part, tables)
    assert_each_record_once(org, counts)
