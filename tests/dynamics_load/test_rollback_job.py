"""Rollback's unhappy path, run as the `dynamics_rollback` job on a real Dagster instance: undoing one load run
puts the records it changed back to their pre-images; one whose pre-image the org refuses (its owner was
disabled meanwhile) is reported and left to do, and running the job again finishes it without redoing anything
(issue 23 item 3)."""

from __future__ import annotations

from typing import Any

import dagster as dg
import polars as pl
import pytest
from dagster_defs import REPOSITORY
from dynamics_load_helpers import CUSTOMER, ledger_operations, load

from emulators.launcher import RunningEmulators
from migration_assets.partitions import add_customer_partition
from targets.dynamics import flow
from targets.dynamics.payloads import record_guid

DISABLED_OWNER = "403 0x80040225"  # Dataverse refuses a disabled user as owner (research/dataverse.md §5.3)
TABLES = ["account", "contact", "appointment"]


def _call(part: flow.Partition, method: str, *args: Any, **kwargs: Any) -> Any:
    async def call() -> Any:
        async with flow.dataverse_client(part) as dv:
            return await getattr(dv, method)(*args, **kwargs)

    return flow.run(call())


def _appointments(part: flow.Partition) -> dict[str, dict[str, Any]]:
    rows = _call(part, "get_all", "appointments", select=["activityid", "description", "_ownerid_value"])
    return {str(r["activityid"]).lower(): {k: v for k, v in r.items() if k != "@odata.etag"} for r in rows}


def _rollback(instance: dg.DagsterInstance, load_run_id: str) -> dg.ExecuteInProcessResult:
    return REPOSITORY.get_job("dynamics_rollback").execute_in_process(
        partition_key=dg.MultiPartitionKey({"customer": CUSTOMER, "run": "trial"}),
        run_config={"ops": {"rollback_dynamics": {"config": {"load_run_id": load_run_id}}}},
        instance=instance,
        raise_on_error=False,
    )


def test_the_rollback_job_restores_pre_images_reports_a_refusal_and_resumes(
    ready_part: flow.Partition, org: RunningEmulators, monkeypatch: pytest.MonkeyPatch
) -> None:
    part = ready_part
    load(part, "run-1", tables=TABLES)
    # Two open bookings of two different clinicians change in the source; the second load updates them.
    with part.warehouse.connect() as con:
        picked = con.execute(
            "select min(canonical_id), ownerid from dynamics.appointment where run_kind = ? and statecode = 3 "
            "group by ownerid order by 1 limit 2",
            [part.run_kind],
        ).fetchall()
        assert len(picked) == 2
        con.execute(
            "update dynamics.appointment set description = 'Rebooked after a call' where run_kind = ? "
            "and canonical_id in (?, ?)",
            [part.run_kind, picked[0][0], picked[1][0]],
        )
    before = _appointments(part)
    outcome = load(part, "run-2", tables=TABLES)
    assert [(t.table, t.updated, t.created) for t in outcome.tables if t.written] == [("appointment", 2, 0)]
    restored_key, refused_key = (k for k, _owner in picked)
    restored, refused = (record_guid(CUSTOMER, "appointment", k) for k in (restored_key, refused_key))
    changed = _appointments(part)
    assert changed[restored]["description"] == changed[refused]["description"] == "Rebooked after a call"
    # The clinician owning the second booking leaves; an admin disables the account.
    leaver = before[refused]["_ownerid_value"]
    _call(part, "patch", "systemusers", leaver, {"isdisabled": True})

    with dg.instance_for_test() as instance:
        monkeypatch.setenv("MIGRATION_HOME", str(part.home.root))
        add_customer_partition(instance, CUSTOMER)
        first = _rollback(instance, "run-2")
        after_first = _appointments(part)
        _call(part, "patch", "systemusers", leaver, {"isdisabled": False})  # re-enabled for the retry
        second = _rollback(instance, "run-2")
        after_second = _appointments(part)

    failures = [e.event_specific_data.error.message for e in first.all_events if e.is_step_failure]
    assert not first.success and len(failures) == 1
    assert "1 records could not be rolled back" in failures[0] and DISABLED_OWNER in failures[0]
    assert after_first[restored] == before[restored]  # back to its pre-image
    assert after_first[refused] == changed[refused]  # refused: still as the second load left it
    assert {k: v for k, v in after_first.items() if k not in (restored, refused)} == {
        k: v for k, v in before.items() if k not in (restored, refused)
    }  # nothing else touched

    assert second.success
    assert after_second == before
    redone = ledger_operations(part, second.run_id)
    assert redone.select("canonical_id", "operation").rows() == [(refused_key, "reverted")]  # nothing redone
    attempts = ledger_operations(part, first.run_id).filter(pl.col("operation") == "failed")
    assert attempts.select("canonical_id", "http_status", "error_code").rows() == [(refused_key, 403, "0x80040225")]
