"""The Dagster side of checks/blocking.py: the load gate every target's first step passes, the launch options
that accept a trial's open ERROR findings, and the `verdict` run tag."""

# No `from __future__ import annotations`: Dagster resolves config classes' annotations itself.

from pathlib import Path

import dagster as dg
from pydantic import Field

from checks.blocking import VERDICT_TAG, Acceptance, load_decision, verdict
from checks.iterations import latest_iteration
from customers import CustomerConfig
from store import Warehouse

ACCEPTANCE_TAG = "migration/accepted_findings"


class LoadGateConfig(dg.Config):
    accept_findings_of_iteration: int = Field(
        default=0,
        description="Trial loads only: the trial iteration whose open ERROR findings you reviewed and accept for this "
        "sandbox load (0: none accepted; a trial with open ERROR findings then does not load). Live loads never "
        "accept findings.",
    )
    accepted_by: str = Field(default="", description="Who accepts those findings (recorded with the load).")


def gate_load(
    context: dg.AssetExecutionContext, customer: CustomerConfig, run_kind: str, customer_dir: Path, gate: LoadGateConfig
) -> dict[str, object]:
    """Refuse the load (a step failure with the reason) unless the blocking rule lets it run. A live load also
    needs a valid signoff, which the caller requires next (migration_assets.signoff.require_signoff; not
    imported here, since the signoff's module depends on the staging step, which tags verdicts through this
    one). Returns the metadata that records on what terms it ran (the acceptance, if any)."""
    with Warehouse.for_customer(customer_dir).connect() as con:
        iteration = latest_iteration(con, run_kind)
    acceptance = Acceptance(gate.accept_findings_of_iteration, gate.accepted_by) if gate.accepted_by else None
    decision = load_decision(run_kind, iteration, acceptance)
    if not decision.allowed:
        raise dg.Failure(description=f"{run_kind} load refused for {customer.customer_id}: {decision.reason}")
    context.log.info(f"load gate: {decision.reason}")
    recorded: dict[str, object] = {"staging_iteration": decision.iteration, "open_error_findings": decision.open_errors}
    if decision.accepted:
        recorded |= {
            "findings_accepted_by": decision.accepted.accepted_by,
            "findings_accepted_iteration": decision.accepted.iteration,
        }
        context.instance.add_run_tags(
            context.run.run_id,
            {ACCEPTANCE_TAG: f"iteration {decision.accepted.iteration}: {decision.open_errors} ERROR checks"},
        )
    return recorded


def tag_verdict(context: dg.AssetExecutionContext, passed: bool) -> None:
    """`verdict=passed|failed` on the run, so the run list can be filtered by verdict."""
    context.instance.add_run_tags(context.run.run_id, {VERDICT_TAG: verdict(passed)})
