"""A customer's mapping proposal from delivery to confirmation, and the gate staging passes.

Files under the customer's folder (personal data stays there, DESIGN.md §6):

  mapping/proposal.json     what was proposed: the spec, choices with evidence, the dump's layout, counts
  mapping/proposed.yaml     the proposed spec, in the mapping format
  mapping/review.html       the review page (choices, sample rows source → canonical, unmapped columns)
  mapping/confirmation.json who confirmed which proposal, where the confirmed spec went, its version hash

The gate: once a proposal exists for a customer, no record moves until a person has confirmed exactly
that proposal, and while the dump's tables and columns are still the ones it was made for.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from customers import CustomerConfig, MigrationHome
from mappings.spec import SPEC_DIR, SpecError, apply_overrides, parse_spec, spec_version
from proposals.profile import profile_dump
from proposals.propose import Proposal, propose
from proposals.review import render_review, sample_rows
from proposals.tables import DumpReadError, TableOf, dump_layout, read_tables
from sources.base import ResourceSpec
from sources.raw_contract import ReadOptions

MAPPING_DIR = "mapping"
Destination = Literal["overrides", "system"]


class ConfirmationError(Exception):
    """A confirmation that cannot be made; names the file, the setting or the spec path — never a value."""


def mapping_dir(home: MigrationHome, customer_id: str) -> Path:
    return home.customer_dir(customer_id) / MAPPING_DIR


def layout_fingerprint(layout: dict[str, list[str]]) -> str:
    """A hash of the dump's tables and their columns (order-free): what a proposal was made for."""
    canonical = json.dumps({t: sorted(c) for t, c in sorted(layout.items())}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _proposal_record(proposal: Proposal, layout: dict[str, list[str]], run_kind: str) -> dict[str, Any]:
    spec = proposal.spec_data()
    return {
        "system": proposal.system,
        "run_kind": run_kind,
        "proposed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "proposal_version": spec_version(spec),
        "layout": layout,
        "layout_fingerprint": layout_fingerprint(layout),
        "known_profile": proposal.known_profile,
        "summary": proposal.summary(),
        "problems": proposal.problems,
        "spec": spec,
        "tables": [asdict(t) for t in proposal.tables],
        "fields": [asdict(f) for f in proposal.fields],
        "unmapped_columns": proposal.unmapped_columns,
        "unmatched_fields": proposal.unmatched_fields,
        "disagreements": proposal.disagreements,
    }


def propose_for_dump(
    dump: Path,
    system: str,
    country: str,
    out: Path,
    run_kind: str = "trial",
    model_assisted: bool = False,
    options: ReadOptions | None = None,
) -> dict[str, Any]:
    """Profile and propose for one dump; write the record, the proposed spec and the review page to `out`.
    `options` are how the raw layer reads it (None: encoding, delimiter and header detected)."""
    tables = read_tables(dump, options, system_resources(system), system_table_of(system))
    profile = profile_dump(tables)
    proposal = propose(tables, profile, system, country)
    if model_assisted:
        from proposals.model_assist import ModelEndpoint, ask_model, merge_model_answer

        proposal = merge_model_answer(proposal, ask_model(profile, ModelEndpoint.from_environment()))
    layout = {name: frame.columns for name, frame in tables.items()}
    record = _proposal_record(proposal, layout, run_kind)
    out.mkdir(parents=True, exist_ok=True)
    (out / "proposal.json").write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    (out / "proposed.yaml").write_text(
        yaml.safe_dump(record["spec"], sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    samples = sample_rows(proposal, tables, country=country)
    (out / "review.html").write_text(render_review(proposal, profile, samples, record), encoding="utf-8")
    return record


def propose_for_customer(
    home: MigrationHome, config: CustomerConfig, run_kind: str, model_assisted: bool = False
) -> dict[str, Any]:
    """The proposal for the customer's delivered dump of `run_kind`, under the customer's folder. A new
    proposal replaces the previous one, so an earlier confirmation no longer counts (the gate)."""
    dump = home.source_dir(config, run_kind)
    return propose_for_dump(
        dump,
        config.source.system,
        config.country,
        mapping_dir(home, config.customer_id),
        run_kind,
        model_assisted,
        customer_read_options(config, run_kind),
    )


def customer_read_options(config: CustomerConfig, run_kind: str) -> ReadOptions:
    """How the raw layer reads this customer's dump: the system's declared profile with the customer's
    encoding and `read:` overrides, so the proposal sees the tables the raw layer will load."""
    from sources.raw_layer import read_options
    from sources.registry import get_system

    return read_options(get_system(config.source.system), config.source_for(run_kind))


def system_resources(system: str) -> Mapping[str, ResourceSpec]:
    """The registered system's resources, whose delivered columns the raw layer renames to field names;
    none for a system not registered yet (its columns are proposed as delivered)."""
    from sources.registry import get_system

    try:
        return get_system(system).resources
    except KeyError:
        return {}


def system_table_of(system: str) -> TableOf | None:
    """How the registered system's raw layer names a delivered file's table (a SQL Server extract's
    `PATIENT.csv` holds `patient`; its definitions file is no table); None for a system not registered
    yet (a file's table is its stem)."""
    from sources.registry import get_system

    try:
        registered = get_system(system)
    except KeyError:
        return None
    resource_of = registered.resource_of
    if resource_of is None:
        return None

    def table_of(file_name: str) -> str | None:
        return None if file_name in registered.delivery_files else resource_of(file_name)

    return table_of


def read_record(home: MigrationHome, customer_id: str, name: str) -> dict[str, Any] | None:
    path = mapping_dir(home, customer_id) / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _spec_header(version: str, accepted_by: str, proposal_version: str) -> str:
    return (
        f"# Confirmed mapping proposal (docs/mapping-proposals.md): version {version}, proposal {proposal_version},\n"
        f"# accepted by {accepted_by} on {datetime.now(UTC).date().isoformat()}. Format: docs/mapping-spec.md.\n"
    )


def confirm_for_customer(
    home: MigrationHome,
    config: CustomerConfig,
    accepted_by: str,
    edits: dict[str, Any] | None = None,
    destination: Destination = "overrides",
    spec_dir: Path = SPEC_DIR,
) -> dict[str, Any]:
    """Confirm the customer's latest proposal, with optional edits (`{entity: {field: spec}}`, the
    overrides format): validated, then written to the customer's `mapping_overrides` or, system-wide,
    to mappings/<spec>.yaml; the confirmation records its version hash."""
    from checks.approval import customer_spec
    from sources.registry import get_system

    if not accepted_by.strip():
        raise ConfirmationError("accepted_by: say who confirms the mapping")
    record = read_record(home, config.customer_id, "proposal.json")
    if record is None:
        raise ConfirmationError(
            f"{config.customer_id}: no mapping proposal to confirm; materialise mapping/proposal first"
        )
    data = apply_overrides(record["spec"], edits) if edits else record["spec"]
    delivered = {t: set(c) for t, c in record["layout"].items()}
    parse_spec(data, "confirmed proposal", delivered=delivered)  # raises SpecError naming every problem
    system = get_system(config.source.system)
    if destination == "system":
        path = spec_dir / f"{system.spec_name}.yaml"
        version = spec_version(data)
        body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        path.write_text(_spec_header(version, accepted_by, record["proposal_version"]) + body, encoding="utf-8")
        written = str(path)
    else:
        written = _write_overrides(home, config, data, system.spec_name, spec_dir)
    confirmed = home.load(config.customer_id)
    version = customer_spec(confirmed).version
    confirmation = {
        "accepted_by": accepted_by,
        "confirmed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "proposal_version": record["proposal_version"],
        "layout_fingerprint": record["layout_fingerprint"],
        "spec_version": version,
        "destination": destination,
        "written_to": written,
        "edited_fields": sum(len(v) for v in (edits or {}).values() if isinstance(v, dict)),
    }
    (mapping_dir(home, config.customer_id) / "confirmation.json").write_text(
        json.dumps(confirmation, indent=2), encoding="utf-8"
    )
    return confirmation


def _write_overrides(
    home: MigrationHome, config: CustomerConfig, data: dict[str, Any], spec_name: str, spec_dir: Path
) -> str:
    """The confirmed entities as the customer's overrides (`{entity: {sources: [...]}}`); only possible
    where the system's spec has those entities and tables — otherwise confirm system-wide."""
    base = yaml.safe_load((spec_dir / f"{spec_name}.yaml").read_text(encoding="utf-8"))
    unknown = sorted(set(data["entities"]) - set(base.get("entities", {})))
    if unknown:
        raise ConfirmationError(
            f"mappings/{spec_name}.yaml has no entities {unknown}: customer overrides cannot add entities; "
            "confirm with destination 'system'"
        )
    path = home.config_path(config.customer_id)
    before = path.read_text(encoding="utf-8")
    current = yaml.safe_load(before)
    # The proposal replaces the entities it maps; what else the customer's overrides hold (entities it does not
    # map, columns declared not migrated) is the customer's own decision and is kept.
    overrides = {
        key: value for key, value in (current.get("mapping_overrides") or {}).items() if key not in data["entities"]
    }
    overrides |= {entity: {"sources": spec["sources"]} for entity, spec in data["entities"].items()}
    try:
        parse_spec(apply_overrides(base, overrides), f"mappings/{spec_name}.yaml with the confirmed proposal")
    except SpecError as exc:
        raise ConfirmationError(
            "the confirmed proposal does not fit the system's spec as overrides: " + "; ".join(exc.problems)
        ) from None
    current["mapping_overrides"] = overrides
    path.write_text(yaml.safe_dump(current, sort_keys=False, allow_unicode=True), encoding="utf-8")
    try:
        home.load(config.customer_id)
    except Exception:
        path.write_text(before, encoding="utf-8")  # never leave a configuration the customer cannot load
        raise
    return str(path)


def gate_counts(home: MigrationHome, customer_id: str) -> dict[str, Any]:
    """What the gate shows beside its verdict (the `mapping_confirmed` check's metadata): the latest
    proposal's counts — tables, field choices by confidence band, open questions — and the confirmation's
    edited fields. Counts only, never a value or a column name."""
    proposal = read_record(home, customer_id, "proposal.json")
    if proposal is None:
        return {"proposal": False}
    confirmation = read_record(home, customer_id, "confirmation.json")
    confirmed = confirmation is not None and confirmation.get("proposal_version") == proposal["proposal_version"]
    summary = proposal["summary"]
    return {
        "proposal": True,
        "known_profile": bool(proposal.get("known_profile")),
        "tables": summary["tables"],
        "entities": summary["entities"],
        "fields_proposed": summary["fields"],
        "fields_confirmed": summary["fields"] if confirmed else 0,
        "fields_edited": confirmation["edited_fields"] if confirmed and confirmation else 0,
        "fields_by_confidence": summary["fields_by_confidence"],
        "open_questions": summary["open_questions"],
        "unmapped_columns": summary["unmapped_columns"],
        "spec_problems": summary["spec_problems"],
    }


GateState = Literal["no_proposal", "unconfirmed", "stale", "confirmed"]


def confirmation_problem(home: MigrationHome, config: CustomerConfig, run_kind: str) -> str | None:
    """Why no record of this customer may move (None: it may). Customers without a proposal are not
    gated: their system's hand-written spec is the mapping."""
    return gate_verdict(home, config, run_kind)[1]


def gate_verdict(home: MigrationHome, config: CustomerConfig, run_kind: str) -> tuple[GateState, str | None]:
    """The gate's state for the customer's `run_kind` and, when records may not move, the reason (a sentence
    naming the customer, the review page or the changed tables — never a value)."""
    proposal = read_record(home, config.customer_id, "proposal.json")
    if proposal is None:
        return "no_proposal", None
    where = mapping_dir(home, config.customer_id)
    confirmation = read_record(home, config.customer_id, "confirmation.json")
    if confirmation is None or confirmation.get("proposal_version") != proposal["proposal_version"]:
        return "unconfirmed", (
            f"the mapping proposal for {config.customer_id} is not confirmed: review {where / 'review.html'} and "
            "materialise mapping/confirmation with accepted_by (or run `practice-migrate mapping confirm`)"
        )
    try:
        layout = dump_layout(
            home.source_dir(config, run_kind),
            customer_read_options(config, run_kind),
            system_resources(config.source.system),
            system_table_of(config.source.system),
        )
    except DumpReadError as exc:
        return "stale", (
            f"the mapping proposal for {config.customer_id} is stale: the {run_kind} dump cannot be read as "
            f"tables ({exc})"
        )
    if layout_fingerprint(layout) != proposal["layout_fingerprint"]:
        changed = sorted(
            t
            for t in set(layout) | set(proposal["layout"])
            if sorted(layout.get(t, [])) != sorted(proposal["layout"].get(t, []))
        )
        return "stale", (
            f"the mapping proposal for {config.customer_id} is stale: the {run_kind} dump's tables or columns "
            f"changed since it was made ({', '.join(changed)}); materialise mapping/proposal again and confirm it"
        )
    return "confirmed", None
