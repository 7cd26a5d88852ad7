"""The code location: assets, checks, jobs and resources, built from the registries."""

from __future__ import annotations

import dagster as dg

from migration_assets.alerting import alert_on_failed_error_checks, alert_on_run_failure
from migration_assets.delta import (
    delta_pickup_file_schedules,
    delta_pickup_jobs,
    delta_pickup_sensor,
    delta_verification,
    source_extract,
)
from migration_assets.dynamics import (
    dynamics_load,
    dynamics_migrate_job,
    dynamics_rollback,
    owner_resolution,
    prepared,
    schema_plan,
)
from migration_assets.jobs import build_staging_jobs
from migration_assets.post_migration import post_migration
from migration_assets.proposals import mapping_confirmation, mapping_proposal
from migration_assets.raw import build_raw_assets
from migration_assets.resources import MigrationHomeResource
from migration_assets.sensors import build_dump_arrival_sensor
from migration_assets.signoff import trial_signoff
from migration_assets.staged import build_staging_asset
from migration_assets.targets import build_target_assets


@dg.definitions
def defs() -> dg.Definitions:
    staging_jobs = build_staging_jobs()
    gensolve = build_target_assets("gensolve")
    return dg.Definitions(
        assets=[
            source_extract,
            *build_raw_assets(),
            build_staging_asset(),
            prepared,
            schema_plan,
            owner_resolution,
            dynamics_load,
            trial_signoff,
            mapping_proposal,
            mapping_confirmation,
            delta_verification,
            post_migration,
            *gensolve.assets,
        ],
        jobs=[*staging_jobs, dynamics_migrate_job, dynamics_rollback, *delta_pickup_jobs.values(), gensolve.job],
        sensors=[
            build_dump_arrival_sensor(staging_jobs),
            delta_pickup_sensor,
            alert_on_run_failure,
            alert_on_failed_error_checks,
        ],
        schedules=delta_pickup_file_schedules,
        resources={"migration_home": MigrationHomeResource(path=dg.EnvVar("MIGRATION_HOME"))},
        # One process per run: DuckDB and Polars already use both cores, a customer's database has a
        # single writer, and a subprocess per step would cost ~2 s of imports for each of ~25 steps.
        executor=dg.in_process_executor,
    )
