"""Stage one partition: run the customer's mapping spec over its raw tables and write the results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mappings.engine import SIDE_TABLE_SCHEMAS, MappingResult, run_mapping, shape_of
from mappings.spec import MappingSpec
from mappings.transforms.registry import MappingContext
from store import PartitionWriter, TableRef, Warehouse, columns_of

STAGED_SCHEMA = "staged"
# Tables beside the entities: every row the mapping did not stage is in one of them.
REJECTS = TableRef(STAGED_SCHEMA, "rejects")
FIELD_ISSUES = TableRef(STAGED_SCHEMA, "field_issues")
MERGES = TableRef(STAGED_SCHEMA, "merges")
RECONCILIATION = TableRef(STAGED_SCHEMA, "reconciliation")


def staged_table(name: str) -> TableRef:
    return TableRef(STAGED_SCHEMA, name)


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
    """Map the partition and replace its rows in every staged table, all in ONE transaction: the
    staged layer of a partition changes completely or not at all."""
    names = [*spec.entities, *SIDE_TABLE_SCHEMAS]
    with warehouse.connect() as con, PartitionWriter(con, mapping.run_kind) as writer:
        for name in names:
            writer.start(staged_table(name), shape_of(name))
        result = run_mapping(con, spec, mapping, lambda name, frame: writer.append(staged_table(name), frame), progress)
    with warehouse.connect(read_only=True) as con:
        tables = {
            name: StagedTableSummary(
                staged_table(name), writer.rows[str(staged_table(name))], columns_of(con, staged_table(name).sql)
            )
            for name in names
        }
    return StageSummary(spec.version, tables, result)
