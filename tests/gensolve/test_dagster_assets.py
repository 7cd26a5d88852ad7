"""The Gensolve assets come from the same factory any target uses, and run as a real Dagster run."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster_defs import REPOSITORY

from migration_assets.partitions import add_customer_partition
from targets.base import Partition
from targets.gensolve.catalogue import load_catalogue


def test_gensolve_migrate_job_loads_checks_and_verifies(
    partition: Partition, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGRATION_HOME", str(partition.home.root))
    add_customer_partition(instance, partition.config.customer_id)
    result = REPOSITORY.get_job("gensolve_migrate").execute_in_process(
        partition_key=dg.MultiPartitionKey({"customer": partition.config.customer_id, "run": "trial"}),
        instance=instance,
        run_config={"ops": {"gensolve__schema_plan": {"config": {"apply": True}}}},
        raise_on_error=False,
    )
    assert result.success
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
