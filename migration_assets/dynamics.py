"""Dynamics 365 target assets: prepared rows, schema plan, owner resolution, loads with read-back
checks, and the rollback job. Bodies call targets.dynamics.flow; nothing else happens here."""

# No `from __future__ import annotations`: Dagster resolves the asset functions' annotations itself.

import dagster as dg
from pydantic import Field

from checks.blocking import severity_label
from migration_assets.blocking import LoadGateConfig, gate_load
from migration_assets.metadata import check_result
from migration_assets.partitions import migration_partitions, partition_parts
from migration_assets.resources import MigrationHomeResource
from migration_assets.signoff import SIGNOFF_KEY, require_signoff
from migration_assets.staged import APPROVAL_REPORT_KEY
from migration_assets.step_guard import guarded_step
from targets.dynamics import flow
from targets.dynamics.loader import LOAD_ORDER
from targets.dynamics.owners import OwnerResolutionError
from targets.dynamics.report import READBACK_RECORDS_FILE
from targets.dynamics.tables import TABLES

GROUP = "dynamics"
PREPARED_KEY = dg.AssetKey([GROUP, "prepared"])
SCHEMA_PLAN_KEY = dg.AssetKey([GROUP, "schema_plan"])
OWNERS_KEY = dg.AssetKey([GROUP, "owner_resolution"])
# Concurrent load steps across runs per target environment would share its service-protection
# budget (research/dataverse.md §4.1); `dagster instance concurrency set dynamics_target N` tunes it.
LOAD_POOL = "dynamics_target"
LOAD_CHECKS = {
    "loaded": ("ERROR", "Every mapped record was written (no record failed with a Dataverse error)."),
    "readback": ("ERROR", "Every record read back equals what was sent, field by field; the table checksums agree."),
    "orphans": ("ERROR", "No activity is regarding a contact that is not in the target."),
    "disabled_owners": ("WARN", "No record is owned by a disabled user."),
}


def table_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([GROUP, table])


class PrepareConfig(LoadGateConfig):
    sample_clients: int | None = Field(
        default=None,
        description="Load a stratified sample of this many clients (100–500; 300 is typical for a "
        "trial) with everything that hangs off them; empty loads everyone.",
    )


class SchemaPlanConfig(dg.Config):
    apply: bool = Field(
        default=False,
        description="Create the missing columns and alternate keys in the org and "
        "wait for the key indexes to become Active.",
    )


def _partition(context: dg.AssetExecutionContext, home: MigrationHomeResource) -> flow.Partition:
    customer_id, run_kind = partition_parts(context)
    return flow.Partition(home.home, home.customer(customer_id), run_kind)


@dg.asset(
    key=PREPARED_KEY,
    group_name=GROUP,
    partitions_def=migration_partitions,
    # The signoff gates live loads; the dependency makes that visible in the lineage.
    deps=[APPROVAL_REPORT_KEY, SIGNOFF_KEY],
    kinds={"duckdb", "polars"},
    description="Staged canonical data mapped onto the Dataverse tables by mappings/dynamics365.yaml, one "
    "table per target table in the customer's `dynamics` schema.",
)
@guarded_step
def prepared(context: dg.AssetExecutionContext, config: PrepareConfig, migration_home: MigrationHomeResource):
    part = _partition(context, migration_home)
    gate = gate_load(
        context, part.config, part.run_kind, migration_home.home.customer_dir(part.config.customer_id), config
    )
    summary, kept = flow.prepare(part, config.sample_clients)
    rows = {name: t.rows for name, t in summary.tables.items() if name in TABLES}
    return dg.MaterializeResult(
        metadata={
            "mapping/spec_version": summary.spec_version,
            "rows": dg.MetadataValue.json(kept or rows),
            "sample_clients": config.sample_clients or 0,
            "rejected": summary.tables["rejects"].rows,
            **gate,
        }
    )


