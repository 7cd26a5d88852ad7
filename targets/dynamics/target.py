"""Dynamics 365 as a `targets.base.Target`: the existing flow steps (targets/dynamics/flow.py), unchanged,
behind the shared interface. Results are summarised into the interface's value-free result types."""

from __future__ import annotations

from pydantic import BaseModel

from customers.config import TargetEnvironment
from mappings.staging import StageSummary
from targets.base import (
    LoadResult,
    Partition,
    PlanResult,
    RollbackResult,
    TableResult,
    TableVerification,
    TargetCapabilities,
    VerifyResult,
)
from targets.dynamics import flow
from targets.dynamics.loader import LOAD_ORDER, SCHEMA
from targets.dynamics.tables import MODEL


def _flow_partition(part: Partition) -> flow.Partition:
    return flow.Partition(part.home, part.config, part.run_kind)


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

    @property
    def environment_model(self) -> type[BaseModel]:
        return TargetEnvironment

    def tables(self) -> list[str]:
        return list(LOAD_ORDER)

    def prepare(self, part: Partition) -> StageSummary:
        summary, _ = flow.prepare(_flow_partition(part))
        return summary

    def plan(self, part: Partition, apply: bool = False) -> PlanResult:
        """The schema plan (applied on request), then the owner resolution it needs before a load."""
        fp = _flow_partition(part)
        plan = flow.run(flow.schema_plan(fp, apply))
        if plan.ready:
            flow.run(flow.resolve_owners(fp))
        missing = tuple(f"{i.table}.{i.name} ({i.status})" for i in plan.missing)
        return PlanResult(len(plan.items), missing, fp.reports / "schema-plan.md")

    def load(self, part: Partition, run_id: str, operator: str) -> LoadResult:
        outcome = flow.run(flow.load(_flow_partition(part), run_id, operator))
        return LoadResult(
            tuple(
                TableResult(t.table, t.considered, t.unchanged, t.created, t.updated, t.failed, dict(t.errors))
                for t in outcome.tables
            )
        )

    def verify(self, part: Partition) -> VerifyResult:
        readbacks = flow.run(flow.verify(_flow_partition(part)))
        return VerifyResult(
            tuple(TableVerification(r.table, r.expected, r.found, len(r.missing), r.differences) for r in readbacks)
        )

    def rollback(self, part: Partition, run_id: str, operator: str) -> RollbackResult:
        result = flow.run(flow.rollback(_flow_partition(part), run_id, operator))
        return RollbackResult(result.deleted, result.restored, result.failed)


TARGET = DynamicsTarget()
