"""Staged layer factory: one step maps a partition onto every canonical entity, runs the approval
checklist as asset checks and writes the approval report.

One step rather than one per entity: entities reference each other (merged clients rewire their
appointments), and a trial must report every entity's findings at once — separate steps would let
a blocking check on `client` stop `appointment` from being reviewed at all. Blocking checks stop the
target loads downstream of this step.
"""

# No `from __future__ import annotations`: Dagster resolves the asset function's annotations itself.

import dagster as dg

from checks.approval import ApprovalOutcome, stage_and_check
from checks.blocking import is_blocking, severity_label
from checks.canonical import CANONICAL_MODELS
from checks.checklist import CheckResult, checks_for
from checks.report import FINDINGS_FILE
from mappings.models import CanonicalModel
from mappings.spec import MappingSpec, load_spec
from migration_assets.blocking import tag_verdict
from migration_assets.metadata import check_result, column_schema, table_metadata
from migration_assets.partitions import migration_partitions, partition_parts
from migration_assets.proposals import require_confirmed_mapping
from migration_assets.raw import raw_asset_key
from migration_assets.resources import MigrationHomeResource
from migration_assets.step_guard import guarded_step
from sources.registry import all_systems
from store.progress import ProgressReporter

STAGED_GROUP = "staged"
SIDE_TABLES = {
    "rejects": "Rows not staged, each with entity, source id, file record, reason code and message.",
    "field_issues": "Values left empty or repaired during mapping, by record, field and reason code.",
    "merges": "Suspected duplicates merged into a survivor, with the rule that matched.",
    "reconciliation": "Per entity and source table: rows considered, staged, merged and rejected.",
}
APPROVAL_REPORT_KEY = dg.AssetKey(["reports", "approval_report"])


def staged_key(entity: str) -> dg.AssetKey:
    return dg.AssetKey([STAGED_GROUP, entity])


def system_specs() -> list[MappingSpec]:
    return [load_spec(system.spec_name) for system in all_systems()]


def _entity_deps(specs: list[MappingSpec]) -> dict[str, set[dg.AssetKey]]:
    deps: dict[str, set[dg.AssetKey]] = {}
    for spec in specs:
        for entity, entity_spec in spec.entities.items():
            tables = {s.table for s in entity_spec.sources} | {
                j.table for s in entity_spec.sources for j in s.joins.values()
            }
            deps.setdefault(entity, set()).update(raw_asset_key(spec.system, t) for t in tables)
    return deps


def _check_result(result: CheckResult, approval: ApprovalOutcome) -> dg.AssetCheckResult:
    outcome = result.outcome
    return check_result(
        result.definition.name,
        asset_key=staged_key(result.definition.entity),
        passed=outcome.passed,
        severity=result.definition.severity,
        failed=outcome.failed,
        checked=outcome.checked,
        # Keys are rule/field/code names and values are counts. The flagged records' ids are in the customer's
        # findings.csv beside the report, never here (README, "Privacy").
        breakdown=outcome.breakdown,
        records=approval.report_path.parent / FINDINGS_FILE,
        metadata={
            # What was reviewed: a practice's feedback quotes these (issue #5).
            "iteration": approval.iteration.iteration,
            "mapping/spec_version": approval.spec.version,
            "dump_checksum": approval.iteration.dump_checksum or "",
        },
    )


