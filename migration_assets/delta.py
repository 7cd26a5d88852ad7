"""Source extraction through an API, and the delta-pickup window after a live load: the extract asset,
the delta verification, the delta job, its sensor (API sources) and its schedule (dump deliveries).

Bodies call the customer's system's extraction (`SourceExtraction`: sources/cliniko/snapshots.py,
sources/coreplus/snapshots.py) and checks/delta.py; the window rules are here because
they read the Dagster instance (when the live load happened, what the last extraction reached). The
target is the customer's (`target.system`, targets/registry.py): one delta job per source system and target,
`<system>_delta_pickup_<target schema>` (as `<schema>_migrate` per target), so a run launched from the UI runs
only that target's steps; the sensor and the schedules pick the job of the customer's system and target.
"""

# No `from __future__ import annotations`: Dagster resolves the asset and sensor annotations itself.

import json
import time
from pathlib import Path

import dagster as dg

from checks.approval import customer_spec
from checks.delta import DeltaChanges, verify_delta
from customers import CustomerConfig, CustomerConfigError
from customers.config import DumpSource
from migration_assets.metadata import check_result, latest_materialization
from migration_assets.partitions import migration_partitions, partition_parts
from migration_assets.raw import EXTRACT_KEY
from migration_assets.resources import MigrationHomeResource
from migration_assets.signoff import SIGNOFF_KEY
from migration_assets.step_guard import guarded_step
from sources.base import SourceSystem
from sources.cliniko.api import TOMBSTONES_FILE
from sources.cliniko.settings import FILE_SUFFIX
from sources.completeness import rule_of
from sources.coverage import unknown_files
from sources.registry import all_systems, get_system
from store import Warehouse
from targets.lineage import tables_fed_by
from targets.registry import customer_target, get_target, target_names

DELTA_KEY = dg.AssetKey(["delta", "verification"])
UNDECLARED_FILES_CHECK = "undeclared_files"
DELTA_CHECK = "delta_applied"
# The groups every delta pass runs besides the raw group of the customer's system and its target's group.
DELTA_GROUPS = ("staged", "reports", "delta")
# What a delta changes: its verification reads these entities' target tables (targets/lineage.py).
DELTA_ENTITIES = {"client", "appointment", "invoice"}


def window_marker(config: CustomerConfig) -> dg.AssetKey:
    """The customer's target's client table: its first live materialisation after the signoff opens the window."""
    target = customer_target(config)
    return dg.AssetKey([target.schema, target.client_table])


def pickup_selection(system: str, target_name: str) -> dg.AssetSelection:
    """One delta pass for a customer of this source system and target: extract, re-stage, load, read back,
    verify."""
    return dg.AssetSelection.assets(EXTRACT_KEY) | dg.AssetSelection.groups(
        f"raw_{system}", *DELTA_GROUPS, get_target(target_name).schema
    )


