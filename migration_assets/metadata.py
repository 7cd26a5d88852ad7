"""Dagster metadata built from table summaries: counts, names and column types, never values."""

from __future__ import annotations

import dagster as dg

from store import TableRef

# Flagged ids shown in check metadata: enough to find records in the report, bounded for the UI.
MAX_IDS_IN_METADATA = 20


def table_metadata(table: TableRef, rows: int, columns: list[tuple[str, str]]) -> dict[str, object]:
    return {
        "dagster/row_count": rows,
        "dagster/table_name": str(table),
        "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn(name, dtype) for name, dtype in columns]),
    }
