"""The code location loads, and its asset graph is pinned by a snapshot (review structural changes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from migration_assets.definitions import defs
from migration_assets.partitions import add_customer_partition

ROOT = Path(__file__).resolve().parents[2]


def _graph_description(definitions: dg.Definitions) -> dict[str, object]:
    graph = definitions.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "partitions": type(node.partitions_def).__name__ if node.partitions_def else None,
            "checks": sorted(c.name for c in node.check_keys),
        }
    jobs = sorted(j.name for j in definitions.resolve_all_job_defs() if not j.name.startswith("__"))
    return {"assets": assets, "jobs": jobs}


def test_definitions_load_and_validate() -> None:
    with dg.instance_for_test():
        definitions = defs()
        dg.Definitions.validate_loadable(definitions)
        assert definitions.resolve_job_def("cliniko_stage") is not None


def test_asset_graph_snapshot(snapshot) -> None:
    with dg.instance_for_test():
        assert _graph_description(defs()) == snapshot


def test_dg_check_defs_from_the_project(tmp_path: Path) -> None:
    """The same check CI users run by hand: `dg check defs` on the project's pyproject and workspace."""
    env = {
        "PATH": str(Path(sys.executable).parent),
        "HOME": str(tmp_path),
        "MIGRATION_HOME": str(tmp_path / "h"),
        "DAGSTER_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dg"), "check", "defs"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All definitions loaded successfully" in done.stdout + done.stderr


def test_customer_ids_are_validated_before_they_become_partitions() -> None:
    with dg.instance_for_test() as instance:
        assert add_customer_partition(instance, "acme-physio") is True
        assert add_customer_partition(instance, "acme-physio") is False
        for bad in ("Acme", "a|b", "a,b", "-lead", ""):
            with pytest.raises(ValueError, match="is not a slug"):
                add_customer_partition(instance, bad)
        assert instance.get_dynamic_partitions("customer") == ["acme-physio"]


def test_unknown_customer_partition_is_rejected(migration_home: Path) -> None:
    with dg.instance_for_test() as instance:
        job = defs().resolve_job_def("cliniko_stage")
        with pytest.raises(dg.DagsterUnknownPartitionError):
            job.execute_in_process(
                partition_key=dg.MultiPartitionKey({"customer": "nobody", "run": "trial"}), instance=instance
            )
