"""Per-customer DuckDB storage: one database file per customer, each layer a schema. Beside it, what every layer
may import and none owns: files inside their roots (files.py), location notes (locations.py), progress lines
(progress.py)."""

from store.warehouse import (
    WORK_TABLE_PREFIX,
    PartitionWriter,
    TableRef,
    Warehouse,
    WarehouseLockedError,
    columns_of,
    partition_count,
    quote_identifier,
    read_partition,
    replace_partition,
    replace_partition_from_frame,
    replace_partition_with_query,
    table_exists,
)

__all__ = [
    "WORK_TABLE_PREFIX",
    "PartitionWriter",
    "TableRef",
    "Warehouse",
    "WarehouseLockedError",
    "columns_of",
    "partition_count",
    "quote_identifier",
    "read_partition",
    "replace_partition",
    "replace_partition_from_frame",
    "replace_partition_with_query",
    "table_exists",
]
