"""A delivered export staged without Dagster, and its staged rows read back: for a vendor-export system's golden
practice (tests/tabular_sources/test_template_golden.py; docs/adding-a-source.md item 7) and for tests of
what staging makes of one delivered row.

A system's golden test writes a few records by hand in its format, calls `stage_export`, and compares the
staged rows a person worked out from them, written literally, with `staged_differences` (the comparison of
tests/helpers/golden_helpers.py, on `{entity: {canonical id: {column: value}}}`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from golden_helpers import Difference, Rows, golden_differences

from mappings.spec import load_spec
from mappings.staging import stage_partition
from mappings.transforms import MappingContext
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import TableRef, Warehouse, read_partition

ZONES = {"NZ": "Pacific/Auckland", "AU": "Australia/Sydney", "UK": "Europe/London"}
RUN_KIND = "trial"


def write_export(folder: Path, files: dict[str, str | bytes]) -> Path:
    """A hand-written delivery: each file (`clients.csv`, `documents/referral.pdf`) with its literal content,
    text as UTF-8 with the line ends written in it."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return folder


def stage_export(
    export: Path,
    system: str,
    *,
    country: str,
    warehouse: Path | None = None,
    before_staging: Callable[[Warehouse], None] | None = None,
) -> Warehouse:
    """Read every resource of `system` from `export` into a warehouse (beside the export unless named) and stage
    the trial partition for a customer of `country` in its main zone. `before_staging` may alter the raw layer
    first (a row as a reader leaves it)."""
    store = Warehouse(warehouse or export.parent / f"{export.name}.duckdb")
    source = get_system(system)
    for resource in source.resources:
        load_raw_resource(store, source, resource, export, RUN_KIND)
    if before_staging is not None:
        before_staging(store)
    context = MappingContext(f"{system}-golden", RUN_KIND, system, country, ZONES[country], dump_dir=export)
    stage_partition(store, load_spec(source.spec_name), context)
    return store


def staged_table(warehouse: Warehouse, table: str) -> pl.DataFrame:
    """One staged table (an entity, or `rejects`, `merges`, `reconciliation`) for the trial partition."""
    with warehouse.connect(read_only=True) as con:
        return read_partition(con, TableRef("staged", table), RUN_KIND)


def staged_differences(warehouse: Warehouse, expected: Rows) -> list[Difference]:
    """Every expected staged value the entity does not hold, every expected record it lacks and every record it
    holds beyond them. `expected` names only the columns worked out by hand; the others are not compared."""
    actual: Rows = {}
    for entity in expected:
        rows: dict[str, dict[str, Any]] = {}
        for row in staged_table(warehouse, entity).to_dicts():
            rows[row["canonical_id"]] = row
        actual[entity] = rows
    return golden_differences(expected, actual)


def outcomes_of(warehouse: Warehouse, system: str, source_table: str, record: int) -> list[tuple[str, str]]:
    """Every (entity or side table, reason) a delivered record ended as: staged in an entity, merged, or
    rejected. One delivered row of a row-grain table has exactly one."""
    found: list[tuple[str, str]] = []
    rejects = staged_table(warehouse, "rejects")
    merges = staged_table(warehouse, "merges")
    mine = (pl.col("source_table") == source_table) & (pl.col("source_record") == record)
    found += [(r["entity"], r["reason"]) for r in rejects.filter(mine).to_dicts()]
    found += [(r["entity"], "merged") for r in merges.filter(mine).to_dicts()]
    for entity in load_spec(get_system(system).spec_name).entities:
        frame = staged_table(warehouse, entity)
        if "source_record" in frame.columns:
            found += [(entity, "staged")] * frame.filter(mine).height
    return found
