"""The SQL Server extract family: a database handed over as one file per table (bcp or the export wizard)
with its table definitions — the format reader Profile, PPMP and Front Desk desktop are read through
(docs/sqlserver-extracts.md)."""

from sources.sqlserver.definitions import (
    ColumnDefinition,
    TableDefinition,
    parse_columns_export,
    parse_create_script,
    resource_spec,
)
from sources.sqlserver.extract import READ_OPTIONS, SqlServerExtract, parse_format_file

__all__ = [
    "READ_OPTIONS",
    "ColumnDefinition",
    "SqlServerExtract",
    "TableDefinition",
    "parse_columns_export",
    "parse_create_script",
    "parse_format_file",
    "resource_spec",
]
