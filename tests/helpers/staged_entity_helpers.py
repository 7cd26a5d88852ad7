"""A staged entity table of a customer's trial partition, read from the migration home the running test
points MIGRATION_HOME at (a module fixture of tests/helpers/vendor_export_helpers.py `staged_export` keeps
it set while its tests run)."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from customers import MigrationHome
from store import TableRef, Warehouse, read_partition


def staged_table(customer: str, entity: str) -> pl.DataFrame:
    home = MigrationHome(Path(os.environ["MIGRATION_HOME"]))
    warehouse = Warehouse.for_customer(home.customer_dir(customer))
    with warehouse.connect(read_only=True) as con:
        return read_partition(con, TableRef("staged", entity), "trial")
