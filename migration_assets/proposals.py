"""Mapping proposals in Dagster: `mapping/proposal` profiles the customer's delivered dump and proposes a
spec with a review page; `mapping/confirmation` records a person's acceptance (Launchpad config
`accepted_by`, optional edits) and writes the confirmed spec. The logic is proposals/workflow.py."""

# No `from __future__ import annotations`: Dagster resolves the asset functions' annotations itself.

from typing import Literal

import dagster as dg
import yaml
from pydantic import Field

from customers import CustomerConfig, MigrationHome
from migration_assets.metadata import check_result
from migration_assets.partitions import migration_partitions, partition_parts
from migration_assets.resources import MigrationHomeResource
from migration_assets.step_guard import guarded_step
from proposals.model_assist import ModelAssistError
from proposals.tables import DumpReadError
from proposals.workflow import (
    ConfirmationError,
    confirm_for_customer,
    confirmation_problem,
    gate_counts,
    gate_verdict,
    mapping_dir,
    propose_for_customer,
)

PROPOSAL_KEY = dg.AssetKey(["mapping", "proposal"])
CONFIRMATION_KEY = dg.AssetKey(["mapping", "confirmation"])
MAPPING_CONFIRMED = "mapping_confirmed"


class ProposalConfig(dg.Config):
    model_assisted: bool = Field(
        default=False,
        description="also ask the OpenAI-compatible endpoint in PROPOSALS_MODEL_URL (it receives the profile "
        "only: names, shapes and counts, never a value); disagreements are shown on the review page",
    )


class ConfirmationConfig(dg.Config):
    accepted_by: str = Field(description="who reviewed and accepts the proposed mapping (name or email)")
    edits: str = Field(
        default="",
        description="optional changes in the overrides format, as YAML: {entity: {field: field spec}}",
    )
    destination: Literal["overrides", "system"] = Field(
        default="overrides",
        description="overrides: this customer's mapping_overrides; system: mappings/<system>.yaml for every customer",
    )


@dg.asset(
    key=PROPOSAL_KEY,
    group_name="mapping",
    partitions_def=migration_partitions,
    kinds={"python"},
    description="A proposed mapping for the customer's delivered dump (every table and column profiled), with "
    "a review page under the customer's folder. Until it is confirmed, staging refuses to run.",
)
@guarded_step
def mapping_proposal(context: dg.AssetExecutionContext, config: ProposalConfig, migration_home: MigrationHomeResource):
    customer_id, run_kind = partition_parts(context)
    customer = migration_home.customer(customer_id)
    try:
        record = propose_for_customer(migration_home.home, customer, run_kind, config.model_assisted)
    except (DumpReadError, ModelAssistError) as exc:  # their messages name files and settings, never a value
        raise dg.Failure(description=f"no proposal for {customer_id}|{run_kind}: {exc}") from None
    summary = record["summary"]
    context.log.info(f"proposed {summary['fields']} field choices over {summary['tables']} tables")
    return dg.MaterializeResult(
        metadata={
            **{f"proposal/{k}": dg.MetadataValue.json(v) if isinstance(v, dict) else v for k, v in summary.items()},
            "proposal/version": record["proposal_version"],
            "proposal/layout": record["layout_fingerprint"],
            "proposal/known_profile": record["known_profile"] or "",
            "review_page": dg.MetadataValue.path(str(mapping_dir(migration_home.home, customer_id) / "review.html")),
        }
    )


@dg.asset(
    key=CONFIRMATION_KEY,
    group_name="mapping",
    partitions_def=migration_partitions,
    deps=[PROPOSAL_KEY],
    kinds={"python"},
    description="A person's confirmation of the latest mapping proposal. Launch it from the Launchpad with "
    "accepted_by (and optional edits); the confirmed spec is written with its version hash.",
)
@guarded_step
def mapping_confirmation(
    context: dg.AssetExecutionContext, config: ConfirmationConfig, migration_home: MigrationHomeResource
):
    customer_id, _run_kind = partition_parts(context)
    customer = migration_home.customer(customer_id)
    try:
        edits = yaml.safe_load(config.edits) if config.edits.strip() else None
        if edits is not None and not isinstance(edits, dict):
            raise ConfirmationError("edits: expected a mapping {entity: {field: field spec}}")
        confirmation = confirm_for_customer(
            migration_home.home, customer, config.accepted_by, edits, config.destination
        )
    except (ConfirmationError, yaml.YAMLError) as exc:
        raise dg.Failure(description=f"the proposal cannot be confirmed: {type(exc).__name__}: {exc}") from None
    return dg.MaterializeResult(
        metadata={
            "accepted_by": confirmation["accepted_by"],
            "mapping/spec_version": confirmation["spec_version"],
            "proposal/version": confirmation["proposal_version"],
            "destination": confirmation["destination"],
            "written_to": dg.MetadataValue.path(confirmation["written_to"]),
            "edited_fields": confirmation["edited_fields"],
        }
    )


@dg.asset_check(
    asset=PROPOSAL_KEY,
    name=MAPPING_CONFIRMED,
    blocking=True,
    partitions_def=migration_partitions,
    description="[ERROR] No record moves on a mapping a person has not confirmed: fails while the customer's "
    "latest proposal is unconfirmed, or stale (the dump's tables or columns changed since). Runs after a "
    "proposal and in every staging job; staging itself also refuses (defence in depth). Passes for a customer "
    "with no proposal: the system's hand-written spec is the mapping. Blocking: mapping/confirmation cannot run "
    "in the proposal's own run (a person reviews the proposal first).",
)
@guarded_step
def mapping_confirmed(
    context: dg.AssetCheckExecutionContext, migration_home: MigrationHomeResource
) -> dg.AssetCheckResult:
    keys = context.op_execution_context.partition_key.keys_by_dimension  # type: ignore[union-attr]
    customer = migration_home.customer(keys["customer"])
    state, problem = gate_verdict(migration_home.home, customer, keys["run"])
    counts = gate_counts(migration_home.home, customer.customer_id)
    return check_result(
        MAPPING_CONFIRMED,
        passed=problem is None,
        failed=1,
        checked=1,
        unit="proposals",
        breakdown={state: 1},
        records=mapping_dir(migration_home.home, customer.customer_id) / "review.html" if counts["proposal"] else None,
        heading="why staging is refused",
        metadata={
            **{k: dg.MetadataValue.json(v) if isinstance(v, dict) else v for k, v in counts.items()},
            # The gate's sentence names the customer, the review page and changed tables — never a value.
            "gate": state,
            **({"reason": problem} if problem else {}),
        },
    )


def require_confirmed_mapping(home: MigrationHome, customer: CustomerConfig, run_kind: str) -> None:
    """Fail a step that moves records (blocking, with the reason) on an unconfirmed or stale proposal."""
    problem = confirmation_problem(home, customer, run_kind)
    if problem:
        raise dg.Failure(description=f"staging refused for {customer.customer_id}|{run_kind}: {problem}")
