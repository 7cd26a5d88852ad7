"""Jobs the hardening tests run through `dg.execute_job` (importable by name, so runs are reconstructable
and Dagster captures their compute logs like a deployed run's)."""

# No `from __future__ import annotations`: Dagster reads the asset function's annotations itself.

import dagster as dg

from migration_assets.definitions import defs
from migration_assets.partitions import migration_partitions
from migration_assets.resources import MigrationHomeResource
from migration_assets.step_guard import guarded_step

# What an unexpected exception in a step quotes (a conversion error quoting the cell, say).
LEAKED_VALUE = "Leaky McPatient 1961-02-03"


def cliniko_stage() -> dg.JobDefinition:
    return defs().resolve_job_def("cliniko_stage")


@dg.asset(partitions_def=migration_partitions)
@guarded_step
def leaky_step(context: dg.AssetExecutionContext, migration_home: MigrationHomeResource) -> None:
    """A step failing the way third-party code fails: its message holds a patient's value."""
    print(f"parsing {LEAKED_VALUE}")
    raise ValueError(f"could not convert {LEAKED_VALUE!r} to date")


def leaky_job() -> dg.JobDefinition:
    definitions = dg.Definitions(
        assets=[leaky_step],
        jobs=[dg.define_asset_job("leaky", selection=[leaky_step])],
        resources={"migration_home": MigrationHomeResource(path=dg.EnvVar("MIGRATION_HOME"))},
        executor=dg.in_process_executor,
    )
    return definitions.resolve_job_def("leaky")


def partition_tags(customer_id: str, run_kind: str) -> dict[str, str]:
    return {
        "dagster/partition": f"{customer_id}|{run_kind}",
        "dagster/partition/customer": customer_id,
        "dagster/partition/run": run_kind,
    }
