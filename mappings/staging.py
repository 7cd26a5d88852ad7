"""Stage one partition: run the customer's mapping spec over its raw tables and write the results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mappings.engine import SIDE_TABLE_SCHEMAS, MappingResult, long_text_columns, run_mapping, shape_of
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
    """Map the partition and replace its rows in every output table (the staged layer, or a target's
    schema for a target spec), all in ONE transaction: the layer changes completely or not at all."""
    names = [*spec.entities, *spec.not_migrated, *SIDE_TABLE_SCHEMAS]
    schema = spec.output_schema  # `staged` for source specs, the target's schema (`dynamics`) for target specs

    def ref(name: str) -> TableRef:
        return TableRef(schema, name)

    with warehouse.connect() as con, PartitionWriter(con, mapping.run_kind) as writer:
        for name in names:
            writer.start(ref(name), shape_of(name, spec.model), long_text_columns(name, spec.model))

        def entity_done(entity: str, staged: int) -> None:
            # Its last rows are written now rather than held in memory until the layer is published.
            writer.flush(ref(entity))
            if progress:
                progress(entity, staged)

        result = run_mapping(con, spec, mapping, lambda name, frame: writer.append(ref(name), frame), entity_done)
    with warehouse.connect(read_only=True) as con:
        tables = {
            name: StagedTableSummary(ref(name), writer.rows[str(ref(name))], columns_of(con, ref(name).sql))
            for name in names
        }
    return StageSummary(spec.version, tables, result)
