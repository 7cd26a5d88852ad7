"""Dagster metadata built from table summaries: counts, names and column types, never values."""

from __future__ import annotations

import dagster as dg

from mappings.models import CanonicalField
from store import TableRef

# Who answers for an asset in the UI (Dagster owners: a team or an email).
ASSET_OWNERS = ("team:practice-migration",)


def table_metadata(table: TableRef, rows: int, columns: list[tuple[str, str]]) -> dict[str, object]:
    return {
        "dagster/row_count": rows,
        "dagster/table_name": str(table),
        "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn(name, dtype) for name, dtype in columns]),
    }


def column_schema(fields: tuple[CanonicalField, ...]) -> dg.TableSchema:
    """A model's columns with their types and descriptions (definition-time metadata, no values)."""
    return dg.TableSchema(
        columns=[dg.TableColumn(f.name, str(f.dtype), description=f.description or None) for f in fields]
    )


def with_owners(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Every asset's owners (ASSET_OWNERS) unless it names its own."""
    return spec if spec.owners else spec.replace_attributes(owners=list(ASSET_OWNERS))


def latest_materialization(
    instance: dg.DagsterInstance, key: dg.AssetKey, partition: str, *, after: float = 0.0, first: bool = False
) -> dg.EventLogRecord | None:
    """The newest (or with `first`, the oldest) materialisation of one partition of an asset, after a time."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition], after_timestamp=after or None),
        limit=1,
        ascending=first,
    ).records
    return records[0] if records else None
