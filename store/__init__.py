"""Per-customer DuckDB storage: one database file per customer, each layer a schema."""

from store.warehouse import (
    TableRef,
    Warehouse,
    WarehouseLockedError,
    columns_of,
    partition_count,
    quote_identifier,
    read_partition,
    replace_partition,
    replace_partition_from_frame,
)

__all__ = [
    "TableRef",
    "Warehouse",
    "WarehouseLockedError",
    "columns_of",
    "partition_count",
    "quote_identifier",
    "read_partition",
    "replace_partition",
    "replace_partition_from_frame",
]