@dg.asset(
    key=EXTRACT_KEY,
    group_name="source",
    partitions_def=migration_partitions,
    # One asset for every system that extracts (SourceExtraction: the Cliniko, Core Plus and PracSuite APIs, a
    # Gensolve database); the kinds name the extracting systems, not the one the asset was first written for.
    kinds={s.name for s in all_systems() if s.extraction is not None},
    description="The customer's source extracted by its system (an API, or a Gensolve database) into a numbered "
    "snapshot: in full the first time, then the changes since the last snapshot's high-water mark merged into a "
    "new one (deltas/ keeps each delta). Customers delivering dump files have nothing to extract.",
    check_specs=[
        dg.AssetCheckSpec(
            UNDECLARED_FILES_CHECK,
            asset=EXTRACT_KEY,
            partitions_def=migration_partitions,
            description="Every file of the delivery is a resource the source spec reads or declares not migrated; "
            "any other file is listed (name and record count) in this check and the approval report.",
        )
    ],
)
@guarded_step
def source_extract(context: dg.AssetExecutionContext, migration_home: MigrationHomeResource):
    customer_id, run_kind = partition_parts(context)
    config = migration_home.customer(customer_id)
    source = config.source_for(run_kind)
    system = get_system(config.source.system)
    if isinstance(source, DumpSource):
        yield dg.MaterializeResult(
            metadata={"kind": "dump", "path": dg.MetadataValue.path(str(config.dump_dir(run_kind)))}
        )
        yield _undeclared_files_result(config.dump_dir(run_kind), system)
        return
    extraction = system.extraction
    if extraction is None or not isinstance(source, extraction.location_model):
        raise dg.Failure(description=f"{customer_id}|{run_kind}: {system.title} has no extraction for this source")
    try:
        # Progress lines per resource into the run's log (store/progress.py: counts only, never values).
        result = extraction.snapshot(source, migration_home.home.extracts_dir(customer_id, run_kind), context.log.info)
    except extraction.errors as exc:
        raise dg.Failure(description=f"{customer_id}|{run_kind}: extraction failed: {exc}") from None
    context.log.info(
        f"{result.kind} extraction: {result.change_count} changes, {result.requests} requests, "
        f"{result.throttled} throttled"
    )
    yield dg.MaterializeResult(
        metadata={
            "kind": result.kind,
            "snapshot": dg.MetadataValue.path(str(result.snapshot)),
            "high_water_mark": result.high_water_mark,
            "since": result.since or "",
            "changes": result.change_count,
            "records": dg.MetadataValue.json(result.changed),
            "tombstones": dg.MetadataValue.json(result.tombstones),
            "requests": result.requests,
            "throttled": result.throttled,
            # Ids and paths only: settings read from /settings/public, attachments without bytes yet, 404s.
            "extraction_findings": dg.MetadataValue.json(result.findings),
            **_upstream_metadata(context.instance, getattr(result, "upstream", None)),
        }
    )
    yield _undeclared_files_result(result.snapshot, system)


def _upstream_metadata(instance: dg.DagsterInstance, upstream: dict | None) -> dict[str, dg.MetadataValue]:
    """The cross-customer link of a second hop (its source is another customer's target tables): which
    partition of which assets it read, and the run that last materialised each. It cannot be an asset
    dependency: the staged layer is shared by every system, so `gensolve/*` → `raw_gensolve/*` would close
    a cycle (raw_gensolve → staged → gensolve), and a partition mapping cannot name another customer."""
    if not upstream:
        return {}
    partition = f"{upstream['customer']}|{upstream['run']}"
    runs = {}
    for table in upstream["tables"]:
        key = dg.AssetKey([str(upstream["target"]), str(table)])
        record = latest_materialization(instance, key, partition)
        runs[key.to_user_string()] = record.run_id if record else None
    return {
        "upstream_partition": dg.MetadataValue.text(partition),
        "upstream_runs": dg.MetadataValue.json(runs),
    }


def _undeclared_files_result(delivery: Path, system: SourceSystem) -> dg.AssetCheckResult:
    unknown = unknown_files(delivery, system)
    return check_result(
        UNDECLARED_FILES_CHECK,
        passed=not unknown,
        severity="WARN",
        failed=len(unknown),
        unit="undeclared files",
        # File names and record counts only.
        breakdown={f.name: f.records or 0 for f in unknown},
        heading="file no spec reads (records)",
        metadata={"undeclared_files": dg.MetadataValue.json({f.name: f.records for f in unknown})},
    )


@dg.asset(
    key=DELTA_KEY,
    group_name="delta",
    partitions_def=migration_partitions,
    # Every target's tables a delta changes: a run loads only the customer's target.
    deps=[
        EXTRACT_KEY,
        *[
            dg.AssetKey([get_target(n).schema, t])
            for n in target_names()
            for t in tables_fed_by(get_target(n), DELTA_ENTITIES)
        ],
    ],
    kinds={"duckdb"},
    check_specs=[
        dg.AssetCheckSpec(
            DELTA_CHECK,
            asset=DELTA_KEY,
            blocking=False,  # the post-migration checklist downstream reports it
            partitions_def=migration_partitions,
            description="Every record the source reported changed in the delta is in the target (or was rejected "
            "with a reason), and every deleted record the target held is deactivated or deleted as configured.",
        )
    ],
    description="What the last delta changed, accounted for in the target after its load.",
)
@guarded_step
def delta_verification(context: dg.AssetExecutionContext, migration_home: MigrationHomeResource):
    customer_id, run_kind = partition_parts(context)
    config = migration_home.customer(customer_id)
    delta_dir = _latest_delta(migration_home, config, run_kind)
    if delta_dir is None:
        yield dg.MaterializeResult(metadata={"delta": "none"})
        yield dg.AssetCheckResult(check_name=DELTA_CHECK, passed=True, metadata={"delta": "none"})
        return
    changes = _delta_changes(get_system(config.source.system), delta_dir)
    warehouse = Warehouse.for_customer(migration_home.home.customer_dir(customer_id))
    with warehouse.connect() as con:
        result = verify_delta(
            con, run_kind, customer_spec(config), changes, customer_target(config), config.delta.deletions
        )
    records = result.write_records(migration_home.home.reports_dir(customer_id, run_kind))
    metadata = {"delta": delta_dir.name, **result.as_metadata(), "records": dg.MetadataValue.path(str(records))}
    yield dg.MaterializeResult(metadata=metadata)
    yield check_result(
        DELTA_CHECK,
        passed=result.passed,
        failed=len(result.missing) + len(result.not_retired),
        checked=result.changed,
        breakdown={"missing_in_target": len(result.missing), "not_retired": len(result.not_retired)},
        records=records,
        metadata={k: v for k, v in metadata.items() if k != "records"},
    )


