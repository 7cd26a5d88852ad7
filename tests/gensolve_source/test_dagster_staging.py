"""A Gensolve-sourced customer stages through Dagster: the `gensolve_stage` job reads every
raw_gensolve/<table> from the embedded database and maps it onto the staged layer in a real run."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from dagster_defs import REPOSITORY
from pipeline_helpers import register_customer, staged_frame

from migration_assets.partitions import add_customer_partition
from sources.registry import get_system
from targets.base import Partition


def test_gensolve_stage_job_reads_every_table_and_stages_the_clients(
    first_hop: Partition, instance: dg.DagsterInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    database = tmp_path / "gensolve-trial.duckdb"
    shutil.copy(first_hop.home.customer_dir(first_hop.config.customer_id) / "gensolve-trial.duckdb", database)
    register_customer(home, "gensolve-dagster", database, system="gensolve")
    monkeypatch.setenv("MIGRATION_HOME", str(home))
    add_customer_partition(instance, "gensolve-dagster")
    result = REPOSITORY.get_job("gensolve_stage").execute_in_process(
        partition_key=dg.MultiPartitionKey({"customer": "gensolve-dagster", "run": "trial"}),
        instance=instance,
        raise_on_error=False,
    )
    assert result.success
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {f"raw_gensolve/{t}" for t in get_system("gensolve").resources} <= materialised
    assert "staged/client" in materialised
    cliniko_clients = staged_frame(first_hop.home.root, first_hop.config.customer_id, "client")
    staged = staged_frame(home, "gensolve-dagster", "client")
    assert set(staged["origin_id"]) == set(cliniko_clients["canonical_id"])
