"""The trial signoff is under the per-customer run limit like every other run of the customer: the queue limits
runs by `dagster/partition/customer` (dagster_home/dagster.yaml), which Dagster sets only on multi-partition
runs; the instance's run coordinator gives a run partitioned by customer alone that tag when it is queued."""

from __future__ import annotations

import uuid
from pathlib import Path

import dagster as dg
import yaml
from dagster._core.remote_origin import RegisteredCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.run_coordinator import SubmitRunContext
from dagster_defs import DEFINITIONS

from migration_assets.partitions import customer_partitions, migration_partitions
from migration_assets.run_coordinator import CUSTOMER_TAG, CustomerQueuedRunCoordinator
from migration_assets.signoff import SIGNOFF_KEY

REPO = Path(__file__).resolve().parents[2]
COORDINATOR = {"module": "migration_assets.run_coordinator", "class": "CustomerQueuedRunCoordinator"}
# Where a queued run says its job comes from (Dagster refuses to queue a run without one); never loaded here.
ORIGIN = RemoteJobOrigin(
    RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("migration_assets"), "__repository__"), "__ASSET_JOB"
)


def test_the_instance_limits_one_run_per_customer_by_the_tag_the_coordinator_sets() -> None:
    for path in (REPO / "dagster_home" / "dagster.yaml", REPO / "deploy" / "dagster.yaml"):
        instance = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert {k: instance["run_coordinator"][k] for k in COORDINATOR} == COORDINATOR, path
        limits = instance["concurrency"]["runs"]["tag_concurrency_limits"]
        per_customer = [limit for limit in limits if limit["key"] == CUSTOMER_TAG]
        assert per_customer == [{"key": CUSTOMER_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": 1}]


def test_a_one_dimension_partition_key_is_a_customer_id() -> None:
    """The coordinator reads a partition key without dimension tags as a customer id: true while every
    partitioned asset is partitioned by customer × run or by customer alone, as the signoff is."""
    graph = DEFINITIONS.resolve_asset_graph()
    partitioned = {node.key: node.partitions_def for node in graph.asset_nodes if node.partitions_def is not None}
    assert set(partitioned.values()) <= {migration_partitions, customer_partitions}
    assert partitioned[SIGNOFF_KEY] == customer_partitions


def _submitted(instance: dg.DagsterInstance, tags: dict[str, str]) -> dg.DagsterRun:
    run = dg.DagsterRun(
        job_name="__ASSET_JOB",
        run_id=str(uuid.uuid4()),
        tags=tags,
        asset_selection=frozenset({SIGNOFF_KEY}),
        remote_job_origin=ORIGIN,
    )
    instance.add_run(run)
    coordinator = instance.run_coordinator
    assert isinstance(coordinator, CustomerQueuedRunCoordinator)
    queued = coordinator.submit_run(SubmitRunContext(run, workspace=None))  # type: ignore[arg-type]
    assert queued.status == dg.DagsterRunStatus.QUEUED
    return queued


def test_a_signoff_run_is_queued_with_its_customers_tag() -> None:
    with dg.instance_for_test(overrides={"run_coordinator": COORDINATOR}) as instance:
        signoff = _submitted(instance, {"dagster/partition": "acme"})
        assert signoff.tags[CUSTOMER_TAG] == "acme"
        stored = instance.get_run_by_id(signoff.run_id)
        assert stored is not None and stored.tags[CUSTOMER_TAG] == "acme"

        # A customer × run partition keeps the tags Dagster gave it; an unpartitioned run gets none.
        trial = {"dagster/partition": "acme|trial", CUSTOMER_TAG: "acme", "dagster/partition/run": "trial"}
        assert dict(_submitted(instance, trial).tags) == trial
        assert CUSTOMER_TAG not in _submitted(instance, {"team": "ops"}).tags
        # A key that is no customer id (not a slug) is not taken for one.
        assert CUSTOMER_TAG not in _submitted(instance, {"dagster/partition": "2026-01-01|x"}).tags
