"""Dagster metadata built from table summaries and check outcomes: counts, names, reason codes and column types,
never values."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from checks.blocking import is_blocking
from checks.check_text import breakdown_markdown, text_verdict
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


def check_result(
    check_name: str,
    *,
    passed: bool,
    severity: str = "ERROR",
    failed: int = 0,
    checked: int | None = None,
    breakdown: Mapping[str, int] | None = None,
    records: Path | None = None,
    asset_key: dg.AssetKey | None = None,
    unit: str = "records",
    heading: str = "reason code",
    metadata: Mapping[str, object] | None = None,
) -> dg.AssetCheckResult:
    """Every asset check result of the code location, built one way (issue 25 item 5): the description is a
    short text verdict, `breakdown` a markdown table of reason codes and counts, `records` the path of the file in
    the customer's folder that lists which records (the only place their ids and values are)."""
    verdict = text_verdict(passed, severity, failed, checked, breakdown, unit)
    markdown = breakdown_markdown(
        verdict, {} if passed else (breakdown or {}), str(records) if records else None, heading
    )
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=check_name,
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR if is_blocking(severity) else dg.AssetCheckSeverity.WARN,
        description=verdict,
        metadata={
            **({"checked": checked} if checked is not None else {}),
            "failed": 0 if passed else failed,
            "breakdown": dg.MetadataValue.md(markdown),
            **({"records": dg.MetadataValue.path(str(records))} if records else {}),
            **(metadata or {}),
        },
    )
