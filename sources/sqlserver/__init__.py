"""The SQL Server extract family: a database handed over as one file per table (bcp or the export wizard)
with its table definitions — the format reader Profile, PPMP and Front Desk desktop are read through
(docs/sqlserver-extracts.md)."""

from sources.sqlserver.definitions import (
    ColumnDefinition,
    TableDefinition,
    parse_columns_export,
    parse_create_script,
    resource_spec,
    resource_specs,
)
from sources.sqlserver.extract import READ_OPTIONS, SqlServerExtract, extract_system, parse_format_file

__all__ = [
    "READ_OPTIONS",
    "ColumnDefinition",
    "SqlServerExtract",
    "TableDefinition",
    "extract_system",
    "parse_columns_export",
    "parse_create_script",
    "parse_format_file",
    "resource_spec",
    "resource_specs",
]
