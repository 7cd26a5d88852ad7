"""One factory for every registered target's Dagster assets, checks and jobs, built from what the target
declares (targets.base.Target): `<schema>/prepared`, one asset per plan step (`<schema>/schema_plan`,
Dynamics' `<schema>/owner_resolution`) with its blocking check, one `<schema>/<table>` per target table
loaded by the `<schema>_load` multi-asset with `loaded`, `readback` and the target's own table checks,
`<schema>/post_migration`, and the `<schema>_migrate` and `<schema>_rollback` jobs.

Lineage is the target's (targets/lineage.py): each table depends on the staged entities it is mapped
from and on the target tables its lookups point at; its column lineage names the staged fields.
Bodies call the target's steps; nothing else happens here. The load runs in a worker thread so that each
table's materialisation and checks reach Dagster as soon as that table is done (issue 25 item 2)."""

# No `from __future__ import annotations`: Dagster resolves the asset functions' annotations itself.

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import dagster as dg
from pydantic import Field

from checks.blocking import severity_label
from mappings.models import CanonicalField, CanonicalModel
from migration_assets.blocking import LoadGateConfig, gate_load
from migration_assets.metadata import check_result, column_schema
from migration_assets.partitions import migration_partitions
from migration_assets.post_migration import build_post_migration
from migration_assets.resources import MigrationHomeResource
from migration_assets.signoff import SIGNOFF_KEY, require_signoff
from migration_assets.staged import APPROVAL_REPORT_KEY, staged_key
from migration_assets.step_guard import guarded_step
from targets import lineage
from targets.base import Partition, PlanStep, StepEvents, TableResult, TableVerification, Target, operator_name
from targets.registry import get_target, target_names

CANONICAL = CanonicalModel()
# Every table's own checks; a target adds its own (Target.table_checks).
LOAD_CHECKS = {
    "loaded": ("ERROR", "Every mapped record was written (none rejected by a rule or the target)."),
    "readback": ("ERROR", "Every record read back equals what was sent, field by field (and the checksums agree)."),
}


class PrepareConfig(LoadGateConfig):
    sample_clients: int | None = Field(
        default=None,
        description="Load a stratified sample of this many clients (100–500; 300 is typical for a "
        "trial) with everything that hangs off them; empty loads everyone.",
    )


class PlanConfig(dg.Config):
    apply: bool = Field(
        default=False,
        description="Create what the target lacks for the mapped tables (columns, alternate keys, tables) "
        "and wait until it is usable.",
    )


class RollbackConfig(dg.Config):
    load_run_id: str | None = Field(
        default=None,
        description="Undo only this load run (its creates deleted, its updates' pre-images restored); "
        "empty reverses every load of the partition.",
    )


@dataclass(frozen=True)
class TargetAssets:
    assets: list[dg.AssetsDefinition]
    jobs: list[Any]  # the migrate asset job (unresolved) and the rollback job


def load_pool(name: str) -> str:
    """The concurrency pool of a target's load step: concurrent loads into one target environment share
    its service-protection budget (research/dataverse.md §4.1); `dagster instance concurrency set
    <pool> N` tunes it."""
    return f"{get_target(name).schema}_target"


def table_key(target: Target, table: str) -> dg.AssetKey:
    return dg.AssetKey([target.schema, table])


def partition_of(context: dg.AssetExecutionContext | dg.OpExecutionContext, home: MigrationHomeResource) -> Partition:
    keys = context.partition_key.keys_by_dimension  # type: ignore[union-attr]
    return Partition(home.home, home.customer(keys["customer"]), keys["run"])


def _partition(context: dg.AssetExecutionContext, home: MigrationHomeResource) -> Partition:
    """The step's partition; live steps refuse to run without a valid signoff."""
    part = partition_of(context, home)
    if part.run_kind == "live":
        require_signoff(context, part.config)
    return part


