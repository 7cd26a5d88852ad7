"""Load one resource of a delivered dump into the customer's raw schema for a run kind."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from sources.base import FieldType, SourceSystem
from sources.coverage import undeclared_fields, with_declared
from sources.raw_contract import RECORD_COLUMN, ParsedFile, ReadOptions
from store import TableRef, Warehouse, columns_of, quote_identifier, replace_partition_with_query


@dataclass(frozen=True)
class RawLoadSummary:
    """What a raw materialisation wrote: counts and names only, never values."""

    table: TableRef
    source_file: str
    rows: int
    columns: list[tuple[str, str]]
    repaired_records: int
    # Delivered top-level fields the resource spec does not declare → records carrying them; and typed
    # columns the mapping does not read that are not declared either → records with a value.
    undeclared_fields: dict[str, int]
    # Read issues per code (unexpected_shape, nul_removed, encoding_repaired): records, never values.
    issue_counts: dict[str, int]
    notes: tuple[str, ...]


def raw_table(system: SourceSystem, resource: str) -> TableRef:
    return TableRef(f"raw_{system.name}", resource)


def read_options(system: SourceSystem, location: object | None = None, encoding: str | None = None) -> ReadOptions:
    """How to read the system's files for one customer: the system's declared options, with the customer's
    location (`source.<run kind>`: its encoding, and an export's `read:` overrides) applied."""
    reads = getattr(location, "read_options", None)
    if callable(reads):
        return reads(system.read_options)
    options = system.read_options or ReadOptions()
    return options.overridden(encoding=encoding)


def load_raw_resource(
    warehouse: Warehouse,
    system: SourceSystem,
    resource: str,
    dump_dir: Path,
    run_kind: str,
    encoding: str | None = None,
    location: object | None = None,
    columns_read: Collection[str] | None = None,
    not_migrated: Mapping[str, str] | None = None,
) -> RawLoadSummary:
    """Read `resource` from `dump_dir` and replace the `run_kind` partition of raw_<system>.<resource>.

    `location` is the customer's `source.<run kind>` block (its encoding and read overrides); without
    one, `encoding` (None: the system's declared encoding) applies. `columns_read` (the columns the
    customer's effective mapping reads from this table) makes typed columns it leaves unread, undeclared,
    findings too (RawLoadSummary.undeclared_fields); `not_migrated` (its `not_migrated_columns` for this table)
    declares more columns, which are then no finding.

    The file is parsed into a temporary table first, then numbered and stored inside the
    partition's transaction. Raises
    sources.base.RawReadError (file, record, field) when it cannot be read as delivered; the
    previous partition then stays exactly as it was.
    """
    spec = system.resources[resource]
    ref = raw_table(system, resource)
    # Nested objects and arrays are kept verbatim as JSON text: a treatment note's content, a
    # patient's custom fields, and the whole record. They are the long values of a dump, stored with zstd.
    long_text = [
        name for name, kind in spec.fields.items() if kind in (FieldType.OBJECT, FieldType.ARRAY, FieldType.JSON)
    ]
    long_text.append(RECORD_COLUMN)
    with warehouse.connect() as con:

        def write(
            sql: str, params: list[object], parsed: ParsedFile, check_rows: Callable[[int], None] | None = None
        ) -> int:
            # The file is parsed before the partition's transaction (a temporary table is this
            # connection's own); a file DuckDB refuses fails here and changes nothing.
            scratch = quote_identifier(parsed.table)
            con.execute(f"create or replace temp table {scratch} as {parsed.sql}", parsed.params)
            try:
                return replace_partition_with_query(
                    con,
                    ref,
                    run_kind,
                    f"select ?::varchar as run_kind, q.* from ({sql}) q",
                    [run_kind, *params],
                    check_rows,
                    long_text,
                )
            finally:
                con.execute(f"drop table if exists {scratch}")

        options = read_options(system, location, encoding)
        result = system.read_resource(Path(dump_dir), spec, write=write, options=options)
        columns = columns_of(con, ref.sql)
        undeclared = undeclared_fields(con, ref, run_kind, with_declared(spec, not_migrated), columns_read)
        counts = con.execute(
            # Qualified: a resource may have a field called `item` (Freehand's invoice lines).
            f"select split_part(t.item, ':', 2) as code, count(distinct _source_record) from {ref.sql}, "
            "unnest(string_split(_read_issues, ';')) as t(item) where run_kind = ? and _read_issues is not null "
            "group by all order by 1",
            [run_kind],
        ).fetchall()
    repaired = len({i.record for i in result.issues})
    return RawLoadSummary(
        ref, result.source_file, result.records, columns, repaired, undeclared, dict(counts), result.notes
    )
