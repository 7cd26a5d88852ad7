"""What a target is: the contract every target (Dynamics 365, Gensolve) implements, shaped like a dlt
destination (DESIGN.md §3 "Plug-in contracts"): a configuration model, capabilities, an output model,
and the steps prepare → plan → load → verify → rollback, each returning a result without values.

A target is registered by name in `targets.registry`; the customer's `target.system` names it. The
steps take one partition (customer × run kind) and are plain Python: the Dagster layer, a test or an
operator's notebook call them the same way.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel

from customers import CustomerConfig, MigrationHome
from mappings.models import OutputModel
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

    @property
    def file_roots(self) -> tuple[Path, ...]:
        """The folders this partition's documents may be read from (issue 15 item 1)."""
        return self.home.file_roots(self.config, self.run_kind)


def operator_name(tags: Mapping[str, str] | None = None) -> str:
    """Who launched a step, for the ledger: the run's `migration/operator` or `dagster/user` tag, else the OS user."""
    tags = tags or {}
    return tags.get("migration/operator") or tags.get("dagster/user") or getpass.getuser()


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
    # Counts only (e.g. owner outcomes), shown as the step's metadata.
    metadata: Mapping[str, object] = field(default_factory=dict)

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
    seconds: float = 0.0

    @property
    def written(self) -> int:
        return self.created + self.updated

    @property
    def records_per_second(self) -> float:
        return self.written / self.seconds if self.seconds else 0.0


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
    differences_by_field: dict[str, int] = field(default_factory=dict)
    # Records failing each of the target's further table checks (TableCheck.name → records), e.g. orphans.
    findings: dict[str, int] = field(default_factory=dict)
    checksums_agree: bool = True  # where the target keeps a checksum of the table, it equals the expected one

    @property
    def clean(self) -> bool:
        return not self.missing and not self.differences and self.checksums_agree


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
    errors: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PreparedRows:
    """What the prepare step mapped: rows per target table (after a sample, when one was asked for)."""

    spec_version: str
    rows: dict[str, int]
    rejected: int


@dataclass(frozen=True)
class PlanStep:
    """One step before a load may run (schema plan; owner resolution where records have owners), shown as
    the asset `<schema>/<name>` with the blocking check `check`."""

    name: str
    check: str
    description: str
    check_description: str
    run: Callable[[Partition, bool], PlanResult]  # (partition, apply) → what is missing


@dataclass(frozen=True)
class TableCheck:
    """A check on every loaded table beyond `loaded` and `readback`, counted by the verify step
    (TableVerification.findings)."""

    name: str
    severity: Literal["ERROR", "WARN"]
    description: str


def _ignore(_: object) -> None:
    return None


@dataclass(frozen=True)
class StepEvents:
    """What a long step reports while it runs, so the caller can show it at once: each table as it is
    loaded or read back, and progress lines (store/progress.py). Default: nothing."""

    table_loaded: Callable[[TableResult], None] = _ignore
    table_verified: Callable[[TableVerification], None] = _ignore
    progress: Callable[[str], None] = _ignore


NO_EVENTS = StepEvents()


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
    plan_steps: tuple[PlanStep, ...]
    table_checks: tuple[TableCheck, ...]
    # The table holding the practice's clients: its first live load after the signoff opens the delta window.
    client_table: str
    # The verify step's per-record files in the partition's reports folder (e.g. the field diff), by label.
    readback_reports: Mapping[str, str]
    # Whether `checklist` has items of its own (else the post-migration verdict is the load's checks alone).
    has_checklist: bool
    # The target's exceptions whose messages name tables, fields and keys, never a value: shown as they are.
    value_free_errors: tuple[type[Exception], ...]

    @property
    def environment_model(self) -> type[BaseModel]:
        """The customer's `target.trial` / `target.live` block for this target."""
        ...

    def tables(self) -> list[str]:
        """The target's tables in load (dependency) order."""
        ...

    def describe(self, table: str) -> str:
        """One line on what the table holds in the target."""
        ...

    def prepare(self, part: Partition, sample_clients: int | None = None) -> PreparedRows:
        """Map the staged partition onto the target's tables (`<schema>.*`); with `sample_clients`, only a
        stratified sample of clients and what hangs off them (a target that cannot sample refuses)."""
        ...

    def plan(self, part: Partition, apply: bool = False) -> PlanResult:
        """Every plan step in order; `apply` creates what the target lacks."""
        ...

    def load(self, part: Partition, run_id: str, operator: str, events: StepEvents = NO_EVENTS) -> LoadResult:
        """Ledgered, hash-based load in dependency order: a second pass over unchanged rows writes nothing.
        A live load also retires records removed at the source (the customer's `delta.deletions`)."""
        ...

    def verify(self, part: Partition, events: StepEvents = NO_EVENTS) -> VerifyResult:
        """Read every loaded row back and compare it field by field with the mapped rows."""
        ...

    def rollback(self, part: Partition, run_id: str, operator: str, load_run_id: str | None = None) -> RollbackResult:
        """Remove what the migration created and restore what it changed, from the ledger (only what the
        load run `load_run_id` did, when given)."""
        ...

    def checklist(self, part: Partition, as_of: datetime) -> list[ChecklistItem]:
        """The target's own post-migration checklist (empty when the load's checks are all it has)."""
        ...