def _delta_changes(system: SourceSystem, delta_dir: Path) -> DeltaChanges:
    """What the delta changed, as the customer's source system records it (Cliniko: NDJSON records and
    tombstones; a system with its own delta form reads it through `SourceExtraction.delta_changes`)."""
    extraction = system.extraction
    if extraction is not None and extraction.delta_changes is not None:
        changed, deleted = extraction.delta_changes(delta_dir)
        return DeltaChanges(changed, deleted)
    # The system's own resources and keys (Cliniko's `id`, Core Plus's `client_id`, …).
    keys = {name: spec.key for name, spec in system.resources.items() if spec.key}
    return DeltaChanges.read(delta_dir, keys, TOMBSTONES_FILE, system.file_suffix or FILE_SUFFIX)


def _latest_delta(home: MigrationHomeResource, config: CustomerConfig, run_kind: str):
    if isinstance(config.source_for(run_kind), DumpSource):
        return None
    snapshot = home.home.source_dir(config, run_kind)
    deltas = home.home.extracts_dir(config.customer_id, run_kind) / "deltas" / snapshot.name
    return deltas if deltas.is_dir() else None


def delta_job_name(system: str, target_name: str) -> str:
    """`<system>_delta_pickup_<target schema>`, e.g. `cliniko_delta_pickup_dynamics`."""
    return f"{system}_delta_pickup_{get_target(target_name).schema}"


def customer_delta_job(config: CustomerConfig) -> str:
    """The delta job of the customer's source system and target."""
    return delta_job_name(config.source.system, customer_target(config).name)


# One delta job per source system and target: a run holds the raw group of its customer's system (a raw asset of
# another system refuses the partition) and the customer's target only (another target's steps fail for a customer
# it does not serve), so launching it from the UI for a customer of that system and target runs every step it shows.
delta_pickup_jobs = {
    (system.name, name): dg.define_asset_job(
        delta_job_name(system.name, name),
        selection=pickup_selection(system.name, name),
        description=f"One delta-window pass for a customer|live partition of a {system.title} customer whose "
        f"target is {get_target(name).title}: extract what changed (or read the re-delivered dump), re-stage, load "
        "only records whose content changed (and retire deleted ones), read back, verify the delta.",
        tags={"dagster/priority": "10", "migration/source_system": system.name, "migration/target": name},
    )
    for system in all_systems()
    for name in target_names()
}


def window_opened_at(instance: dg.DagsterInstance, config: CustomerConfig) -> float | None:
    """When the customer's delta window opened: its first live load after the latest signoff."""
    signoff = latest_materialization(instance, SIGNOFF_KEY, config.customer_id)
    after = signoff.timestamp if signoff else 0.0
    marker = window_marker(config)
    opened = latest_materialization(instance, marker, f"{config.customer_id}|live", after=after, first=True)
    return opened.timestamp if opened else None


def _in_window(instance: dg.DagsterInstance, config: CustomerConfig, now: float) -> bool:
    opened = window_opened_at(instance, config)
    return opened is not None and now < opened + config.delta.window_hours * 3600