@dg.asset(
    key=SCHEMA_PLAN_KEY,
    group_name=GROUP,
    partitions_def=migration_partitions,
    deps=[PREPARED_KEY],
    kinds={"dynamics365"},
    check_specs=[
        dg.AssetCheckSpec(
            "schema_ready",
            asset=SCHEMA_PLAN_KEY,
            blocking=True,
            partitions_def=migration_partitions,
            description="Every column and alternate key the mapping needs exists, and every key index is Active.",
        )
    ],
    description="The custom columns and alternate keys the mapping needs vs the org, as a numbered checklist "
    "(reports/<run>/schema-plan.html). Apply it with the `apply` option.",
)
@guarded_step
def schema_plan(context: dg.AssetExecutionContext, config: SchemaPlanConfig, migration_home: MigrationHomeResource):
    part = _partition(context, migration_home)
    plan = flow.run(flow.schema_plan(part, config.apply))
    yield dg.MaterializeResult(
        metadata={
            "items": len(plan.items),
            "missing": len(plan.missing),
            "applied": config.apply,
            "path": dg.MetadataValue.path(str(part.reports / "schema-plan.html")),
        }
    )
    yield check_result(
        "schema_ready",
        passed=plan.ready,
        failed=len(plan.missing),
        checked=len(plan.items),
        unit="columns and keys",
        breakdown={f"{i.table}.{i.name} ({i.status})": 1 for i in plan.missing[:50]},
        records=part.reports / "schema-plan.html",
        heading="missing in the org",
    )


@dg.asset(
    key=OWNERS_KEY,
    group_name=GROUP,
    partitions_def=migration_partitions,
    deps=[PREPARED_KEY],
    kinds={"dynamics365"},
    check_specs=[
        dg.AssetCheckSpec(
            "owners_resolved",
            asset=OWNERS_KEY,
            blocking=True,
            partitions_def=migration_partitions,
            description="Every record will be sent with an owner: the fallback owner is an enabled user.",
        )
    ],
    description="Practitioners matched to enabled Dynamics users by email; the rest fall back to the "
    "customer's fallback owner (reports/<run>/owner-resolution.html).",
)
@guarded_step
def owner_resolution(context: dg.AssetExecutionContext, migration_home: MigrationHomeResource):
    part = _partition(context, migration_home)
    try:
        resolution = flow.run(flow.resolve_owners(part))
    except OwnerResolutionError as exc:
        yield dg.MaterializeResult(metadata={"resolved": False})
        yield check_result(
            "owners_resolved",
            passed=False,
            failed=1,
            unit="fallback owner",
            breakdown={"fallback_owner_not_an_enabled_user": 1},
            metadata={"reason": str(exc)},
        )
        return
    outcomes = dict(resolution.practitioners.group_by("outcome").len().iter_rows())
    yield dg.MaterializeResult(
        metadata={
            "practitioners": resolution.practitioners.height,
            "outcomes": dg.MetadataValue.json(outcomes),
            "path": dg.MetadataValue.path(str(part.reports / "owner-resolution.html")),
        }
    )
    yield check_result(
        "owners_resolved",
        passed=True,
        checked=resolution.practitioners.height,
        unit="practitioners",
        records=part.reports / "owner-resolution.html",
        metadata={"outcomes": dg.MetadataValue.json(outcomes)},
    )


