"""Dynamics 365 as a `targets.base.Target`: the flow steps (targets/dynamics/flow.py) behind the shared
interface, its plan steps (schema plan, owner resolution) and its further table checks (orphans,
disabled owners, dangling lookups) declared, results summarised into the interface's value-free result types."""

from __future__ import annotations

import time
from datetime import datetime
from types import MappingProxyType

from pydantic import BaseModel

from customers.config import TargetEnvironment
from store.progress import ProgressReporter
from targets.base import (
    NO_EVENTS,
    ChecklistItem,
    LoadResult,
    Partition,
    PlanResult,
    PlanStep,
    PreparedRows,
    RollbackResult,
    StepEvents,
    TableCheck,
    TableResult,
    TableVerification,
    TargetCapabilities,
    VerifyResult,
)
from targets.dynamics import flow
from targets.dynamics.connection import TargetConfigurationError
from targets.dynamics.loader import LOAD_ORDER, SCHEMA, TableLoad
from targets.dynamics.owners import OwnerResolutionError
from targets.dynamics.readback import TableReadback
from targets.dynamics.report import READBACK_RECORDS_FILE
from targets.dynamics.schema_plan import LicenceLimitError
from targets.dynamics.shared_org import SharedOrgError
from targets.dynamics.tables import MODEL, TABLES


def _table_result(load: TableLoad) -> TableResult:
    return TableResult(
        load.table,
        load.considered,
        load.unchanged,
        load.created,
        load.updated,
        load.failed,
        dict(load.errors),
        load.seconds,
    )


def _verification(readback: TableReadback) -> TableVerification:
    return TableVerification(
        readback.table,
        readback.expected,
        readback.found,
        len(readback.missing),
        readback.differences,
        {name: stats.different for name, stats in readback.fields.items() if stats.different},
        {
            "orphans": len(readback.orphaned),
            "disabled_owners": len(readback.disabled_owner),
            "dangling_lookups": readback.lookups_not_resolving,
        },
        readback.expected_checksum == readback.actual_checksum,
    )


def _schema_plan(part: Partition, apply: bool) -> PlanResult:
    plan = flow.run(flow.schema_plan(part, apply))
    missing = tuple(f"{i.table}.{i.name} ({i.status})" for i in plan.missing)
    return PlanResult(len(plan.items), missing, part.reports / "schema-plan.html")


def _owner_resolution(part: Partition, apply: bool) -> PlanResult:
    """Owners are matched, never created: `apply` changes nothing here."""
    try:
        resolution = flow.run(flow.resolve_owners(part))
    except OwnerResolutionError as exc:
        return PlanResult(0, (str(exc),), None, {"resolved": False})
    outcomes = dict(resolution.practitioners.group_by("outcome").len().iter_rows())
    return PlanResult(
        resolution.practitioners.height,
        (),
        part.reports / "owner-resolution.html",
        {"practitioners": resolution.practitioners.height, "outcomes": outcomes},
    )


