"""The post-migration checklist asset: the load run's checks rolled up into one pass/fail per partition
(its `passed` check is what the asset-check views show) and reports/<run kind>/post-migration.html."""

# No `from __future__ import annotations`: Dagster resolves the asset function's annotations itself.

import dagster as dg

from checks.post_migration import CheckOutcome, summarise, write_report
from migration_assets.delta import DELTA_KEY
from migration_assets.dynamics import GROUP, OWNERS_KEY, SCHEMA_PLAN_KEY, table_key
from migration_assets.partitions import migration_partitions, partition_parts
from migration_assets.resources import MigrationHomeResource
from migration_assets.step_guard import guarded_step
from store import Warehouse
from targets.dynamics.loader import LOAD_ORDER, TARGET

POST_MIGRATION_KEY = dg.AssetKey([GROUP, "post_migration"])
POST_MIGRATION_CHECK = "passed"


def _run_checks(context: dg.AssetExecutionContext) -> list[CheckOutcome]:
    """Every asset-check evaluation of this run so far (the load's, the delta's), latest per check."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
    ).records
    latest: dict[tuple[str, str], CheckOutcome] = {}
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data  # type: ignore[union-attr]
        asset = evaluation.asset_key.to_user_string()
        latest[(asset, evaluation.check_name)] = CheckOutcome(
            asset, evaluation.check_name, evaluation.passed, evaluation.severity.value, evaluation.description or ""
        )
    return list(latest.values())


@dg.asset(
    key=POST_MIGRATION_KEY,
    group_name=GROUP,
    partitions_def=migration_partitions,
    deps=[SCHEMA_PLAN_KEY, OWNERS_KEY, *[table_key(t) for t in LOAD_ORDER], DELTA_KEY],
    kinds={"html"},
    check_specs=[
        dg.AssetCheckSpec(
            POST_MIGRATION_CHECK,
            asset=POST_MIGRATION_KEY,
            partitions_def=migration_partitions,
            description="The post-migration checklist: every ERROR check of the load run (schema, owners, loaded, "
            "read-back with checksums, orphans, and the delta verification after a delta) passed.",
        )
    ],
    description="The load's checks rolled up into one verdict and reports/<run>/post-migration.html (counts, "
    "checks and the run's operations per table; no patient values).",
)
@guarded_step
def post_migration(context: dg.AssetExecutionContext, migration_home: MigrationHomeResource):
    customer_id, run_kind = partition_parts(context)
    config = migration_home.customer(customer_id)
    warehouse = Warehouse.for_customer(migration_home.home.customer_dir(customer_id))
    with warehouse.connect() as con:  # the ledger's tables are created if no load ever ran
        summary = summarise(con, customer_id, config.name, run_kind, context.run.run_id, _run_checks(context), TARGET)
    path = write_report(summary, migration_home.home.reports_dir(customer_id, run_kind))
    failing = [f"{c.asset}.{c.check}" for c in summary.failing]
    yield dg.MaterializeResult(
        metadata={
            "passed": summary.passed,
            "checks": len(summary.checks),
            "failing": dg.MetadataValue.json(failing),
            "records_in_target": summary.in_target,
            "report": dg.MetadataValue.path(str(path)),
        }
    )
    yield dg.AssetCheckResult(
        check_name=POST_MIGRATION_CHECK,
        passed=summary.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"failing": dg.MetadataValue.json(failing), "checks": len(summary.checks)},
        description="; ".join(failing) or "every check of the load passed",
    )
