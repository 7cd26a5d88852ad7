"""What a delivery carries that the mapping does not take: fields no spec declares, typed columns the mapping
does not read that no spec declares either, fields declared "not migrated" that hold values, and files that are
not a known resource (DESIGN.md §2: a delivered
field or file the spec does not know is a finding, never dropped silently).

Everything here is counted from raw `_record` (the whole record as delivered) with SQL, and returns
field and file names with record counts only — never a value.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from sources.base import ResourceSpec, SourceSystem
from sources.ndjson import RECORD_COLUMN
from store import TableRef, columns_of, quote_identifier, table_exists

# The reason for HATEOAS links (a resource's own `links`, and link-only fields pointing at related
# collections): navigation for API clients, no practice data. Declared, and left out of the report.
NAVIGATION = "navigation link only (the API's pointer to related records; the records are read themselves)"
UNDECLARED = "not declared in the spec: review whether it must be migrated"
# A typed raw column (one the source spec reads into raw) that the effective mapping does not read, and that
# the spec does not declare not migrated: delivered, typed, and dropped without a reason.
UNREAD = "read into raw but not by the mapping, and not declared: review whether it must be migrated"
# The field name of the one finding for a table declared wholly not migrated (its records, its reason).
WHOLE_TABLE = "(whole table)"


@dataclass(frozen=True)
class DeliveredField:
    """A delivered field the mapping does not take: where, how many records carry a value, why."""

    resource: str
    field: str
    records_with_value: int
    reason: str


def _json_path(field: str) -> str:
    # A quoted JSONPath member, so a field name with dots or spaces is read as one key.
    return "$." + '"' + field.replace('"', '\\"') + '"'


def _keeps_records(con: duckdb.DuckDBPyConnection, ref: TableRef) -> bool:
    """Whether raw table `ref` exists and keeps each delivered record whole (RECORD_COLUMN)."""
    return table_exists(con, ref) and RECORD_COLUMN in {name for name, _ in columns_of(con, ref.sql)}


def with_declared(spec: ResourceSpec, declared: Mapping[str, str] | None) -> ResourceSpec:
    """`spec` with more delivered columns declared not migrated (a customer's `mapping_overrides`
    `not_migrated_columns` for this table): the findings then name their reason instead of "not declared"."""
    return replace(spec, not_migrated={**spec.not_migrated, **declared}) if declared else spec


def unread_columns(spec: ResourceSpec, columns_read: Collection[str]) -> list[str]:
    """The typed fields of `spec` that the mapping does not read (`columns_read`: the columns its effective
    mapping reads from this table) and that are not declared not migrated."""
    return [name for name in spec.fields if name not in columns_read and name not in spec.not_migrated]


def undeclared_fields(
    con: duckdb.DuckDBPyConnection,
    ref: TableRef,
    run_kind: str,
    spec: ResourceSpec,
    columns_read: Collection[str] | None = None,
) -> dict[str, int]:
    """Fields of the `run_kind` records of raw table `ref` that nothing accounts for, each with a record count:
    top-level fields of the whole record that `spec` does not declare (records carrying it, null or not), and,
    given `columns_read` (what the effective mapping reads from this table), typed columns that the mapping
    does not read and `spec` does not declare not migrated (records with a value)."""
    found = _undeclared_in_records(con, ref, run_kind, spec)
    if columns_read is not None:
        unread = unread_columns(spec, columns_read)
        found |= records_with_value(con, ref, run_kind, unread)
    return dict(sorted(found.items()))


def _undeclared_in_records(
    con: duckdb.DuckDBPyConnection, ref: TableRef, run_kind: str, spec: ResourceSpec
) -> dict[str, int]:
    # A table without the whole record (a source read from typed tables, e.g. Gensolve's) has none.
    if not _keeps_records(con, ref):
        return {}
    rows = con.execute(
        f"select k, count(*) from (select unnest(json_keys({quote_identifier(RECORD_COLUMN)})) as k "
        f"from {ref.sql} where run_kind = ?) where not list_contains(?::varchar[], k) group by k order by k",
        [run_kind, sorted(spec.declared)],
    ).fetchall()
    return {str(name): int(count) for name, count in rows}


def _json_holds_value(member: str, depth: int = 1) -> str:
    """SQL: JSON `member` holds a value — present and not null, and not a string of only whitespace, an empty
    array or an empty object (`""`, `[]`, `{}` are delivered but carry nothing to migrate). An object holds a
    value when one of its members does (`{"a": null}` is as empty as `{}`, as checks/report.py counts a
    struct), looked at `depth` levels down; below that, any member counts."""
    if depth > 0:
        # The members' values, not their keys: a key is not a safe JSON path (`$x`, `a.b`).
        members = f"map_values(try_cast({member} as MAP(VARCHAR, JSON)))"
        value = f"member_{depth}"
        inner = _json_holds_value(value, depth - 1)
        empty_object = f"not coalesce(list_bool_or(list_transform({members}, lambda {value}: {inner})), false)"
    else:
        empty_object = f"len(json_keys({member})) = 0"
    return (
        f"(coalesce(json_type({member}), 'NULL') <> 'NULL'"
        f" and not (json_type({member}) = 'VARCHAR' and trim({member} ->> '$') = '')"
        f" and not (json_type({member}) = 'ARRAY' and json_array_length({member}) = 0)"
        f" and not (json_type({member}) = 'OBJECT' and {empty_object}))"
    )


def _column_holds_value(column: str, sql_type: str) -> str:
    """SQL: typed column `column` (of DuckDB type `sql_type`) holds a value, as `_json_holds_value` says."""
    if sql_type == "JSON":
        return _json_holds_value(column)
    if sql_type == "VARCHAR":
        return f"trim({column}) <> ''"
    if sql_type.endswith("[]") or sql_type.startswith("MAP("):
        return f"len({column}) > 0"
    if sql_type.startswith("STRUCT("):
        return _json_holds_value(f"to_json({column})")  # a struct whose fields are all null holds nothing
    return f"{column} is not null"


def records_with_value(
    con: duckdb.DuckDBPyConnection, ref: TableRef, run_kind: str, fields: Collection[str]
) -> dict[str, int]:
    """Per field, the `run_kind` records of `ref` whose delivered value holds something — not null, and not
    `""` (or only whitespace), `[]` or `{}` (one scan): read from the whole record where raw keeps it, else
    from the typed column (Gensolve's tables, every column declared); a field with neither counts 0."""
    names = list(fields)
    if not names or not table_exists(con, ref):
        return dict.fromkeys(names, 0)
    if not _keeps_records(con, ref):
        types = dict(columns_of(con, ref.sql))
        typed = [n for n in names if n in types]
        counts = dict.fromkeys(names, 0)
        if typed:
            filters = (f"count(*) filter (where {_column_holds_value(quote_identifier(n), types[n])})" for n in typed)
            query = f"select {', '.join(filters)} from {ref.sql} where run_kind = ?"
            row = con.execute(query, [run_kind]).fetchall()[0]
            counts |= dict(zip(typed, (int(c) for c in row), strict=True))
        return counts
    # The members read once per record (json_extract with a list of paths gives them in that order).
    counts = ", ".join(f"count(*) filter (where {_json_holds_value(f'member[{i}]')})" for i in range(1, len(names) + 1))
    row = con.execute(
        f"select {counts} from (select json_extract({quote_identifier(RECORD_COLUMN)}, ?::varchar[]) as member "
        f"from {ref.sql} where run_kind = ?)",
        [[_json_path(n) for n in names], run_kind],
    ).fetchall()[0]
    return dict(zip(names, (int(c) for c in row), strict=True))


def _record_count(con: duckdb.DuckDBPyConnection, ref: TableRef, run_kind: str) -> int:
    row = con.execute(f"select count(*) from {ref.sql} where run_kind = ?", [run_kind]).fetchone()
    return int(row[0]) if row else 0


def delivered_not_migrated(
    con: duckdb.DuckDBPyConnection,
    system: SourceSystem,
    run_kind: str,
    mapped: dict[str, set[str]],
    declared: Mapping[str, Mapping[str, str]] | None = None,
) -> list[DeliveredField]:
    """Every delivered field that carries a value in some record but is not migrated: declared not
    migrated (with its reason; navigation links left out) or not declared at all. A table declared wholly
    not migrated (`ResourceSpec.not_migrated_table`) of which the mapping reads nothing is one finding,
    field `WHOLE_TABLE`, with its records and reason. `mapped` names the
    columns the effective mapping reads per raw table, so a field a customer's override maps is not
    listed; `declared` (the effective mapping's `not_migrated_columns`) adds declarations per raw table."""
    found: list[DeliveredField] = []
    for resource in system.resources.values():
        spec = with_declared(resource, (declared or {}).get(resource.name))
        ref = TableRef(f"raw_{system.name}", spec.name)
        if not table_exists(con, ref):
            continue
        read = mapped.get(spec.name, set())
        if spec.not_migrated_table and not read:
            # Nothing of the table is migrated: one finding for the table, not one per column.
            records = _record_count(con, ref, run_kind)
            if records:
                found.append(DeliveredField(spec.name, WHOLE_TABLE, records, spec.not_migrated_table))
            continue
        undeclared = _undeclared_in_records(con, ref, run_kind, spec)
        reasons = {f: r for f, r in spec.not_migrated.items() if r != NAVIGATION and f not in read}
        reasons |= {f: UNDECLARED for f in undeclared} | {f: UNREAD for f in unread_columns(spec, read)}
        counts = records_with_value(con, ref, run_kind, sorted(reasons))
        found += [
            DeliveredField(spec.name, f, counts[f], reasons[f])
            for f in sorted(reasons)
            if counts[f] or reasons[f] in (UNDECLARED, UNREAD)
        ]
    return found


@dataclass(frozen=True)
class DeliveredFile:
    """A file of a delivery that is not read: its name, records (lines) and why."""

    name: str
    records: int
    reason: str


UNKNOWN_FILE = "not a resource the spec knows: review whether it must be migrated"


def _lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def files_not_read(dump_dir: Path, system: SourceSystem) -> list[DeliveredFile]:
    """Files in a delivery folder that no raw asset reads: resources declared not migrated (with
    their reason) and files the spec does not know at all (UNKNOWN_FILE)."""
    folder = Path(dump_dir)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.name in system.delivery_files:
            continue
        if system.resource_of is not None:
            resource = system.resource_of(path.name)
        else:
            resource = path.name.removesuffix(system.file_suffix) if path.name.endswith(system.file_suffix) else None
        if resource in system.resources:
            continue
        reason = system.not_migrated_resources.get(resource or "", UNKNOWN_FILE)
        found.append(DeliveredFile(path.name, _lines(path) if path.is_file() else 0, reason))
    return found


def unknown_files(dump_dir: Path, system: SourceSystem) -> list[DeliveredFile]:
    """The files of `files_not_read` that the spec does not know at all."""
    return [f for f in files_not_read(dump_dir, system) if f.reason == UNKNOWN_FILE]
