"""Gensolve Practice Manager as a `targets.base.Target`: map the staged partition onto the import schema
(mappings/gensolve.yaml), plan it (tables and columns present; created only on an explicit apply),
load it, read it back, roll it back — into the embedded database or Oracle, per the customer's
`target` block for the run kind."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from pydantic import BaseModel

from customers.config import CustomerConfigError
from mappings.spec import load_spec
from mappings.staging import stage_partition
from mappings.transforms.registry import MappingContext
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
    TargetCapabilities,
    VerifyResult,
)
from targets.gensolve import loader
from targets.gensolve.backend import Backend
from targets.gensolve.catalogue import MAX_IDENTIFIER_BYTES, MODEL, Catalogue
from targets.gensolve.checklist import post_migration_checklist
from targets.gensolve.config import GensolveEnvironment
from targets.gensolve.embedded import EmbeddedBackend
from targets.gensolve.sample import restrict_to_sample
from targets.sample import stratified_sample


class SchemaNotReadyError(Exception):
    """Loads are refused while the import schema lacks tables or columns of the catalogue."""


def embedded_path(part: Partition) -> Path:
    """The embedded Gensolve of a partition: one file per customer and run kind, beside its warehouse."""
    return part.home.customer_dir(part.config.customer_id) / f"gensolve-{part.run_kind}.duckdb"


def environment(part: Partition) -> GensolveEnvironment:
    """The customer's Gensolve block for the run kind; a customer without one loads the embedded database."""
    if part.config.target is None:
        return GensolveEnvironment(environment="sandbox" if part.run_kind == "trial" else "production")
    chosen = part.config.target_for(part.run_kind)
    if not isinstance(chosen, GensolveEnvironment):
        raise CustomerConfigError(
            str(part.config.config_file or part.config.customer_id),
            [f"target.system: expected gensolve for this load, got {part.config.target.system}"],
        )
    return chosen


@contextmanager
def open_backend(part: Partition) -> Iterator[Backend]:
    env = environment(part)
    if env.database == "oracle":
        from targets.gensolve.oracle import OracleBackend, connect

        backend: Backend = OracleBackend(connect(env.dsn or "", env.user_env or "", env.password_env or ""))
    else:
        backend = EmbeddedBackend(embedded_path(part))
    try:
        yield backend
    finally:
        backend.close()


def schema_gaps(backend: Backend, catalogue: Catalogue) -> tuple[list[str], list[str]]:
    """(tables missing, `table.column` missing from tables that exist)."""
    present = backend.columns()
    tables = [t for t in catalogue.tables if t not in present]
    columns = [
        f"{t.name}.{c.name}"
        for t in catalogue.tables.values()
        if t.name in present
        for c in t.columns
        if c.name not in present[t.name]
    ]
    return tables, columns


def _schema_plan(part: Partition, apply: bool) -> PlanResult:
    return TARGET.plan(part, apply)