@dg.multi_asset(
    name="dynamics_load",
    partitions_def=migration_partitions,
    pool=LOAD_POOL,
    can_subset=False,
    specs=[
        dg.AssetSpec(
            table_key(t),
            group_name=GROUP,
            kinds={"dynamics365"},
            deps=[SCHEMA_PLAN_KEY, OWNERS_KEY, PREPARED_KEY, *[table_key(p) for p in LOAD_ORDER[:i]]],
            description=f"{TABLES[t].description} — loaded into Dataverse `{TABLES[t].entity_set}`",
        )
        for i, t in enumerate(LOAD_ORDER)
    ],
    check_specs=[
        dg.AssetCheckSpec(
            name,
            asset=table_key(t),
            # Not blocking: nothing downstream would be protected, and the post-migration checklist
            # (dynamics/post_migration) must still run to report the failure as the partition's verdict.
            blocking=False,
            partitions_def=migration_partitions,
            description=f"[{severity_label(severity)}] {text}",
        )
        for t in LOAD_ORDER
        for name, (severity, text) in LOAD_CHECKS.items()
    ],
)
@guarded_step
def dynamics_load(context: dg.AssetExecutionContext, migration_home: MigrationHomeResource):
    """Load the partition table by table (only changed records), then read everything back."""
    part = _partition(context, migration_home)
    if part.run_kind == "live":
        require_signoff(context, part.config)
    run_id = context.run.run_id
    operator = flow.operator_name(context.run.tags)
    outcome = flow.run(flow.load(part, run_id, operator))
    if part.run_kind == "live":  # records deleted in the source during the delta window (config delta.deletions)
        removal = flow.run(flow.retire(part, run_id, operator))
        context.log.info(f"removed at source: {removal.deactivated} deactivated, {removal.deleted} deleted")
    verification = {r.table: r for r in flow.run(flow.verify(part, [t.table for t in outcome.tables]))}
    loads = {t.table: t for t in outcome.tables}
    flow.export_audit(part)
    context.log.info(
        f"loaded {sum(t.written for t in outcome.tables)} records, "
        f"{sum(t.unchanged for t in outcome.tables)} unchanged, {sum(t.failed for t in outcome.tables)} "
        f"failed; 429s: {outcome.throttled}"
    )
    for table in LOAD_ORDER:
        load = loads.get(table)
        check = verification.get(table)
        yield dg.MaterializeResult(
            asset_key=table_key(table),
            metadata={
                "considered": load.considered if load else 0,
                "created": load.created if load else 0,
                "updated": load.updated if load else 0,
                "unchanged": load.unchanged if load else 0,
                "failed": load.failed if load else 0,
                "records_per_second": round(load.records_per_second, 1) if load else 0,
                "errors": dg.MetadataValue.json(load.errors if load else {}),
                "loaded": load is not None,
            },
        )
        records = part.reports / READBACK_RECORDS_FILE
        yield check_result(
            "loaded",
            asset_key=table_key(table),
            passed=not load or not load.failed,
            failed=load.failed if load else 0,
            checked=load.considered if load else 0,
            breakdown=load.errors if load else {},
            heading="Dataverse error",
            metadata={"errors": dg.MetadataValue.json(load.errors if load else {})},
        )
        differences = check.differences if check else 0
        missing = check.missing if check else []
        by_field = {k: v.different for k, v in (check.fields.items() if check else []) if v.different}
        yield check_result(
            "readback",
            asset_key=table_key(table),
            passed=not missing and not differences and (not check or check.expected_checksum == check.actual_checksum),
            failed=len(missing) + differences,
            unit="findings (records missing, fields differing)",
            breakdown={**({"missing_in_target": len(missing)} if missing else {}), **by_field},
            records=records,
            heading="field differing, or missing_in_target",
            metadata={
                "compared": check.found if check else 0,
                "missing": len(missing),
                "field_differences": differences,
                "differences_by_field": dg.MetadataValue.json(by_field),
                "report": dg.MetadataValue.path(str(part.reports / "field-diff.html")),
            },
        )
        orphaned = len(check.orphaned) if check else 0
        yield check_result(
            "orphans",
            asset_key=table_key(table),
            passed=not orphaned,
            failed=orphaned,
            checked=check.found if check else 0,
            breakdown={"regarding_contact_not_in_target": orphaned},
            records=records,
            metadata={"orphaned": orphaned},
        )
        disabled = len(check.disabled_owner) if check else 0
        yield check_result(
            "disabled_owners",
            asset_key=table_key(table),
            severity="WARN",
            passed=not disabled,
            failed=disabled,
            checked=check.found if check else 0,
            breakdown={"owner_disabled": disabled},
            records=records,
        )


class RollbackConfig(dg.Config):
    load_run_id: str | None = Field(
        default=None,
        description="Undo only this load run (its creates deleted, its updates' pre-images restored); "
        "empty reverses every load of the partition.",
    )


@dg.op(
    description="Reverse the partition's Dynamics loads from the ledger: delete created records (children "
    "first), restore the pre-images of updated ones. Resumable and idempotent."
)
@guarded_step
def rollback_dynamics(
    context: dg.OpExecutionContext, config: RollbackConfig, migration_home: MigrationHomeResource
) -> None:
    keys = context.partition_key.keys_by_dimension  # type: ignore[union-attr]
    part = flow.Partition(migration_home.home, migration_home.customer(keys["customer"]), keys["run"])
    result = flow.run(flow.rollback(part, context.run.run_id, flow.operator_name(context.run.tags), config.load_run_id))
    context.log.info(f"rolled back: {result.deleted} deleted, {result.restored} restored, {result.failed} failed")
    if result.failed:
        raise dg.Failure(
            description=f"{result.failed} records could not be rolled back ({result.errors}); run the "
            "job again to retry them"
        )


@dg.job(
    name="dynamics_rollback",
    partitions_def=migration_partitions,
    description="Roll back one customer|run partition's loads into Dynamics 365 (see rollback_dynamics).",
)
def dynamics_rollback():
    rollback_dynamics()


dynamics_migrate_job = dg.define_asset_job(
    "dynamics_migrate",
    selection=dg.AssetSelection.groups(GROUP),
    description="Prepare, plan, resolve owners and load one customer|run partition into Dynamics 365, then read "
    "everything back. Needs the staged layer of the same partition.",
)
