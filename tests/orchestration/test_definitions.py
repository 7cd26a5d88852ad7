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
            "owners": sorted(node.owners),
            "kinds": sorted(node.kinds),
            **_columns(node.metadata),
        }
    jobs = sorted(j.name for j in definitions.resolve_all_job_defs() if not j.name.startswith("__"))
    return {"assets": assets, "jobs": jobs}


def _columns(metadata: dict) -> dict[str, object]:
    """Which columns are declared undescribed, and where each column's lineage points (staged entities)."""
    found: dict[str, object] = {}
    schema = metadata.get("dagster/column_schema")
    if schema is not None:
        found["undescribed_columns"] = sorted(c.name for c in schema.columns if not c.description)
    lineage = metadata.get("dagster/column_lineage")
    if lineage is not None:
        found["column_lineage_from"] = sorted(
            {d.asset_key.to_user_string() for deps in lineage.deps_by_column.values() for d in deps}
        )
    return found


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


def test_lineage_reads_as_the_audit_trail() -> None:
    """Issue 25 item 4: staged entity → target table edges for the data that flows, the approval report →
    signoff edge, lookups only between target tables, column lineage, owners and column descriptions."""
    with dg.instance_for_test():
        graph = defs().resolve_asset_graph()

    def parents(key: str) -> set[str]:
        return {p.to_user_string() for p in graph.get(dg.AssetKey(key.split("/"))).parent_keys}

    assert "staged/client" in parents("dynamics/contact")
    assert "staged/appointment" in parents("dynamics/appointment")
    assert "staged/invoice_line" in parents("dynamics/invoicedetail")
    assert "staged/client" in parents("gensolve/gpm_client")
    assert "reports/approval_report" in parents("signoff/trial_signoff")
    # Lookups only: an invoice line points at its invoice, never at unrelated tables (no all-to-all).
    assert {p for p in parents("dynamics/invoicedetail") if p.startswith("dynamics/") and "/" in p} == {
        "dynamics/invoice",
        "dynamics/prepared",
        "dynamics/schema_plan",
        "dynamics/owner_resolution",
    }
    assert "dynamics/contact" not in parents("dynamics/account")
    assert "gensolve/gpm_invoice" in parents("gensolve/gpm_invoice_line")
    contact = graph.get(dg.AssetKey(["dynamics", "contact"]))
    lineage = contact.metadata["dagster/column_lineage"].deps_by_column
    assert (
        dg.TableColumnDep(asset_key=dg.AssetKey(["staged", "client"]), column_name="first_name") in lineage["firstname"]
    )
    assert {d.column_name for d in lineage["birthdate"]} == {"date_of_birth"}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners, f"{key.to_user_string()} has no owner"
        assert "dagster/code_references" in node.metadata, key.to_user_string()
        schema = node.metadata.get("dagster/column_schema")
        if key.path[0] in {"staged", "dynamics", "gensolve"} and len(key.path) == 2 and schema is not None:
            described = [c for c in schema.columns if c.description]
            assert described, f"{key.to_user_string()} has no column descriptions"
