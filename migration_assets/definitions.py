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
from migration_assets.jobs import build_staging_jobs
from migration_assets.metadata import with_owners
from migration_assets.proposals import mapping_confirmation, mapping_confirmed, mapping_proposal
from migration_assets.raw import build_raw_assets
from migration_assets.resources import MigrationHomeResource
from migration_assets.sensors import build_dump_arrival_sensor
from migration_assets.signoff import trial_signoff
from migration_assets.staged import build_staging_asset
from migration_assets.targets import build_all_target_assets


@dg.definitions
def defs() -> dg.Definitions:
    staging_jobs = build_staging_jobs()
    targets = build_all_target_assets()  # every registered target, from its declaration
    assets = [
        source_extract,
        *build_raw_assets(),
        build_staging_asset(),
        trial_signoff,
        mapping_proposal,
        mapping_confirmation,
        delta_verification,
        *[a for t in targets for a in t.assets],
    ]
    return dg.Definitions(
        # Owners on every asset, and a link to the code that defines it (the UI's "code references").
        assets=dg.with_source_code_references(dg.map_asset_specs(with_owners, assets)),
        asset_checks=[mapping_confirmed],  # the mapping gate (issue 19), also run by every staging job
        jobs=[*staging_jobs, *[j for t in targets for j in t.jobs], *delta_pickup_jobs.values()],
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
