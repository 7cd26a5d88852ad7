"""One factory for a target's Dagster assets and checks, built from what the target declares
(targets.base.Target): `<schema>/prepared`, `<schema>/schema_plan`, one `<schema>/<table>` per target
table loaded by one multi-asset with a `loaded` and a `readback` check each, `<schema>/post_migration`
when the target has a post-migration checklist, and the `<schema>_migrate` job. Bodies call the
target's steps; nothing else happens here. (migration_assets/dynamics.py predates this factory.)"""

# No `from __future__ import annotations`: Dagster resolves the asset functions' annotations itself.

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from checks.blocking import severity_label
from migration_assets.blocking import LoadGateConfig, gate_load, tag_verdict
from migration_assets.metadata import check_result
from migration_assets.partitions import migration_partitions, partition_parts
from migration_assets.resources import MigrationHomeResource
from migration_assets.signoff import SIGNOFF_KEY, require_signoff
from migration_assets.staged import APPROVAL_REPORT_KEY
from migration_assets.step_guard import guarded_step
from targets.base import Partition, Target
from targets.registry import get_target


class TargetPlanConfig(dg.Config):
    apply: bool = Field(default=False, description="Create what the target lacks (tables, columns, keys).")


@dataclass(frozen=True)
class TargetAssets:
    assets: list[dg.AssetsDefinition]
    job: object  # the unresolved asset job dg.define_asset_job returns


def _partition(context: dg.AssetExecutionContext, home: MigrationHomeResource) -> Partition:
    customer_id, run_kind = partition_parts(context)
    part = Partition(home.home, home.customer(customer_id), run_kind)
    if run_kind == "live":
        require_signoff(context, part.config)
    return part


def _operator(context: dg.AssetExecutionContext) -> str:
    """Who launched the load: the run's `migration/operator` or `dagster/user` tag, else the OS user."""
    tags = context.run.tags
    return tags.get("migration/operator") or tags.get("dagster/user") or getpass.getuser()


