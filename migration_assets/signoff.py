"""The trial signoff: a customer-partitioned asset materialised from the Launchpad with who and why,
recording automatically what was approved; and the gate live loads pass."""

# No `from __future__ import annotations`: Dagster resolves the asset functions' annotations itself.

import time

import dagster as dg
from pydantic import Field

from checks.approval import customer_spec
from checks.iterations import latest_iteration
from checks.signoff import MappingVersions, live_gate, signoff_problems
from mappings.spec import load_spec
from migration_assets.metadata import latest_materialization
from migration_assets.partitions import customer_partitions
from migration_assets.resources import MigrationHomeResource
from migration_assets.staged import APPROVAL_REPORT_KEY
from migration_assets.step_guard import guarded_step
from store import Warehouse
from targets.registry import customer_target

SIGNOFF_KEY = dg.AssetKey(["signoff", "trial_signoff"])


class SignoffConfig(dg.Config):
    approved_by: str = Field(description="who approves the trial (name or email of the practice's signatory)")
    comment: str = Field(default="", description="what was reviewed, any accepted findings")
    approved: bool = Field(default=True, description="false records a rejection")


def current_versions(config: object) -> MappingVersions:
    """The versions of the customer's source spec and of its target's spec (`target.system`)."""
    target = customer_target(config)  # type: ignore[arg-type]
    return MappingVersions(customer_spec(config).version, load_spec(target.name).version)  # type: ignore[arg-type]


@dg.asset(
    key=SIGNOFF_KEY,
    group_name="signoff",
    partitions_def=customer_partitions,
    # What is signed off: the customer's latest trial approval report (either run kind's key maps to it).
    deps=[
        dg.AssetDep(
            APPROVAL_REPORT_KEY,
            partition_mapping=dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="customer"),
        )
    ],
    kinds={"python"},
    description="Signoff of the customer's trial migration. Launch it from the Launchpad with approved_by "
    "and a comment; it records the trial iteration, its run, checklist outcome, reconciliation "
    "and the mapping versions. Live loads refuse to run without a valid signoff.",
)
@guarded_step
def trial_signoff(context: dg.AssetExecutionContext, config: SignoffConfig, migration_home: MigrationHomeResource):
    customer_id = context.partition_key
    customer = migration_home.customer(customer_id)
    warehouse = Warehouse.for_customer(migration_home.home.customer_dir(customer_id))
    with warehouse.connect() as con:
        iteration = latest_iteration(con, "trial")
    versions = current_versions(customer)
    problems = signoff_problems(iteration, versions)
    if config.approved and problems:
        raise dg.Failure(description="the trial cannot be signed off: " + "; ".join(problems))
    return dg.MaterializeResult(
        metadata={
            "approved": config.approved,
            "approved_by": config.approved_by,
            "comment": config.comment,
            "signed_at": dg.MetadataValue.timestamp(time.time()),
            "trial_iteration": iteration.iteration if iteration else 0,
            "trial_run_id": (iteration.run_id or "") if iteration else "",
            "dump_checksum": (iteration.dump_checksum or "") if iteration else "",
            "trial_errors": iteration.errors if iteration else 0,
            "trial_warnings": iteration.warnings if iteration else 0,
            "reconciliation": dg.MetadataValue.json(iteration.reconciliation if iteration else {}),
            **versions.as_metadata(),
        }
    )


def latest_signoff(instance: dg.DagsterInstance, customer_id: str) -> dict[str, object] | None:
    """The metadata of the customer's latest signoff materialisation."""
    record = latest_materialization(instance, SIGNOFF_KEY, customer_id)
    if record is None or record.asset_materialization is None:
        return None
    return {k: v.value for k, v in record.asset_materialization.metadata.items()}


def require_signoff(context: dg.AssetExecutionContext, customer: object) -> None:
    """Fail a live step (blocking, with the reason) unless the trial was validly signed off."""
    reason = live_gate(latest_signoff(context.instance, customer.customer_id), current_versions(customer))  # type: ignore[attr-defined]
    if reason:
        raise dg.Failure(description=f"live load refused for {customer.customer_id}: {reason}")  # type: ignore[attr-defined]