def step_events(work: Callable[[StepEvents], Any]) -> Iterator[tuple[str, Any]]:
    """Run a target step in a worker thread and hand over what it reports as it happens: ("progress",
    line), ("loaded", TableResult), ("verified", TableVerification), then ("done", its result). An
    exception in the step is raised here, in the caller's thread."""
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    reporter = StepEvents(
        table_loaded=lambda t: events.put(("loaded", t)),
        table_verified=lambda t: events.put(("verified", t)),
        progress=lambda line: events.put(("progress", line)),
    )

    def run() -> None:
        try:
            events.put(("done", work(reporter)))
        except BaseException as exc:  # handed to the caller's thread, raised there
            events.put(("error", exc))

    worker = threading.Thread(target=run, name="target-step", daemon=True)
    worker.start()
    while True:
        kind, value = events.get()
        if kind == "error":
            worker.join()
            raise value
        yield kind, value
        if kind == "done":
            worker.join()
            return


def _table_metadata(target: Target, table: str) -> dict[str, object]:
    """Definition-time metadata of a target table: its columns with their descriptions (the output model's;
    a standard column the model leaves undescribed is described by the staged fields it is computed from,
    whose descriptions are the Pandera models'), and which staged fields each column comes from."""
    sources = lineage.column_sources(target, table)
    staged = {
        e: {f.name: f.description for f in CANONICAL.fields(e)} for e in {e for p in sources.values() for e, _ in p}
    }

    def described(field: CanonicalField) -> CanonicalField:
        if field.description or field.name not in sources:
            return field
        origins = "; ".join(
            f"staged {entity}.{name}" + (f": {staged[entity].get(name)}" if staged[entity].get(name) else "")
            for entity, name in sources[field.name]
        )
        return replace(field, description=f"from {origins}")

    column_deps = {
        column: [dg.TableColumnDep(asset_key=staged_key(entity), column_name=name) for entity, name in pairs]
        for column, pairs in sources.items()
    }
    return {
        "dagster/column_schema": column_schema(tuple(described(f) for f in target.model.fields(table))),
        "dagster/column_lineage": dg.TableColumnLineage(deps_by_column=column_deps),
        "dagster/table_name": f"{target.schema}.{table}",
    }


def _plan_asset(target: Target, step: PlanStep, deps: list[dg.AssetKey]) -> dg.AssetsDefinition:
    key = dg.AssetKey([target.schema, step.name])

    @dg.asset(
        key=key,
        group_name=target.schema,
        partitions_def=migration_partitions,
        deps=deps,
        kinds={target.name},
        check_specs=[
            dg.AssetCheckSpec(
                step.check,
                asset=key,
                blocking=True,
                partitions_def=migration_partitions,
                description=step.check_description,
            )
        ],
        description=step.description,
    )
    @guarded_step
    def plan_step(context: dg.AssetExecutionContext, config: PlanConfig, migration_home: MigrationHomeResource):
        result = step.run(_partition(context, migration_home), config.apply)
        yield dg.MaterializeResult(
            metadata={
                "items": result.items,
                "missing": len(result.missing),
                "applied": config.apply,
                **{k: dg.MetadataValue.json(v) if isinstance(v, dict) else v for k, v in result.metadata.items()},
                **({"path": dg.MetadataValue.path(str(result.report))} if result.report else {}),
            }
        )
        yield check_result(
            step.check,
            passed=result.ready,
            failed=len(result.missing),
            checked=result.items,
            unit="items",
            breakdown={str(m): 1 for m in result.missing[:50]},
            records=result.report,
            heading="missing in the target",
            metadata={"missing": dg.MetadataValue.json(list(result.missing[:50]))},
        )

    return plan_step