def build_target_assets(name: str) -> TargetAssets:
    target: Target = get_target(name)
    group = target.schema

    def key(*path: str) -> dg.AssetKey:
        return dg.AssetKey([group, *path])

    prepared_key, plan_key = key("prepared"), key("schema_plan")
    tables = target.tables()

    @dg.asset(
        key=prepared_key,
        group_name=group,
        partitions_def=migration_partitions,
        deps=[APPROVAL_REPORT_KEY, SIGNOFF_KEY],
        kinds={"duckdb", "polars"},
        description=f"Staged canonical data mapped onto the {target.title} tables, in the customer's `{group}` schema.",
    )
    @guarded_step
    def prepared(context: dg.AssetExecutionContext, config: LoadGateConfig, migration_home: MigrationHomeResource):
        part = _partition(context, migration_home)
        gate = gate_load(
            context, part.config, part.run_kind, migration_home.home.customer_dir(part.config.customer_id), config
        )
        summary = target.prepare(part)
        return dg.MaterializeResult(
            metadata={
                "mapping/spec_version": summary.spec_version,
                "rows": dg.MetadataValue.json({t: s.rows for t, s in summary.tables.items() if t in tables}),
                "rejected": summary.tables["rejects"].rows,
                **gate,
            }
        )

    @dg.asset(
        key=plan_key,
        group_name=group,
        partitions_def=migration_partitions,
        deps=[prepared_key],
        kinds={name},
        check_specs=[
            dg.AssetCheckSpec(
                "schema_ready",
                asset=plan_key,
                blocking=True,
                partitions_def=migration_partitions,
                description="Everything the target's tables need exists in the target.",
            )
        ],
        description=f"What the {target.title} lacks for the mapped tables; created only with `apply`.",
    )
    @guarded_step
    def schema_plan(context: dg.AssetExecutionContext, config: TargetPlanConfig, migration_home: MigrationHomeResource):
        plan = target.plan(_partition(context, migration_home), config.apply)
        yield dg.MaterializeResult(
            metadata={
                "items": plan.items,
                "missing": len(plan.missing),
                "applied": config.apply,
                **({"path": dg.MetadataValue.path(str(plan.report))} if plan.report else {}),
            }
        )
        yield check_result(
            "schema_ready",
            passed=plan.ready,
            failed=len(plan.missing),
            checked=plan.items,
            unit="tables and columns",
            breakdown={str(m): 1 for m in plan.missing[:50]},
            heading="missing in the target",
            metadata={"missing": dg.MetadataValue.json(plan.missing[:50])},
        )

    @dg.multi_asset(
        name=f"{group}_load",
        partitions_def=migration_partitions,
        pool=f"{group}_target",
        can_subset=False,
        specs=[
            dg.AssetSpec(
                key(t),
                group_name=group,
                kinds={name},
                deps=[plan_key, prepared_key, *[key(p) for p in tables[:i]]],
                description=f"`{t}` loaded into the {target.title}",
            )
            for i, t in enumerate(tables)
        ],
        check_specs=[
            dg.AssetCheckSpec(
                check,
                asset=key(t),
                blocking=False,
                partitions_def=migration_partitions,
                description=text,
            )
            for t in tables
            for check, text in (
                (
                    "loaded",
                    f"[{severity_label('ERROR')}] Every mapped row was written (none rejected by a rule or the "
                    "target).",
                ),
                (
                    "readback",
                    f"[{severity_label('ERROR')}] Every row read back equals what was sent, column by column.",
                ),
            )
        ],
    )
    @guarded_step
    def load(context: dg.AssetExecutionContext, migration_home: MigrationHomeResource):
        part = _partition(context, migration_home)
        loads = {t.table: t for t in target.load(part, context.run.run_id, _operator(context)).tables}
        checks = {t.table: t for t in target.verify(part).tables}
        for table in tables:
            loaded, check = loads.get(table), checks.get(table)
            yield dg.MaterializeResult(
                asset_key=key(table),
                metadata={
                    "considered": loaded.considered if loaded else 0,
                    "created": loaded.created if loaded else 0,
                    "updated": loaded.updated if loaded else 0,
                    "unchanged": loaded.unchanged if loaded else 0,
                    "rejected": loaded.rejected if loaded else 0,
                    "errors": dg.MetadataValue.json(loaded.errors if loaded else {}),
                },
            )
            yield check_result(
                "loaded",
                asset_key=key(table),
                passed=not (loaded and loaded.rejected),
                failed=loaded.rejected if loaded else 0,
                checked=loaded.considered if loaded else 0,
                breakdown=loaded.errors if loaded else {},
                metadata={"rejected": loaded.rejected if loaded else 0},
            )
            yield check_result(
                "readback",
                asset_key=key(table),
                passed=not check or check.clean,
                failed=(check.missing + check.differences) if check else 0,
                unit="findings (rows missing, values differing)",
                breakdown={"missing": check.missing, "differing_values": check.differences} if check else {},
                metadata={
                    "compared": check.found if check else 0,
                    "missing": check.missing if check else 0,
                    "field_differences": check.differences if check else 0,
                },
            )

    assets = [prepared, schema_plan, load]
    checklist = getattr(target, "checklist", None)
    if checklist is not None:
        post_key = key("post_migration")

        @dg.asset(
            key=post_key,
            group_name=group,
            partitions_def=migration_partitions,
            deps=[key(t) for t in tables],
            kinds={name},
            check_specs=[
                dg.AssetCheckSpec(
                    "checklist",
                    asset=post_key,
                    # Blocking: a failed checklist fails the load run (checks/blocking.py), never a plain success.
                    blocking=True,
                    partitions_def=migration_partitions,
                    description="Every item of the target's post-migration checklist holds.",
                )
            ],
            description=f"The post-migration checklist of the {target.title}, as of the moment the step runs.",
        )
        @guarded_step
        def post_migration(context: dg.AssetExecutionContext, migration_home: MigrationHomeResource):
            items = checklist(_partition(context, migration_home), datetime.now(UTC))
            summary = {
                i.name: {
                    "compared": i.compared,
                    "mismatches": len(i.mismatches),
                }
                for i in items
            }
            passed = all(i.passed for i in items)
            tag_verdict(context, passed)
            yield dg.MaterializeResult(metadata={"items": dg.MetadataValue.json(summary)})
            yield check_result(
                "checklist",
                passed=passed,
                failed=sum(not i.passed for i in items),
                checked=len(items),
                unit="checklist items",
                breakdown={i.name: len(i.mismatches) for i in items if not i.passed},
                heading="failing item (mismatches)",
                metadata={"failing": dg.MetadataValue.json([i.name for i in items if not i.passed])},
            )

        assets.append(post_migration)

    job = dg.define_asset_job(
        f"{group}_migrate",
        selection=dg.AssetSelection.groups(group),
        description=f"Prepare, plan, load and read back one customer|run partition into the {target.title}.",
    )
    return TargetAssets(assets, job)
