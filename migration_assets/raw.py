"""Raw layer factory: one asset per resource of each registered source system."""

# No `from __future__ import annotations` here: Dagster reads the asset functions' annotations at
# decoration time and cannot resolve string annotations.

import dagster as dg

from customers import CustomerConfigError
from mappings.spec import load_spec
from migration_assets.metadata import check_result, table_metadata
from migration_assets.partitions import migration_partitions, partition_parts
from migration_assets.resources import MigrationHomeResource
from migration_assets.step_guard import guarded_step
from sources.base import RawReadError, ResourceSpec, SourceSystem
from sources.raw_layer import load_raw_resource
from sources.registry import all_systems
from store import Warehouse

UNDECLARED_FIELDS_CHECK = "undeclared_fields"
# API sources are extracted into a dump snapshot first (migration_assets/delta.py); dumps need nothing.
EXTRACT_KEY = dg.AssetKey(["source", "extract"])


def raw_asset_key(system: str, resource: str) -> dg.AssetKey:
    return dg.AssetKey([f"raw_{system}", resource])


def build_raw_asset(system: SourceSystem, spec: ResourceSpec) -> dg.AssetsDefinition:
    key = raw_asset_key(system.name, spec.name)

    @dg.asset(
        key=key,
        group_name=f"raw_{system.name}",
        partitions_def=migration_partitions,
        deps=[EXTRACT_KEY],
        kinds={"duckdb", system.name},
        description=f"{system.title} `{spec.name}` as delivered, with the file and record of every row. "
        f"Grain: {spec.grain}.",
        check_specs=[
            dg.AssetCheckSpec(
                UNDECLARED_FIELDS_CHECK,
                asset=key,
                partitions_def=migration_partitions,
                description="Every field of the delivered records is declared in the source spec (mapped, or not "
                "migrated with a reason), and every typed column is read by the customer's mapping or declared not "
                "migrated. A field it does not know is kept in raw `_record` and listed in the approval report, so "
                "the mapping can be extended.",
            )
        ],
        tags={"migration/layer": "raw"},
    )
    @guarded_step
    def _raw(context: dg.AssetExecutionContext, migration_home: MigrationHomeResource):
        customer_id, run_kind = partition_parts(context)
        config = migration_home.customer(customer_id)
        if config.source.system != system.name:
            raise dg.Failure(
                description=f"customer {customer_id} uses source system {config.source.system!r}, "
                f"not {system.name!r}: launch the {config.source.system} job"
            )
        source = config.source_for(run_kind)
        mapping = load_spec(system.spec_name, config.mapping_overrides)
        try:
            summary = load_raw_resource(
                Warehouse.for_customer(migration_home.home.customer_dir(customer_id)),
                system,
                spec.name,
                migration_home.home.source_dir(config, run_kind),
                run_kind,
                location=source,
                columns_read=mapping.columns_read().get(spec.name, set()),
                not_migrated=mapping.not_migrated_columns.get(spec.name),
            )
        except (RawReadError, CustomerConfigError) as exc:
            raise dg.Failure(description=str(exc)) from None
        context.log.info(
            f"{summary.table}: {summary.rows} rows from {summary.source_file}"
            + (f"; {summary.repaired_records} records transcoded from cp1252" if summary.repaired_records else "")
            + "".join(f"; {n} records with {code}" for code, n in summary.issue_counts.items())
            + "".join(f"; {note}" for note in summary.notes)
        )
        yield dg.MaterializeResult(
            metadata={
                **table_metadata(summary.table, summary.rows, summary.columns),
                "source_file": dg.MetadataValue.path(summary.source_file),
                "records_transcoded_from_cp1252": summary.repaired_records,
                "records_with_read_issues": dg.MetadataValue.json(summary.issue_counts),
                "read_notes": "; ".join(summary.notes) or "none",
            }
        )
        yield check_result(
            UNDECLARED_FIELDS_CHECK,
            passed=not summary.undeclared_fields,
            severity="WARN",
            failed=len(summary.undeclared_fields),
            unit="undeclared fields",
            # Field names and record counts only, never values.
            breakdown=summary.undeclared_fields,
            heading="field not in the spec (records with it)",
            metadata={
                "undeclared_fields": dg.MetadataValue.json(summary.undeclared_fields),
                "records_checked": summary.rows,
            },
        )

    return _raw


def build_raw_assets() -> list[dg.AssetsDefinition]:
    return [build_raw_asset(system, spec) for system in all_systems() for spec in system.resources.values()]