class GensolveTarget:
    name = MODEL.name
    schema = loader.SCHEMA
    title = "Gensolve Practice Manager (import schema; embedded or Oracle)"
    # python-oracledb batcherrors isolate a row; VARCHAR2(n BYTE) counts bytes; Oracle 12.2+ names.
    capabilities = TargetCapabilities(
        upsert="merge",
        isolates_bad_rows=True,
        text_length_unit="bytes",
        max_identifier_length=MAX_IDENTIFIER_BYTES,
        resolves_owners=False,
        stores_documents=True,
    )
    model = MODEL
    client_table = "gpm_client"
    readback_reports: Mapping[str, str] = MappingProxyType({})
    has_checklist = True
    value_free_errors = (SchemaNotReadyError,)
    plan_steps = (
        PlanStep(
            "schema_plan",
            "schema_ready",
            "What the Gensolve import schema lacks for the mapped tables (reports/<run>/gensolve-schema-plan.md); "
            "created only with `apply`.",
            "Every table and column of the import schema's catalogue exists in the target.",
            _schema_plan,
        ),
    )
    table_checks: tuple[TableCheck, ...] = ()

    @property
    def environment_model(self) -> type[BaseModel]:
        return GensolveEnvironment

    def tables(self) -> list[str]:
        return list(MODEL.catalogue.tables)

    def describe(self, table: str) -> str:
        return f"{MODEL.catalogue.tables[table].description} — the import table `{table}`"

    def prepare(self, part: Partition, sample_clients: int | None = None) -> PreparedRows:
        spec = load_spec(self.name)
        mapping = MappingContext(
            part.config.customer_id, part.run_kind, spec.system, part.config.country, part.config.time_zone
        )
        summary = stage_partition(part.warehouse, spec, mapping)
        rows = {t: s.rows for t, s in summary.tables.items() if t in MODEL.catalogue.tables}
        if sample_clients is not None:
            with part.warehouse.connect() as con:
                clients = stratified_sample(
                    con, part.run_kind, sample_clients, f"{part.config.customer_id}|{part.run_kind}|{spec.version}"
                )
                rows = restrict_to_sample(con, MODEL.catalogue, self.schema, part.run_kind, clients)
        return PreparedRows(summary.spec_version, rows, summary.tables["rejects"].rows)

    def plan(self, part: Partition, apply: bool = False) -> PlanResult:
        catalogue = MODEL.catalogue
        with open_backend(part) as backend:
            tables, columns = schema_gaps(backend, catalogue)
            if apply and tables:
                backend.create(catalogue, tables)
                tables, columns = schema_gaps(backend, catalogue)
        items = len(catalogue.tables) + sum(len(t.columns) for t in catalogue.tables.values())
        report = part.reports / "gensolve-schema-plan.md"
        report.parent.mkdir(parents=True, exist_ok=True)
        lines = [
            "# Gensolve import schema plan",
            "",
            f"{items} tables and columns; {len(tables) + len(columns)} missing.",
            "",
        ]
        lines += [f"- table `{t}` missing" for t in tables] + [f"- column `{c}` missing" for c in columns]
        report.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return PlanResult(items, tuple(tables + columns), report)

    def load(self, part: Partition, run_id: str, operator: str, events: StepEvents = NO_EVENTS) -> LoadResult:
        catalogue = MODEL.catalogue
        with open_backend(part) as backend:
            tables, columns = schema_gaps(backend, catalogue)
            if tables or columns:
                raise SchemaNotReadyError(
                    f"{len(tables) + len(columns)} import schema items missing ({', '.join((tables + columns)[:10])}); "
                    "apply the schema plan first"
                )
            return loader.load(backend, part.warehouse, catalogue, part.run_kind, run_id, operator, events)

    def verify(self, part: Partition, events: StepEvents = NO_EVENTS) -> VerifyResult:
        with open_backend(part) as backend:
            return loader.verify(backend, part.warehouse, MODEL.catalogue, part.run_kind, events)

    def checklist(self, part: Partition, as_of: datetime) -> list[ChecklistItem]:
        """The post-migration checklist (targets/gensolve/checklist.py) as of an instant (the go-live)."""
        with open_backend(part) as backend:
            return post_migration_checklist(backend, part.warehouse, MODEL.catalogue, part.run_kind, as_of)

    def rollback(self, part: Partition, run_id: str, operator: str, load_run_id: str | None = None) -> RollbackResult:
        if load_run_id is not None:
            # The import schema holds only the migration's rows and keeps no pre-images: a rollback removes
            # every row the migration wrote, never one load run's changes.
            raise ValueError("the Gensolve target rolls back every load of the partition: leave load_run_id empty")
        with open_backend(part) as backend:
            return loader.rollback(backend, part.warehouse, MODEL.catalogue, part.run_kind, run_id, operator)


TARGET = GensolveTarget()
