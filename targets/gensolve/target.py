"""Gensolve Practice Manager as a `targets.base.Target`: map the staged partition onto the import schema
(mappings/gensolve.yaml), plan it (tables and columns present; created only on an explicit apply),
load it, read it back, roll it back — into the embedded database or Oracle, per the customer's
`target` block for the run kind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from customers.config import CustomerConfigError
from mappings.spec import load_spec
from mappings.staging import StageSummary, stage_partition
from mappings.transforms.registry import MappingContext
from targets.base import (
    ChecklistItem,
    LoadResult,
    Partition,
    PlanResult,
    RollbackResult,
    TargetCapabilities,
    VerifyResult,
)
from targets.gensolve import loader
from targets.gensolve.backend import Backend
from targets.gensolve.catalogue import MAX_IDENTIFIER_BYTES, MODEL, Catalogue
from targets.gensolve.checklist import post_migration_checklist
from targets.gensolve.config import GensolveEnvironment
from targets.gensolve.embedded import EmbeddedBackend


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

    @property
    def environment_model(self) -> type[BaseModel]:
        return GensolveEnvironment

    def tables(self) -> list[str]:
        return list(MODEL.catalogue.tables)

    def prepare(self, part: Partition) -> StageSummary:
        spec = load_spec(self.name)
        mapping = MappingContext(
            part.config.customer_id, part.run_kind, spec.system, part.config.country, part.config.time_zone
        )
        return stage_partition(part.warehouse, spec, mapping)

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

    def load(self, part: Partition, run_id: str, operator: str) -> LoadResult:
        catalogue = MODEL.catalogue
        with open_backend(part) as backend:
            tables, columns = schema_gaps(backend, catalogue)
            if tables or columns:
                raise SchemaNotReadyError(
                    f"{len(tables) + len(columns)} import schema items missing ({', '.join((tables + columns)[:10])}); "
                    "apply the schema plan first"
                )
            return loader.load(backend, part.warehouse, catalogue, part.run_kind, run_id, operator)

    def verify(self, part: Partition) -> VerifyResult:
        with open_backend(part) as backend:
            return loader.verify(backend, part.warehouse, MODEL.catalogue, part.run_kind)

    def checklist(self, part: Partition, as_of: datetime) -> list[ChecklistItem]:
        """The post-migration checklist (targets/gensolve/checklist.py) as of an instant (the go-live)."""
        with open_backend(part) as backend:
            return post_migration_checklist(backend, part.warehouse, MODEL.catalogue, part.run_kind, as_of)

    def rollback(self, part: Partition, run_id: str, operator: str) -> RollbackResult:
        with open_backend(part) as backend:
            return loader.rollback(backend, part.warehouse, MODEL.catalogue, part.run_kind, run_id, operator)


TARGET = GensolveTarget()
