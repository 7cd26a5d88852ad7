"""Stage one partition: run the customer's mapping spec over its raw tables and write the results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mappings.engine import MappingResult, run_mapping
from mappings.spec import MappingSpec
from mappings.transforms.registry import MappingContext
from store import TableRef, Warehouse, columns_of, replace_partition_from_frame

STAGED_SCHEMA = "staged"
# Tables beside the entities: every row the mapping did not stage is in one of them.
REJECTS = TableRef(STAGED_SCHEMA, "rejects")
FIELD_ISSUES = TableRef(STAGED_SCHEMA, "field_issues")
MERGES = TableRef(STAGED_SCHEMA, "merges")
RECONCILIATION = TableRef(STAGED_SCHEMA, "reconciliation")


def staged_table(entity: str) -> TableRef:
    return TableRef(STAGED_SCHEMA, entity)


@dataclass(frozen=True)
class StagedTableSummary:
    table: TableRef
    rows: int
    columns: list[tuple[str, str]]


@dataclass(frozen=True)
class StageSummary:
    spec_version: str
    tables: dict[str, StagedTableSummary]  # entity name or rejects/field_issues/merges/reconciliation
    result: MappingResult


def stage_partition(
    warehouse: Warehouse, spec: MappingSpec, mapping: MappingContext, progress: Callable[[str, int], None] | None = None
) -> StageSummary:
    """Map the partition and replace its rows in every staged table (each table in one transaction)."""
    with warehouse.connect() as con:
        result = run_mapping(con, spec, mapping, progress)
        tables: dict[str, StagedTableSummary] = {}
        outputs = {name: (staged_table(name), r.staged) for name, r in result.entities.items()}
        outputs |= {
            "rejects": (REJECTS, result.frame("rejects")),
            "field_issues": (FIELD_ISSUES, result.frame("issues")),
            "merges": (MERGES, result.frame("merges")),
            "reconciliation": (RECONCILIATION, result.frame("reconciliation")),
        }
        for name, (ref, frame) in outputs.items():
            rows = replace_partition_from_frame(con, ref, mapping.run_kind, frame)
            tables[name] = StagedTableSummary(ref, rows, columns_of(con, ref.sql))
    return StageSummary(spec.version, tables, result)