class DynamicsTarget:
    name = MODEL.name
    schema = SCHEMA
    title = "Dynamics 365 Sales (Dataverse Web API v9.2)"
    # research/dataverse.md: alternate key on new_sourcesystemid; change sets isolate a failed record;
    # MaxLength counts characters; owners are systemusers matched by practitioner email.
    capabilities = TargetCapabilities(
        upsert="alternate_key",
        isolates_bad_rows=True,
        text_length_unit="characters",
        max_identifier_length=None,
        resolves_owners=True,
        stores_documents=True,
    )
    model = MODEL
    client_table = "contact"
    readback_reports = MappingProxyType({"report": "field-diff.html", "records": READBACK_RECORDS_FILE})
    has_checklist = True
    value_free_errors = (
        TargetConfigurationError,
        flow.SchemaNotReadyError,
        OwnerResolutionError,
        LicenceLimitError,
        SharedOrgError,
    )
    plan_steps = (
        PlanStep(
            "schema_plan",
            "schema_ready",
            "The custom tables, columns and alternate keys the mapping needs vs the org, and the custom tables "
            "against the licence tier's limit, as a numbered checklist "
            "(reports/<run>/schema-plan.html). Apply it with the `apply` option.",
            "Every column and alternate key the mapping needs exists, and every key index is Active.",
            _schema_plan,
        ),
        PlanStep(
            "owner_resolution",
            "owners_resolved",
            "Practitioners matched to enabled Dynamics users by email; the rest fall back to the "
            "customer's fallback owner (reports/<run>/owner-resolution.html).",
            "Every record will be sent with an owner: the fallback owner is an enabled user.",
            _owner_resolution,
        ),
    )
    table_checks = (
        TableCheck("orphans", "ERROR", "No activity is regarding a contact that is not in the target."),
        TableCheck("disabled_owners", "WARN", "No record is owned by a disabled user."),
        TableCheck(
            "dangling_lookups",
            "ERROR",
            "Every lookup the load set resolves: it points at a record the org has, and the read-back finds its "
            "target again (the customer's price list, the currency).",
        ),
    )

    @property
    def environment_model(self) -> type[BaseModel]:
        return TargetEnvironment

    def tables(self) -> list[str]:
        return list(LOAD_ORDER)

    def describe(self, table: str) -> str:
        return f"{TABLES[table].description} — loaded into Dataverse `{TABLES[table].entity_set}`"

    def prepare(self, part: Partition, sample_clients: int | None = None) -> PreparedRows:
        summary, kept = flow.prepare(part, sample_clients)
        rows = {name: t.rows for name, t in summary.tables.items() if name in TABLES}
        return PreparedRows(summary.spec_version, kept or rows, summary.tables["rejects"].rows)

    def plan(self, part: Partition, apply: bool = False) -> PlanResult:
        """The schema plan (applied on request), then the owner resolution it needs before a load."""
        plan = _schema_plan(part, apply)
        if not plan.ready:
            return plan
        owners = _owner_resolution(part, apply)
        return PlanResult(plan.items, owners.missing, plan.report, owners.metadata)

    def load(self, part: Partition, run_id: str, operator: str, events: StepEvents = NO_EVENTS) -> LoadResult:
        reporters: dict[str, ProgressReporter] = {}
        outcome: flow.LoadOutcome | None = None

        def chunk_done(load: TableLoad) -> None:
            reporter = reporters.get(load.table)
            if reporter is None:
                reporter = reporters[load.table] = ProgressReporter(
                    f"load {SCHEMA}/{load.table}", load.considered, events.progress
                )
            done = load.unchanged + load.created + load.updated + load.failed
            reporter.update(
                done, skipped=load.unchanged, throttled=load.throttled, backoff_seconds=load.backoff_seconds
            )

        def table_done(load: TableLoad) -> None:
            reporter = reporters.pop(load.table, None)
            if reporter is not None:
                reporter.done = load.unchanged + load.created + load.updated + load.failed
                reporter.skipped = load.unchanged
                reporter.finish()
            events.table_loaded(_table_result(load))

        outcome = flow.run(flow.load(part, run_id, operator, progress=chunk_done, on_table=table_done))
        events.progress(
            f"load {SCHEMA}: {outcome.written} records written, {sum(t.unchanged for t in outcome.tables)} "
            f"unchanged, {sum(t.failed for t in outcome.tables)} failed; {outcome.throttled} 429s "
            f"({outcome.stats.backoff_seconds:.1f} s back-off)"
        )
        if part.run_kind == "live":  # records deleted in the source during the delta window (config delta.deletions)
            removal = flow.run(flow.retire(part, run_id, operator))
            events.progress(f"removed at source: {removal.deactivated} deactivated, {removal.deleted} deleted")
        flow.export_audit(part)
        return LoadResult(tuple(_table_result(t) for t in outcome.tables))

    def verify(self, part: Partition, events: StepEvents = NO_EVENTS) -> VerifyResult:
        previous = time.monotonic()  # a table's read-back started when the one before it ended

        def table_done(readback: TableReadback) -> None:
            nonlocal previous
            reporter = ProgressReporter(f"read back {SCHEMA}/{readback.table}", readback.expected, events.progress)
            reporter.started, reporter.done = previous, readback.found
            reporter.finish()
            previous = reporter.last_line_at
            events.table_verified(_verification(readback))

        readbacks = flow.run(flow.verify(part, on_table=table_done))
        return VerifyResult(tuple(_verification(r) for r in readbacks))

    def rollback(self, part: Partition, run_id: str, operator: str, load_run_id: str | None = None) -> RollbackResult:
        result = flow.run(flow.rollback(part, run_id, operator, load_run_id))
        return RollbackResult(result.deleted, result.restored, result.failed, dict(result.errors))

    def checklist(self, part: Partition, as_of: datetime) -> list[ChecklistItem]:
        """Beyond the load's own checks (checks/post_migration.py): ACC-billed totals per client reconcile between
        the source and Dynamics (targets/dynamics/acc.py). `as_of` is not needed: invoices do not move with time."""
        return flow.run(flow.checklist(part))  # type: ignore[return-value]


TARGET = DynamicsTarget()