def _loaded_events(target: Target, table: str, loaded: TableResult | None) -> Iterator[Any]:
    yield dg.MaterializeResult(
        asset_key=table_key(target, table),
        metadata={
            "considered": loaded.considered if loaded else 0,
            "created": loaded.created if loaded else 0,
            "updated": loaded.updated if loaded else 0,
            "unchanged": loaded.unchanged if loaded else 0,
            "failed": loaded.rejected if loaded else 0,
            "records_per_second": round(loaded.records_per_second, 1) if loaded else 0,
            "errors": dg.MetadataValue.json(loaded.errors if loaded else {}),
            "loaded": loaded is not None,
        },
    )
    yield check_result(
        "loaded",
        asset_key=table_key(target, table),
        passed=not loaded or not loaded.rejected,
        failed=loaded.rejected if loaded else 0,
        checked=loaded.considered if loaded else 0,
        breakdown=loaded.errors if loaded else {},
        heading="rule or target error",
        metadata={"errors": dg.MetadataValue.json(loaded.errors if loaded else {})},
    )


def _verified_events(target: Target, part: Partition, table: str, check: TableVerification | None) -> Iterator[Any]:
    reports = {
        label: dg.MetadataValue.path(str(part.reports / name)) for label, name in target.readback_reports.items()
    }
    records = part.reports / target.readback_reports["records"] if "records" in target.readback_reports else None
    by_field = check.differences_by_field if check else {}
    yield check_result(
        "readback",
        asset_key=table_key(target, table),
        passed=not check or check.clean,
        failed=(check.missing + check.differences) if check else 0,
        checked=check.expected if check else 0,
        unit="findings (records missing, fields differing)",
        breakdown={
            **({"missing_in_target": check.missing} if check and check.missing else {}),
            **by_field,
            **({"checksum_differs": 1} if check and not check.checksums_agree else {}),
        },
        records=records,
        heading="field differing, or missing_in_target",
        metadata={
            "compared": check.found if check else 0,
            "missing": check.missing if check else 0,
            "field_differences": check.differences if check else 0,
            "differences_by_field": dg.MetadataValue.json(check.differences_by_field if check else {}),
            **{label: value for label, value in reports.items() if label != "records"},
        },
    )
    for table_check in target.table_checks:
        failing = check.findings.get(table_check.name, 0) if check else 0
        yield check_result(
            table_check.name,
            asset_key=table_key(target, table),
            severity=table_check.severity,
            passed=not failing,
            failed=failing,
            breakdown={table_check.name: failing} if failing else {},
            records=records,
            metadata={label: value for label, value in reports.items() if label != "records"},
        )