def build_staging_asset() -> dg.AssetsDefinition:
    specs = system_specs()
    deps = _entity_deps(specs)
    entities = [e for e in CANONICAL_MODELS if e in deps]
    asset_specs = [
        dg.AssetSpec(
            staged_key(e),
            group_name=STAGED_GROUP,
            deps=sorted(deps[e], key=str),
            kinds={"duckdb", "polars"},
            description=(CANONICAL_MODELS[e].__doc__ or "").strip(),
            tags={"migration/layer": "staged"},
            # Columns and their descriptions from the Pandera model (checks/canonical/).
            metadata={"dagster/column_schema": column_schema(CanonicalModel().fields(e))},
        )
        for e in entities
    ]
    asset_specs += [
        dg.AssetSpec(
            dg.AssetKey([STAGED_GROUP, name]),
            group_name=STAGED_GROUP,
            description=text,
            kinds={"duckdb"},
            deps=[staged_key(e) for e in entities],
        )
        for name, text in SIDE_TABLES.items()
    ]
    asset_specs.append(
        dg.AssetSpec(
            APPROVAL_REPORT_KEY,
            group_name="reports",
            kinds={"html"},
            deps=[staged_key(e) for e in entities] + [dg.AssetKey([STAGED_GROUP, n]) for n in SIDE_TABLES],
            description="The approval report a practice reviews before signoff (HTML + CSVs under the customer's "
            "folder; it holds patient data, so its contents never reach Dagster).",
        )
    )
    check_specs = [
        dg.AssetCheckSpec(
            d.name,
            asset=staged_key(e),
            blocking=is_blocking(d.severity),
            partitions_def=migration_partitions,
            description=f"[{severity_label(d.severity)}] {d.description}",
        )
        for e in entities
        for d in checks_for(e)
    ]

    @dg.multi_asset(
        name="stage_and_check",
        specs=asset_specs,
        check_specs=check_specs,
        partitions_def=migration_partitions,
        can_subset=False,
    )
    @guarded_step
    def stage_and_check_asset(context: dg.AssetExecutionContext, migration_home: MigrationHomeResource):
        customer_id, run_kind = partition_parts(context)
        config = migration_home.customer(customer_id)
        require_confirmed_mapping(migration_home.home, config, run_kind)  # issue 19: no record moves unconfirmed
        staging = ProgressReporter(
            f"stage {customer_id}|{run_kind}", len(entities), context.log.info, unit="entities", every=1
        )

        def staged(entity: str, rows: int) -> None:
            context.log.info(f"staged {entity}: {rows} rows")
            staging.update(staging.done + 1)

        outcome = stage_and_check(migration_home.home, config, run_kind, run_id=context.run.run_id, progress=staged)
        staging.finish()
        counts = outcome.staging.result
        for entity in entities:
            table = outcome.staging.tables.get(entity)
            # The customer's source system does not provide the entity, or its spec declares it not
            # migrated (mappings/<spec>.yaml `not_migrated`: staged empty, with no mapping result).
            if table is None or entity not in counts.entities:
                yield dg.MaterializeResult(
                    asset_key=staged_key(entity), metadata={"dagster/row_count": 0, "provided_by_source": False}
                )
                continue
            result = counts.entities[entity]
            yield dg.MaterializeResult(
                asset_key=staged_key(entity),
                metadata={
                    **table_metadata(table.table, table.rows, table.columns),
                    "mapping/spec_version": outcome.spec.version,
                    "merged": result.merged,
                    "rejected": result.rejected,
                    "field_issues": result.issues,
                },
            )
        for name in SIDE_TABLES:
            table = outcome.staging.tables[name]
            yield dg.MaterializeResult(
                asset_key=dg.AssetKey([STAGED_GROUP, name]),
                metadata={
                    **table_metadata(table.table, table.rows, table.columns),
                    "mapping/spec_version": outcome.spec.version,
                },
            )
        failing = [r for r in outcome.results if not r.passed]
        tag_verdict(context, not outcome.blocking_failures)
        context.log.info(
            f"iteration {outcome.iteration.iteration}: {len(outcome.blocking_failures)} ERROR checks failing "
            f"(blocking), {outcome.iteration.warnings} WARN (for review); reconciliation "
            f"{outcome.iteration.reconciliation}; approval report kept in {outcome.report_path.parent}"
        )
        yield dg.MaterializeResult(
            asset_key=APPROVAL_REPORT_KEY,
            metadata={
                "path": dg.MetadataValue.path(str(outcome.report_path)),
                "iteration": outcome.iteration.iteration,
                "dump_checksum": outcome.iteration.dump_checksum or "",
                "mapping/spec_version": outcome.spec.version,
                "checks": len(outcome.results),
                "errors": sum(1 for r in failing if r.definition.severity == "ERROR"),
                "warnings": sum(1 for r in failing if r.definition.severity == "WARN"),
            },
        )
        for result in outcome.results:
            yield _check_result(result, outcome)
        # Entities another system's spec maps but this customer's source does not provide (a template's
        # payments for a Cliniko customer) are staged empty above; their checks have no row to find fault with.
        checked = {(r.definition.entity, r.definition.name) for r in outcome.results}
        for entity in entities:
            for definition in checks_for(entity):
                if (entity, definition.name) not in checked:
                    yield dg.AssetCheckResult(
                        asset_key=staged_key(entity),
                        check_name=definition.name,
                        passed=True,
                        description="not provided by the customer's source system: staged empty",
                        metadata={"checked": 0, "provided_by_source": False},
                    )

    return stage_and_check_asset
