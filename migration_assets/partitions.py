"""Partitions: customer (dynamic, slug ids) × run kind (trial, live). Keys read "<customer>|<run>"."""

from __future__ import annotations

import re

import dagster as dg

from customers import CUSTOMER_ID_PATTERN, RUN_KINDS

customer_partitions = dg.DynamicPartitionsDefinition(name="customer")
run_kind_partitions = dg.StaticPartitionsDefinition(list(RUN_KINDS))
migration_partitions = dg.MultiPartitionsDefinition({"customer": customer_partitions, "run": run_kind_partitions})

_SLUG = re.compile(CUSTOMER_ID_PATTERN)


def partition_parts(context: dg.AssetExecutionContext) -> tuple[str, str]:
    """(customer id, run kind) of the partition being materialised."""
    keys = context.partition_key.keys_by_dimension  # type: ignore[union-attr]
    return keys["customer"], keys["run"]


def add_customer_partition(instance: dg.DagsterInstance, customer_id: str) -> bool:
    """Add a customer's dynamic partition after validating its id (a "|" or "," would break
    multi-partition keys, research/dagster.md §0.2 K). Returns False when it already existed."""
    if not _SLUG.match(customer_id):
        raise ValueError(f"customer id {customer_id!r} is not a slug matching {CUSTOMER_ID_PATTERN}")
    if instance.has_dynamic_partition(customer_partitions.name, customer_id):
        return False
    instance.add_dynamic_partitions(customer_partitions.name, [customer_id])
    return True