def _partition_key(customer_id: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"customer": customer_id, "run": "live"})


@dg.sensor(
    name="delta_pickup",
    jobs=list(delta_pickup_jobs.values()),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="During a customer's delta window (delta.window_hours after its live load), asks its source API "
    "every delta.poll_minutes whether anything changed since the last extraction's high-water mark, and runs "
    "delta_pickup for customer|live when it did. The run key is the high-water mark: one run per change set.",
)
def delta_pickup_sensor(context: dg.SensorEvaluationContext, migration_home: MigrationHomeResource):
    now = time.time()
    polled: dict[str, float] = json.loads(context.cursor) if context.cursor else {}
    requests, notes = [], []
    for customer_id, config in migration_home.home.iter_configs():
        if isinstance(config, CustomerConfigError):
            continue
        extraction = get_system(config.source.system).extraction
        if extraction is None or extraction.changes_waiting is None:
            continue
        if not isinstance(config.source.live, extraction.location_model):
            continue
        if not _in_window(context.instance, config, now):
            continue
        if now - polled.get(customer_id, 0.0) < config.delta.poll_minutes * 60:
            continue
        extracted = latest_materialization(context.instance, EXTRACT_KEY, f"{customer_id}|live")
        mark = extracted.asset_materialization.metadata.get("high_water_mark") if extracted else None
        if mark is None:
            notes.append(f"{customer_id}: no live extraction recorded yet")
            continue
        try:
            waiting = extraction.changes_waiting(
                config.source.live, str(mark.value), migration_home.home.extracts_dir(customer_id, "live")
            )
        except extraction.errors as exc:
            notes.append(f"{customer_id}: cannot ask the source for changes: {exc}")
            continue
        polled[customer_id] = now
        if waiting:
            requests.append(
                dg.RunRequest(
                    job_name=customer_delta_job(config),
                    run_key=f"{customer_id}|live|delta|{mark.value}",
                    partition_key=_partition_key(customer_id),
                    tags={"migration/delta_since": str(mark.value), "migration/run_kind": "live"},
                )
            )
        else:
            notes.append(f"{customer_id}: no changes since {mark.value}")
    cursor = json.dumps(polled, sort_keys=True)
    if requests:
        return dg.SensorResult(run_requests=requests, cursor=cursor)
    return dg.SensorResult(
        skip_reason=dg.SkipReason("; ".join(notes) or "no customer in a delta window"), cursor=cursor
    )


def build_delta_file_schedule(system: SourceSystem, target_name: str) -> dg.ScheduleDefinition:
    """`<system>_delta_pickup_<target schema>_files`: the delta pass of the system's customers of that target whose
    live source is a dump (a schedule launches one job)."""
    job_name = delta_job_name(system.name, target_name)

    @dg.schedule(
        name=f"{job_name}_files",
        job=delta_pickup_jobs[(system.name, target_name)],
        cron_schedule="*/30 * * * *",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=f"For {system.title} customers of the {get_target(target_name).title} whose live source is a "
        f"delivered dump: during the delta window, every 30 minutes, runs {job_name} when the live dump changed "
        "since the last pass "
        "(run key: its fingerprint — the manifest's checksum, or the files' checksums for an export without one).",
    )
    def delta_pickup_files(context: dg.ScheduleEvaluationContext, migration_home: MigrationHomeResource):
        now = time.time()
        requests = []
        for customer_id, config in migration_home.home.iter_configs():
            if isinstance(config, CustomerConfigError) or customer_delta_job(config) != job_name:
                continue
            if not isinstance(config.source.live, DumpSource) or not _in_window(context.instance, config, now):
                continue
            fingerprint = rule_of(system.completeness).fingerprint(config.dump_dir("live"))
            if fingerprint:
                requests.append(
                    dg.RunRequest(
                        run_key=f"{customer_id}|live|files|{fingerprint}",
                        partition_key=_partition_key(customer_id),
                        tags={"migration/dump_checksum": fingerprint, "migration/run_kind": "live"},
                    )
                )
        return requests or dg.SkipReason(
            f"no dump-delivering customer in a delta window ({system.title} → {get_target(target_name).title})"
        )

    return delta_pickup_files


delta_pickup_file_schedules = [
    build_delta_file_schedule(system, name) for system in all_systems() for name in target_names()
]
