"""What a target is: the contract every target (Dynamics 365, Gensolve) implements, shaped like a dlt
destination (DESIGN.md §3 "Plug-in contracts"): a configuration model, capabilities, an output model,
and the steps prepare → plan → load → verify → rollback, each returning a result without values.

A target is registered by name in `targets.registry`; the customer's `target.system` names it. The
steps take one partition (customer × run kind) and are plain Python: the Dagster layer, a test or an
operator's notebook call them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel

from customers import CustomerConfig, MigrationHome
from mappings.models import OutputModel
from mappings.staging import StageSummary
from store import Warehouse


@dataclass(frozen=True)
class Partition:
    """One customer's run kind: where its data is and where its reports go."""

    home: MigrationHome
    config: CustomerConfig
    run_kind: str

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse.for_customer(self.home.customer_dir(self.config.customer_id))

    @property
    def reports(self) -> Path:
        return self.home.reports_dir(self.config.customer_id, self.run_kind)


@dataclass(frozen=True)
class TargetCapabilities:
    """What the loader and the checks may rely on, instead of asking which target this is.

    Attributes:
        upsert: how a re-run updates instead of duplicating — an alternate key on the source key
            (Dataverse) or a MERGE on it (SQL databases).
        isolates_bad_rows: one rejected row does not fail its batch; the rest land.
        text_length_unit: what a declared text length counts (Dataverse: characters; Oracle
            VARCHAR2 with BYTE semantics: UTF-8 bytes).
        max_identifier_length: longest table/column name the target accepts (Oracle 12.2+: 128).
        resolves_owners: records are owned by target users matched to practitioners (plan step).
        stores_documents: document bytes travel into the target (annotation files, BLOBs).
    """

    upsert: Literal["alternate_key", "merge"]
    isolates_bad_rows: bool
    text_length_unit: Literal["characters", "bytes"]
    max_identifier_length: int | None
    resolves_owners: bool
    stores_documents: bool


@dataclass(frozen=True)
class PlanResult:
    """The schema plan (and owner resolution where the target has owners): what is missing before a
    load may run. Nothing is created unless the plan step was asked to apply it."""

    items: int
    missing: tuple[str, ...]
    report: Path | None = None

    @property
    def ready(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class TableResult:
    """Counts of one table's load (no values); `errors` maps a rule or status code to records."""

    table: str
    considered: int = 0
    unchanged: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def written(self) -> int:
        return self.created + self.updated


@dataclass(frozen=True)
class LoadResult:
    tables: tuple[TableResult, ...]

    @property
    def written(self) -> int:
        return sum(t.written for t in self.tables)

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables)

    def table(self, name: str) -> TableResult:
        return next(t for t in self.tables if t.table == name)


@dataclass(frozen=True)
class TableVerification:
    """Read-back of one table: rows expected, found, and how many fields differ (no values)."""

    table: str
    expected: int
    found: int
    missing: int
    differences: int

    @property
    def clean(self) -> bool:
        return not self.missing and not self.differences


@dataclass(frozen=True)
class VerifyResult:
    tables: tuple[TableVerification, ...]

    @property
    def clean(self) -> bool:
        return all(t.clean for t in self.tables)


@dataclass(frozen=True)
class RollbackResult:
    deleted: int
    restored: int
    failed: int


@dataclass(frozen=True)
class ChecklistItem:
    """One item of a target's post-migration checklist; mismatches are keys (ids, table names), no values."""

    name: str
    description: str
    compared: int
    mismatches: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.mismatches


class Target(Protocol):
    """A registered target. `name` is what a customer's `target.system` says; `schema` is the
    customer-database schema the target's mapping spec writes its rows to."""

    name: str
    schema: str
    title: str
    capabilities: TargetCapabilities
    model: OutputModel

    @property
    def environment_model(self) -> type[BaseModel]:
        """The customer's `target.trial` / `target.live` block for this target."""
        ...

    def tables(self) -> list[str]:
        """The target's tables in load (dependency) order."""
        ...

    def prepare(self, part: Partition) -> StageSummary:
        """Map the staged partition onto the target's tables (`<schema>.*`)."""
        ...

    def plan(self, part: Partition, apply: bool = False) -> PlanResult: ...

    def load(self, part: Partition, run_id: str, operator: str) -> LoadResult:
        """Ledgered, hash-based load in dependency order: a second pass over unchanged rows writes nothing."""
        ...

    def verify(self, part: Partition) -> VerifyResult:
        """Read every loaded row back and compare it field by field with the mapped rows."""
        ...

    def rollback(self, part: Partition, run_id: str, operator: str) -> RollbackResult:
        """Remove what the migration created and restore what it changed, from the ledger."""
        ...
