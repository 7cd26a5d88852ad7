"""The approval checklist: which checks each staged entity gets, running them, recording results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import polars as pl

from checks.canonical import data_fields
from checks.findings import CheckDefinition, CheckInput, CheckOutcome
from checks.integrity import (
    duplicates_check,
    field_issues_check,
    reconciliation_check,
    references_check,
    rejects_check,
)
from checks.rules import (
    appointment_times,
    attended_in_future,
    contact_method,
    files_verified,
    future_history_check,
    invoice_lines_sum,
    plausible_birth_dates,
)
from checks.schema import schema_check
from store import TableRef, Warehouse, replace_partition_from_frame

CHECK_RESULTS = TableRef("audit", "check_result")
CHECK_FINDINGS = TableRef("audit", "check_finding")


def _doc(fn: object) -> str:
    """The first paragraph of a rule's docstring: the sentence the checklist reader sees."""
    paragraph = (getattr(fn, "__doc__", "") or "").strip().split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


def checks_for(entity: str) -> list[CheckDefinition]:
    """The checklist items of one staged entity, in the order the report shows them."""
    items = [
        CheckDefinition(
            entity,
            "schema",
            "ERROR",
            f"Rows match the canonical {entity} model: types, required fields, allowed values and formats.",
            schema_check,
        ),
        CheckDefinition(entity, "reconciliation", "ERROR", _doc(reconciliation_check), reconciliation_check),
        CheckDefinition(entity, "future_history", "ERROR", _doc(future_history_check), future_history_check),
        CheckDefinition(entity, "rejects", "WARN", _doc(rejects_check), rejects_check),
        CheckDefinition(entity, "field_issues", "WARN", _doc(field_issues_check), field_issues_check),
    ]
    if any(f.ref for f in data_fields(entity)):
        items.insert(1, CheckDefinition(entity, "references", "ERROR", _doc(references_check), references_check))
    extra: dict[str, list[tuple[str, str, object]]] = {
        "client": [
            ("duplicates", "WARN", duplicates_check),
            ("birth_dates", "ERROR", plausible_birth_dates),
            ("contact_method", "WARN", contact_method),
        ],
        "custom_field_value": [("duplicates", "WARN", duplicates_check)],
        "appointment": [("times", "ERROR", appointment_times), ("attended_in_future", "ERROR", attended_in_future)],
        "invoice": [("lines_sum", "ERROR", invoice_lines_sum)],
        "document": [("files_verified", "ERROR", files_verified)],
    }
    for name, severity, fn in extra.get(entity, []):
        items.append(CheckDefinition(entity, name, severity, _doc(fn), fn))  # type: ignore[arg-type]
    return items


@dataclass(frozen=True)
class CheckResult:
    definition: CheckDefinition
    outcome: CheckOutcome

    @property
    def passed(self) -> bool:
        return self.outcome.passed

    @property
    def key(self) -> str:
        return f"{self.definition.entity}.{self.definition.name}"


def run_checklist(
    warehouse: Warehouse, run_kind: str, system: str, entities: list[str], as_of: date | None = None
) -> list[CheckResult]:
    """Run every check of every entity on the partition's staged tables (read back from DuckDB)."""
    as_of = as_of or datetime.now(UTC).date()
    results: list[CheckResult] = []
    with warehouse.connect(read_only=True) as con:
        shared: dict[str, pl.DataFrame] = {}
        for entity in entities:
            data = CheckInput(entity, run_kind, system, as_of, con, shared)
            for definition in checks_for(entity):
                results.append(CheckResult(definition, definition.run(data)))
    return results


def record_results(
    warehouse: Warehouse,
    run_kind: str,
    results: list[CheckResult],
    *,
    spec_version: str,
    run_id: str | None = None,
    iteration: int | None = None,
    dump_checksum: str | None = None,
) -> None:
    """Persist results and flagged ids in the customer's audit schema (the report reads them)."""
    now = datetime.now(UTC)
    summary = pl.DataFrame(
        [
            {
                "run_kind": run_kind,
                "entity": r.definition.entity,
                "check_name": r.definition.name,
                "severity": r.definition.severity,
                "passed": r.passed,
                "checked": r.outcome.checked,
                "failed": r.outcome.failed,
                "description": r.definition.description,
                "breakdown": json.dumps(r.outcome.breakdown, sort_keys=True),
                "spec_version": spec_version,
                "run_id": run_id,
                "iteration": iteration,
                "dump_checksum": dump_checksum,
                "evaluated_at": now,
            }
            for r in results
        ],
        schema={
            "run_kind": pl.String,
            "entity": pl.String,
            "check_name": pl.String,
            "severity": pl.String,
            "passed": pl.Boolean,
            "checked": pl.Int64,
            "failed": pl.Int64,
            "description": pl.String,
            "breakdown": pl.String,
            "spec_version": pl.String,
            "run_id": pl.String,
            "iteration": pl.Int64,
            "dump_checksum": pl.String,
            "evaluated_at": pl.Datetime("us", "UTC"),
        },
    )
    findings = [
        r.outcome.flagged.with_columns(
            pl.lit(r.definition.entity).alias("entity"), pl.lit(r.definition.name).alias("check_name")
        )
        for r in results
        if r.outcome.flagged.height
    ]
    flagged = (
        pl.concat(findings)
        if findings
        else pl.DataFrame(
            schema={
                "canonical_id": pl.String,
                "source_id": pl.String,
                "detail": pl.String,
                "entity": pl.String,
                "check_name": pl.String,
            }
        )
    )
    flagged = flagged.select(
        pl.lit(run_kind).alias("run_kind"), "entity", "check_name", "canonical_id", "source_id", "detail"
    )
    with warehouse.connect() as con:
        replace_partition_from_frame(con, CHECK_RESULTS, run_kind, summary)
        replace_partition_from_frame(con, CHECK_FINDINGS, run_kind, flagged)
