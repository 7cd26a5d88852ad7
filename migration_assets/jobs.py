"""Jobs a migration engineer launches per partition: one per source system (raw → staged → report)."""

from __future__ import annotations

import dagster as dg

from migration_assets.proposals import mapping_confirmed
from migration_assets.raw import EXTRACT_KEY
from sources.registry import all_systems


def staging_job_name(system: str) -> str:
    return f"{system}_stage"


def build_staging_jobs() -> list[dg.UnresolvedAssetJobDefinition]:
    return [
        dg.define_asset_job(
            staging_job_name(system.name),
            selection=dg.AssetSelection.assets(EXTRACT_KEY)
            | dg.AssetSelection.groups(f"raw_{system.name}", "staged", "reports")
            # The mapping gate shows in every staging run: failed while a proposal awaits confirmation.
            | dg.AssetSelection.checks(mapping_confirmed),
            description=f"Extract (API sources) or read a {system.title} dump into raw tables, check the mapping "
            "is confirmed, map it onto the canonical model, run the approval checklist and write the approval "
            "report, for one customer|run partition.",
            tags={"migration/source_system": system.name},
        )
        for system in all_systems()
    ]
