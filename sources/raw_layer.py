"""Load one resource of a delivered dump into the customer's raw schema for a run kind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from sources.base import SourceSystem
from store import TableRef, Warehouse, columns_of, replace_partition


@dataclass(frozen=True)
class RawLoadSummary:
    """What a raw materialisation wrote: counts and names only, never values."""

    table: TableRef
    source_file: str
    rows: int
    columns: list[tuple[str, str]]
    repaired_records: int
    unexpected_fields: tuple[str, ...]


def raw_table(system: SourceSystem, resource: str) -> TableRef:
    return TableRef(f"raw_{system.name}", resource)


def load_raw_resource(
    warehouse: Warehouse, system: SourceSystem, resource: str, dump_dir: Path, run_kind: str, encoding: str = "utf-8"
) -> RawLoadSummary:
    """Read `resource` from `dump_dir` and replace the `run_kind` partition of raw_<system>.<resource>.

    Raises sources.base.RawReadError (file, record, field) when the file cannot be read as delivered;
    then nothing is written and the previous partition stays as it was.
    """
    spec = system.resources[resource]
    ref = raw_table(system, resource)
    with warehouse.connect() as con:
        result = system.read_resource(con, Path(dump_dir), spec, encoding=encoding)
        load = f"_load_{resource}"
        if not result.issues:
            con.execute(
                f'create or replace temp table "{load}" as '
                f'select ? as run_kind, r.*, null::varchar as _read_issues from "{result.relation_name}" r',
                [run_kind],
            )
        else:
            issues = (
                pl.DataFrame(
                    {
                        "_source_record": [i.record for i in result.issues],
                        "item": [f"{i.field}:{i.code}" for i in result.issues],
                    },
                    schema={"_source_record": pl.Int64, "item": pl.String},
                )
                .group_by("_source_record")
                .agg(pl.col("item").str.join(";").alias("_read_issues"))
            )
            con.register("_read_issue_frame", issues)
            con.execute(
                f'create or replace temp table "{load}" as '
                f'select ? as run_kind, r.*, i._read_issues from "{result.relation_name}" r '
                "left join _read_issue_frame i using (_source_record) order by r._source_record",
                [run_kind],
            )
            con.unregister("_read_issue_frame")
        rows = replace_partition(con, ref, run_kind, load)
        columns = columns_of(con, ref.sql)
        con.execute(f'drop table "{load}"')
        con.execute(f'drop table "{result.relation_name}"')
    repaired = len({i.record for i in result.issues})
    return RawLoadSummary(ref, result.source_file, rows, columns, repaired, result.unexpected_fields)
