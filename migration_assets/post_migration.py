"""A target's post-migration verdict `<schema>/post_migration`: the load run's checks rolled up into one
pass/fail per partition (its `passed` check is what the asset-check views show) and
reports/<run kind>/post-migration.html; a target with a checklist of its own (Gensolve: balances, the
future diary, claims) adds it as the `checklist` check. Built for each target by the target factory."""

# No `from __future__ import annotations`: Dagster resolves the asset function's annotations itself.

import re
from datetime import UTC, datetime

import dagster as dg

from checks.blocking import severity_label
from checks.post_migration import CheckOutcome, summarise, write_report
from migration_assets.blocking import tag_verdict
from migration_assets.delta import DELTA_KEY
from migration_assets.metadata import check_result
from migration_assets.partitions import migration_partitions, partition_parts
from migration_assets.resources import MigrationHomeResource
from migration_assets.step_guard import guarded_step
from targets.base import Partition, Target

POST_MIGRATION_CHECK = "passed"
CHECKLIST_CHECK = "checklist"


def post_migration_key(target: Target) -> dg.AssetKey:
    return dg.AssetKey([target.schema, "post_migration"])


def _run_checks(context: dg.AssetExecutionContext) -> list[CheckOutcome]:
    """Every asset-check evaluation of this run so far (the load's, the delta's), latest per check."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
    ).records
    graph = context.job_def.asset_layer.asset_graph
    latest: dict[tuple[str, str], CheckOutcome] = {}
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data  # type: ignore[union-attr]
        asset = evaluation.asset_key.to_user_string()
        key = dg.AssetCheckKey(evaluation.asset_key, evaluation.check_name)
        spec = graph.get_check_spec(key) if key in graph.asset_check_keys else None
        failed = evaluation.metadata.get("failed")
        latest[(asset, evaluation.check_name)] = CheckOutcome(
            asset,
            evaluation.check_name,
            evaluation.passed,
            evaluation.severity.value,
            evaluation.description or "",
            # The spec's "[ERROR · blocking] " prefix repeats the severity column.
            re.sub(r"^\[[^\]]*\]\s*", "", spec.description or "") if spec else "",
            int(failed.value) if failed is not None and isinstance(failed.value, int) else 0,
        )
    return list(latest.values())


def build_post_migration(target: Target, deps: list[dg.AssetKey]) -> dg.AssetsDefinition:
    key = post_migration_key(target)
    check_specs = [
        dg.AssetCheckSpec(
            POST_MIGRATION_CHECK,
            asset=key,
            # Blocking: a failed verdict fails the load run (checks/blocking.py), never a plain success.
            blocking=True,
            partitions_def=migration_partitions,
            description="The post-migration checklist: every ERROR check of the load run (plan steps, loaded, "
            "read-back, the target's own table checks, and the delta verification after a delta) passed"
            + (", and every item of the target's checklist holds." if target.has_checklist else "."),
        )
    ]
    if target.has_checklist:
        check_specs.append(
            dg.AssetCheckSpec(
                CHECKLIST_CHECK,
                asset=key,
                # Blocking: a failed checklist fails the load run (checks/blocking.py), never a plain success.
                blocking=True,
                partitions_def=migration_partitions,
                description=f"[{severity_label('ERROR')}] Every item of the target's post-migration checklist holds.",
            )
        )

    @dg.asset(
        key=key,
        group_name=target.schema,
        partitions_def=migration_partitions,
        deps=[*deps, DELTA_KEY],
        kinds={"html"},
        check_specs=check_specs,
        description="The load's checks rolled up into one verdict and reports/<run>/post-migration.html (counts, "
        "checks and the run's operations per table; no patient values).",
    )
    @guarded_step
    def post_migration(context: dg.AssetExecutionContext, migration_home: MigrationHomeResource):
        customer_id, run_kind = partition_parts(context)
        config = migration_home.customer(customer_id)
        part = Partition(migration_home.home, config, run_kind)
        outcomes = _run_checks(context)
        checklist_result = None
        if target.has_checklist:
            items = target.checklist(part, datetime.now(UTC))
            failed = [i.name for i in items if not i.passed]
            checklist_result = check_result(
                CHECKLIST_CHECK,
                passed=not failed,
                failed=len(failed),
                checked=len(items),
                unit="checklist items",
                breakdown={i.name: len(i.mismatches) or 1 for i in items if not i.passed},
                heading="failing item (mismatches)",
                metadata={
                    "items": dg.MetadataValue.json(
                        {i.name: {"compared": i.compared, "mismatches": len(i.mismatches)} for i in items}
                    ),
                    "failing": dg.MetadataValue.json(failed),
                },
            )
            # A passing checklist does not make a run whose load checks never ran pass (a load with no checks at
            # all did not pass, checks/post_migration.py); a failing one always counts.
            if outcomes or failed:
                outcomes.append(
                    CheckOutcome(key.to_user_string(), CHECKLIST_CHECK, not failed, "ERROR", "; ".join(failed))
                )
        with part.warehouse.connect() as con:  # the ledger's tables are created if no load ever ran
            summary = summarise(con, customer_id, config.name, run_kind, context.run.run_id, outcomes, target.name)
        record = context.instance.get_run_record_by_id(context.run.run_id)
        started = (record.start_time or record.create_timestamp.timestamp()) if record else 0.0
        path = write_report(summary, part.reports, since=started)
        failing = [f"{c.asset}.{c.check}" for c in summary.failing]
        tag_verdict(context, summary.passed)
        # The same counts as the kept report and the index (issue 25 item 6: counts agree everywhere).
        context.log.info(
            f"post-migration verdict {'passed' if summary.passed else 'failed'}: {len(summary.failing)} ERROR checks "
            f"failing of {len(summary.checks)}; this run wrote {summary.written} records, {summary.in_target} in the "
            f"target; reports kept in {path.parent}"
        )
        yield dg.MaterializeResult(
            metadata={
                "passed": summary.passed,
                "checks": len(summary.checks),
                "failing": dg.MetadataValue.json(failing),
                "records_in_target": summary.in_target,
                "report": dg.MetadataValue.path(str(path)),
            }
        )
        if checklist_result is not None:
            yield checklist_result
        yield check_result(
            POST_MIGRATION_CHECK,
            passed=summary.passed,
            failed=len(summary.failing) if summary.checks else 1,
            checked=len(summary.checks),
            unit="checks",
            breakdown={f"{c.asset}.{c.check}": c.failed or 1 for c in summary.failing} or {"no_check_ran": 1},
            records=path,
            heading="failing check (records or findings)",
            metadata={"failing": dg.MetadataValue.json(failing), "checks": len(summary.checks)},
        )

    return post_migration