def build_target_assets(name: str) -> TargetAssets:
    target: Target = get_target(name)
    group = target.schema
    tables = target.tables()
    prepared_key = dg.AssetKey([group, "prepared"])
    sources = lineage.staged_sources(target)
    lookups = lineage.lookups(target)

    @dg.asset(
        key=prepared_key,
        group_name=group,
        partitions_def=migration_partitions,
        # The signoff gates live loads; the dependency makes that visible in the lineage.
        deps=[APPROVAL_REPORT_KEY, SIGNOFF_KEY],
        kinds={"duckdb", "polars"},
        description=f"Staged canonical data mapped onto the {target.title} tables by mappings/{name}.yaml, one "
        f"table per target table in the customer's `{group}` schema.",
    )
    @guarded_step
    def prepared(context: dg.AssetExecutionContext, config: PrepareConfig, migration_home: MigrationHomeResource):
        part = partition_of(context, migration_home)
        # The one meaning of blocking (checks/blocking.py): open ERROR findings stop the load unless a trial's
        # launch accepts them; a live load also needs a valid signoff.
        gate = gate_load(
            context, part.config, part.run_kind, migration_home.home.customer_dir(part.config.customer_id), config
        )
        if part.run_kind == "live":  # after the partition's own findings: they name what to fix in this delivery
            require_signoff(context, part.config)
        rows = target.prepare(part, config.sample_clients)
        return dg.MaterializeResult(
            metadata={
                "mapping/spec_version": rows.spec_version,
                "rows": dg.MetadataValue.json(rows.rows),
                "sample_clients": config.sample_clients or 0,
                "rejected": rows.rejected,
                **gate,
            }
        )

    plan_assets, plan_keys = [], []
    for step in target.plan_steps:
        plan_assets.append(_plan_asset(target, step, [prepared_key]))
        plan_keys.append(dg.AssetKey([group, step.name]))

    check_texts = {check: f"[{severity_label(severity)}] {text}" for check, (severity, text) in LOAD_CHECKS.items()}
    check_texts |= {c.name: f"[{severity_label(c.severity)}] {c.description}" for c in target.table_checks}

    @dg.multi_asset(
        name=f"{group}_load",
        partitions_def=migration_partitions,
        pool=load_pool(name),
        can_subset=False,
        specs=[
            dg.AssetSpec(
                table_key(target, t),
                group_name=group,
                kinds={name},
                # What the table's rows are mapped from, what must be in place first, and the tables
                # its lookups point at (loaded before it) — no other edges.
                deps=[
                    *plan_keys,
                    prepared_key,
                    *[staged_key(e) for e in sources[t]],
                    *[table_key(target, r) for r in lookups[t]],
                ],
                description=target.describe(t),
                metadata=_table_metadata(target, t),
            )
            for t in tables
        ],
        check_specs=[
            dg.AssetCheckSpec(
                check,
                asset=table_key(target, t),
                # Not blocking: nothing downstream would be protected, and the post-migration verdict must
                # still run to report the failure as the partition's verdict.
                blocking=False,
                partitions_def=migration_partitions,
                description=text,
            )
            for t in tables
            for check, text in check_texts.items()
        ],
    )
    @guarded_step
    def load(context: dg.AssetExecutionContext, migration_home: MigrationHomeResource):
        """Load the partition table by table (only changed records), then read everything back; each table's
        materialisation and checks are emitted as soon as that table is done."""
        part = _partition(context, migration_home)
        run_id, operator = context.run.run_id, operator_name(context.run.tags)
        reported: set[str] = set()
        for kind, value in step_events(lambda events: target.load(part, run_id, operator, events)):
            if kind == "progress":
                context.log.info(value)
            elif kind == "loaded" and value.table in tables:
                reported.add(value.table)
                yield from _loaded_events(target, value.table, value)
        for table in tables:  # tables with nothing to load this time still get their (empty) materialisation
            if table not in reported:
                yield from _loaded_events(target, table, None)
        verified: set[str] = set()
        for kind, value in step_events(lambda events: target.verify(part, events)):
            if kind == "progress":
                context.log.info(value)
            elif kind == "verified" and value.table in tables:
                verified.add(value.table)
                yield from _verified_events(target, part, value.table, value)
        for table in tables:
            if table not in verified:
                yield from _verified_events(target, part, table, None)

    post_migration = build_post_migration(target, [*plan_keys, *[table_key(target, t) for t in tables]])

    @dg.op(
        name=f"rollback_{group}",
        description=f"Reverse the partition's loads into the {target.title} from the ledger: delete created "
        "records (children first), restore the pre-images of updated ones. Resumable and idempotent.",
    )
    @guarded_step
    def rollback_op(context: dg.OpExecutionContext, config: RollbackConfig, migration_home: MigrationHomeResource):
        part = partition_of(context, migration_home)
        result = target.rollback(part, context.run.run_id, operator_name(context.run.tags), config.load_run_id)
        context.log.info(f"rolled back: {result.deleted} deleted, {result.restored} restored, {result.failed} failed")
        if result.failed:
            raise dg.Failure(
                description=f"{result.failed} records could not be rolled back ({result.errors}); run the "
                "job again to retry them"
            )

    @dg.job(
        name=f"{group}_rollback",
        partitions_def=migration_partitions,
        description=f"Roll back one customer|run partition's loads into the {target.title} (see rollback_{group}).",
    )
    def rollback_job():
        rollback_op()

    migrate_job = dg.define_asset_job(
        f"{group}_migrate",
        selection=dg.AssetSelection.groups(group),
        description=f"Prepare, plan and load one customer|run partition into the {target.title}, then read "
        "everything back and give the post-migration verdict. Needs the staged layer of the same partition.",
    )
    return TargetAssets([prepared, *plan_assets, load, post_migration], [migrate_job, rollback_job])


def build_all_target_assets() -> list[TargetAssets]:
    return [build_target_assets(name) for name in target_names()]
