"""The Gensolve assets come from the same factory any target uses, and run as a real Dagster run."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster_defs import REPOSITORY

from migration_assets.partitions import add_customer_partition
from store.progress import STEPS
from targets.base import Partition
from targets.gensolve.catalogue import load_catalogue


def _migrate(
    partition: Partition, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> dg.ExecuteInProcessResult:
    """A `gensolve_migrate` run for the partition, launched as the UI would (schema plan applied)."""
    monkeypatch.setenv("MIGRATION_HOME", str(partition.home.root))
    add_customer_partition(instance, partition.config.customer_id)
    result = REPOSITORY.get_job("gensolve_migrate").execute_in_process(
        partition_key=dg.MultiPartitionKey({"customer": partition.config.customer_id, "run": "trial"}),
        instance=instance,
        run_config={"ops": {"gensolve__schema_plan": {"config": {"apply": True}}}},
        raise_on_error=False,
    )
    assert result.success
    return result


def test_gensolve_migrate_job_loads_checks_and_verifies(
    partition: Partition, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _migrate(partition, instance, monkeypatch)
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {f"gensolve/{t}" for t in load_catalogue().tables} <= materialised
    assert {"gensolve/prepared", "gensolve/schema_plan", "gensolve/post_migration"} <= materialised
    checks = result.get_asset_check_evaluations()
    assert {(c.asset_key.to_user_string(), c.check_name) for c in checks} >= {
        ("gensolve/gpm_client", "loaded"),
        ("gensolve/gpm_client", "readback"),
        ("gensolve/schema_plan", "schema_ready"),
        ("gensolve/post_migration", "checklist"),
    }
    assert all(c.passed for c in checks), [(c.asset_key, c.check_name) for c in checks if not c.passed]


def test_each_table_is_materialised_and_checked_as_it_finishes_with_progress_in_the_log(
    partition: Partition, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 25 item 2: the load step emits a table's materialisation and `loaded` check as soon as that table
    is done — before the next tables' progress lines and long before the step ends — and the read-back's
    checks likewise; the run log carries progress lines (done/total, records/s) for load and read-back."""
    result = _migrate(partition, instance, monkeypatch)
    entries = instance.all_logs(result.run_id)
    load_step = [e for e in entries if e.step_key == "gensolve_load"]
    tables = list(load_catalogue().tables)
    first, last = tables[0], tables[-1]

    def position(match) -> int:
        return next(i for i, e in enumerate(load_step) if match(e))

    def materialised(table: str):
        return lambda e: (
            e.dagster_event is not None
            and e.dagster_event.event_type_value == "ASSET_MATERIALIZATION"
            and e.dagster_event.asset_key == dg.AssetKey(["gensolve", table])
        )

    def checked(table: str, check: str):
        return lambda e: (
            e.dagster_event is not None
            and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
            and e.dagster_event.event_specific_data.asset_key == dg.AssetKey(["gensolve", table])
            and e.dagster_event.event_specific_data.check_name == check
        )

    def logged(prefix: str):
        return lambda e: e.dagster_event is None and e.user_message.startswith(prefix)

    step_end = position(lambda e: e.dagster_event is not None and e.dagster_event.event_type_value == "STEP_SUCCESS")
    # The first table's materialisation and `loaded` check arrive before the last table has even been loaded.
    assert position(materialised(first)) < position(logged(f"load gensolve/{last}:"))
    assert position(checked(first, "loaded")) < position(logged(f"load gensolve/{last}:"))
    # Its read-back check arrives before the last table's read-back, and everything before the step ends.
    assert position(checked(first, "readback")) < position(logged(f"read back gensolve/{last}:"))
    assert position(materialised(last)) < position(checked(first, "readback")) < step_end
    progress = [e.user_message for e in load_step if e.dagster_event is None]
    for table in tables:
        line = next(m for m in progress if m.startswith(f"load gensolve/{table}: "))
        assert " records" in line and "records/s" in line
        assert any(m.startswith(f"read back gensolve/{table}: ") for m in progress)
        # A steady rhythm, not a line per record: one per twentieth of the table (or per interval on a slow
        # machine) and the closing one.
        for step in ("load", "read back"):
            lines = [m for m in progress if m.startswith(f"{step} gensolve/{table}: ")]
            total = int(lines[-1].split(": ")[1].split("/")[1].split(" ")[0])
            if total > 4 * STEPS:
                assert len(lines) < total / 2, (step, table, len(lines), total)
    client = next(m for m in progress if m.startswith("load gensolve/gpm_client: "))
    assert client.split(": ")[1].split(" records")[0] == "60/60"  # the practice's 60 clients, all accounted for
