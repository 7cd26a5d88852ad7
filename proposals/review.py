"""The review page a person confirms a proposal from: each choice with its evidence and confidence, ten
sample rows source → canonical, unmapped columns and unmatched canonical fields. It shows delivered
values, so it is written only under the customer's own folder (proposals/workflow.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl

from checks.canonical import data_fields
from checks.html import render_report
from mappings.evaluate import MappingError, cast_to, condition_mask, evaluate
from mappings.spec import SpecError, field_columns, parse_spec
from mappings.transforms.registry import MappingContext, TransformContext
from proposals.profile import DumpProfile
from proposals.propose import Proposal

SAMPLE_ROWS = 10
_ZONES = {"NZ": "Pacific/Auckland", "AU": "Australia/Sydney", "UK": "Europe/London"}


@dataclass
class SampleCell:
    field: str
    source: str  # the source column(s) or form
    delivered: list[str | None]  # per sample row
    canonical: list[str | None]
    issues: list[str | None]


def sample_rows(
    proposal: Proposal, tables: dict[str, pl.DataFrame], country: str = "NZ"
) -> dict[tuple[str, str], list[SampleCell]]:
    """The first rows of each proposed source (table, entity) run through the proposed spec's field specs,
    side by side with what was delivered; a table split among entities shows each entity its own rows (the
    source's `where`). A field that cannot be evaluated says why (no value)."""
    delivered = {name: set(frame.columns) for name, frame in tables.items()}
    data = proposal.spec_data()
    spec = None
    # Entities whose spec does not validate yet are left out of the samples (the page lists why);
    # the others are shown.
    while spec is None and data["entities"]:
        try:
            spec = parse_spec(data, "proposal", delivered=delivered)
        except SpecError as exc:
            broken = {p.split(".")[1] for p in exc.problems if p.startswith("entities.")}
            if not broken:
                return {}
            data = {**data, "entities": {e: v for e, v in data["entities"].items() if e not in broken}}
            data["lookups"] = sorted(
                set(tables) - {s["table"] for v in data["entities"].values() for s in v["sources"]}
            )
    if spec is None:
        return {}
    context = MappingContext("review", "trial", proposal.system, country, _ZONES.get(country, "UTC"))
    out: dict[tuple[str, str], list[SampleCell]] = {}
    for entity, entity_spec in spec.entities.items():
        canonical = {f.name: f for f in data_fields(entity)}
        for source in entity_spec.sources:
            rows = tables[source.table]
            if source.where is not None:
                rows = rows.filter(condition_mask(source.where, rows, f"{entity} where"))
            frame = _with_joins(rows.head(SAMPLE_ROWS), source.joins, tables)
            ctx = TransformContext(frame, {}, context, "", entity)
            cells = []
            for name, field_spec in source.fields.items():
                ctx.field = name
                columns = field_columns(field_spec)
                shown = [c for c in columns if c in frame.columns]
                original = (
                    frame.select(pl.concat_str([pl.col(c) for c in shown], separator=" | ", ignore_nulls=True))
                    .to_series()
                    .to_list()
                    if shown
                    else [None] * frame.height
                )
                try:
                    result = cast_to(
                        evaluate(field_spec, frame, ctx, f"{entity}.{name}", spec.defaults.get("string")),
                        canonical[name].dtype,
                        name,
                    )
                    ctx.outputs[name] = result.values
                    ctx.output_issues[name] = result.issues
                    values = [None if v is None else str(v) for v in result.values.to_list()]
                    issues = result.issues.to_list()
                except (MappingError, KeyError, ValueError, pl.exceptions.PolarsError) as exc:
                    values, issues = [None] * frame.height, [f"not evaluated: {type(exc).__name__}"] * frame.height
                cells.append(SampleCell(name, ", ".join(columns) or "(derived)", original, values, issues))
            out[(source.table, entity)] = cells
    return out


def _with_joins(frame: pl.DataFrame, joins: dict[str, Any], tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The sample rows with each joined lookup's columns as `alias.column` (lookup keys are unique, or the
    join concatenates the values of a key's rows)."""
    for alias, join in joins.items():
        left, right = field_columns(join.left), field_columns(join.right)
        if len(left) != 1 or len(right) != 1 or join.table not in tables:
            continue
        lookup = tables[join.table]
        if join.many == "concat":  # several rows per key (a patient's addresses): their values joined, one row
            kept = [c for c in (join.columns or lookup.columns) if c in lookup.columns and c != right[0]]
            lookup = lookup.group_by(right[0], maintain_order=True).agg(
                pl.col(c).drop_nulls().str.join(join.separator) for c in kept
            )
        lookup = lookup.rename(lambda c, a=alias: f"{a}.{c}")
        frame = frame.join(lookup, left_on=left[0], right_on=f"{alias}.{right[0]}", how="left", maintain_order="left")
    return frame


def render_review(
    proposal: Proposal,
    profile: DumpProfile,
    samples: dict[tuple[str, str], list[SampleCell]],
    record: dict[str, Any],
) -> str:
    return render_report(
        "mapping_review.html.j2",
        package="proposals",
        proposal=proposal,
        profile=profile,
        samples=samples,
        record=record,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
