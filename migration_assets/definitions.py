"""The code location: assets, checks, jobs and resources, built from the registries."""

from __future__ import annotations

import warnings

import dagster as dg

from migration_assets.jobs import build_staging_jobs
from migration_assets.raw import build_raw_assets
from migration_assets.resources import MigrationHomeResource
from migration_assets.staged import build_staging_asset

# Partitioned asset checks are preview in Dagster 1.13 (research/dagster.md §0.2 E); the pins are exact.
warnings.filterwarnings("ignore", category=dg.PreviewWarning)
warnings.filterwarnings("ignore", category=dg.BetaWarning)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[*build_raw_assets(), build_staging_asset()],
        jobs=build_staging_jobs(),
        resources={"migration_home": MigrationHomeResource(path=dg.EnvVar("MIGRATION_HOME"))},
        # One process per run: DuckDB and Polars already use both cores, a customer's database has a
        # single writer, and a subprocess per step would cost ~2 s of imports for each of ~25 steps.
        executor=dg.in_process_executor,
    )
