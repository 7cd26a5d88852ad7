"""Staging a hand-written delivery for a source's golden test: every resource of the system loaded into a
warehouse beside the delivery and the trial partition staged by the system's mapping, then the staged
rows read back literally (tests/pracsuite/test_pracsuite_golden.py, tests/sqlserver_sources/test_*_golden.py).

A SQL-family golden test writes its practice with `write_golden_extract`: its tables as the cell texts the
extract holds (`"2026-04-05 09:00:00.000"`, `"99.0000"`, `"1"`), laid out in the system's own column order
by the family's writer, so each system's test holds only its input rows and its expected rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from mappings.spec import load_spec
from mappings.staging import stage_partition
from mappings.transforms import MappingContext
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from sources.sqlserver import TableDefinition
from store import TableRef, Warehouse, read_partition
from synthetic.sqlserver import Definitions, Style, write_extract

RUN = "trial"


def stage_delivery(
    system_name: str, delivery: Path, *, country: str, time_zone: str, site_time_zones: dict[str, str] | None = None
) -> Warehouse:
    """Load every resource of `delivery` into a warehouse beside it and stage the trial partition in the
    practice's `time_zone` (`site_time_zones` as a customer's per-site setting)."""
    warehouse = Warehouse(delivery.parent / "warehouse.duckdb")
    system = get_system(system_name)
    for resource in system.resources:
        load_raw_resource(warehouse, system, resource, delivery, RUN)
    context = MappingContext(
        f"{system_name}-golden", RUN, system_name, country, time_zone, site_time_zones or {}, dump_dir=delivery
    )
    stage_partition(warehouse, load_spec(system.mapping_spec or system_name), context)
    return warehouse


def write_golden_extract(
    out: Path,
    schema: Mapping[str, TableDefinition],
    tables: Mapping[str, Sequence[Mapping[str, str]]],
    *,
    style: Style,
    definitions: Definitions = "information_schema",
    script: str | None = None,
    terminator: str = "\t",
) -> Path:
    """A SQL Server-family delivery of `tables` (TABLE → rows of cell texts by SQL column; a column not
    given is NULL) in the system's `schema`, as bcp (`terminator` between fields, CRLF, cp1252) or the wizard's CSV."""
    write_extract(out, {name: (schema[name], rows) for name, rows in tables.items()}, style=style,
                  definitions=definitions, script=script, terminator=terminator)  # fmt: skip
    return out


def staged_rows(
    warehouse: Warehouse, entity: str, *columns: str, order_by: str = "canonical_id"
) -> list[dict[str, Any]]:
    """The trial partition's rows of staged.<entity> (also `rejects`, `merges`), `columns` only, in order."""
    with warehouse.connect(read_only=True) as con:
        frame: pl.DataFrame = read_partition(con, TableRef("staged", entity), RUN)
    return frame.sort(order_by).select(columns).to_dicts()
