"""Profiles of a delivered dump: per table and column, shapes and counts — never a value.

A profile is what the proposer, the benchmark and the optional model see (DESIGN.md §6: "names of
tables and columns and the shapes of values, never values from a dump"). Enumeration frequencies are
counts without their values; the values themselves appear only in the customer's own review page."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from proposals.patterns import date_orders, instant_zone, local_datetime_orders, value_kinds, value_shape

# Pattern tests read at most this many distinct values per column (spread over the column by taking
# every n-th): enough for a ≥ 90 % share to be stable, bounded on a 100 000-row table.
PATTERN_SAMPLE = 2000
# A kind describes a column when it fits this share of the sampled values (a few defects allowed).
KIND_SHARE = 0.9
# A column with at most this many distinct values, each used on average at least twice, is an enumeration.
ENUM_MAX_DISTINCT = 20
# A column's distinct values lying inside another table's unique column at this share is a candidate key.
FK_OVERLAP = 0.95
# Order in which kinds win when several cover the column (the more specific first).
KIND_ORDER = (
    "json",
    "html",
    "boolean",
    "identifier:nhi",
    "identifier:ihi",
    "identifier:medicare",
    "identifier:nhs_number",
    "canonical_id",
    "uuid",
    "instant",
    "local_datetime",
    "date",
    "time",
    "email",
    "phone:NZ",
    "phone:AU",
    "phone:UK",
    "money",
    "decimal",
    "integer",
    "time_zone",
    "identifier:dva_number",
    "surname_first",
)


@dataclass(frozen=True)
class DateEvidence:
    """How many values allow each format; `day_first`/`month_first` count values that only one order reads
    (`25/03/1980` is day-first evidence), `ambiguous` those both orders read (`03/04/1980`)."""

    formats: dict[str, int]
    day_first: int
    month_first: int
    ambiguous: int

    @property
    def decided(self) -> str | None:
        """The one format every value allows, or None when the person must decide."""
        if not self.formats:
            return None
        total = max(self.formats.values())
        complete = [f for f, n in self.formats.items() if n == total]
        if len(complete) == 1:
            return complete[0]
        return None


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    position: int
    rows: int
    nulls: int
    distinct: int
    min_length: int | None
    max_length: int | None
    kind: str
    kind_share: float
    kinds: dict[str, int]
    shapes: dict[str, int]
    enumeration: list[int] | None = None  # frequencies, most common first (values are not kept)
    dates: DateEvidence | None = None
    # "offset" / "naive" counts, and "midnight": naive ones at 00:00 (a date column written as date-times)
    instants: dict[str, int] | None = None
    # A JSON-object column: each member key's values profiled as a column of its own (keys are the
    # export's structure, like column names; values are not kept).
    members: dict[str, ColumnProfile] | None = None

    @property
    def null_rate(self) -> float:
        return self.nulls / self.rows if self.rows else 1.0

    @property
    def unique(self) -> bool:
        return self.rows > 0 and self.nulls == 0 and self.distinct == self.rows


@dataclass(frozen=True)
class ForeignKey:
    """Values of `table.column` found in `parent.parent_column` (a unique column) at share `overlap`."""

    table: str
    column: str
    parent: str
    parent_column: str
    overlap: float
    distinct: int


@dataclass(frozen=True)
class TableProfile:
    name: str
    rows: int
    columns: list[ColumnProfile]

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)


@dataclass
class DumpProfile:
    tables: dict[str, TableProfile]
    foreign_keys: list[ForeignKey] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The whole profile as JSON-ready data: names, shapes and counts (what a model may receive)."""
        return {
            "tables": {
                name: {"rows": t.rows, "columns": [_column_dict(c) for c in t.columns]}
                for name, t in self.tables.items()
            },
            "foreign_keys": [asdict(fk) for fk in self.foreign_keys],
        }

    def keys_from(self, table: str, column: str) -> list[ForeignKey]:
        return [fk for fk in self.foreign_keys if fk.table == table and fk.column == column]

    def keys_from_table(self, table: str) -> list[ForeignKey]:
        return [fk for fk in self.foreign_keys if fk.table == table]


_MIDNIGHT = re.compile(r"[T ]00:00(:00(\.0+)?)?$")


def _instant_evidence(sample: list[str]) -> dict[str, int]:
    zones = Counter(zone for zone in (instant_zone(v.strip()) for v in sample) if zone)
    midnight = sum(1 for v in sample if instant_zone(v.strip()) == "naive" and _MIDNIGHT.search(v.strip()))
    return dict(zones) | ({"midnight": midnight} if midnight else {})


def _column_dict(column: ColumnProfile) -> dict[str, Any]:
    data = asdict(column)
    data["null_rate"] = round(column.null_rate, 4)
    data["unique"] = column.unique
    return data


def _sample(values: pl.Series) -> list[str]:
    step = max(1, len(values) // PATTERN_SAMPLE)
    return [v for v in values.gather_every(step).to_list()[:PATTERN_SAMPLE] if v is not None]


def _date_evidence(sample: list[str], orders_of: Callable[[str], tuple[str, ...] | None]) -> DateEvidence | None:
    formats: Counter[str] = Counter()
    day_first = month_first = ambiguous = 0
    for value in sample:
        orders = orders_of(value.strip())
        if not orders:
            continue
        formats.update(orders)
        kinds = {"d" if o.startswith("%d") else "m" if o.startswith("%m") else "y" for o in orders}
        if kinds == {"d", "m"}:
            ambiguous += 1
        elif kinds == {"d"}:
            day_first += 1
        elif kinds == {"m"}:
            month_first += 1
    return DateEvidence(dict(formats), day_first, month_first, ambiguous) if formats else None


def profile_column(series: pl.Series, position: int) -> ColumnProfile:
    rows = len(series)
    present = series.drop_nulls()
    distinct_values = present.unique()
    lengths = present.str.len_chars()
    sample = _sample(distinct_values.sort())
    kinds: Counter[str] = Counter()
    shapes: Counter[str] = Counter()
    for value in sample:
        kinds.update(value_kinds(value))
        shapes[value_shape(value)] += 1
    covering = [k for k in KIND_ORDER if sample and kinds[k] >= KIND_SHARE * len(sample)]
    distinct = len(distinct_values)
    kind, share = (covering[0], kinds[covering[0]] / len(sample)) if covering else ("text", 1.0)
    if not sample:
        kind, share = "empty", 0.0
    enumeration = None
    if 0 < distinct <= ENUM_MAX_DISTINCT and len(present) >= 2 * distinct and kind in {"text", "boolean", "integer"}:
        enumeration = sorted(present.value_counts()["count"].to_list(), reverse=True)
        if kind == "text":
            kind = "enumeration"
    return ColumnProfile(
        name=series.name,
        position=position,
        rows=rows,
        nulls=rows - len(present),
        distinct=distinct,
        min_length=lengths.min() if len(present) else None,  # type: ignore[arg-type]
        max_length=lengths.max() if len(present) else None,  # type: ignore[arg-type]
        kind=kind,
        kind_share=round(share, 4),
        kinds=dict(kinds.most_common()),
        shapes=dict(shapes.most_common(5)),
        enumeration=enumeration,
        dates=_date_evidence(sample, date_orders)
        if kind == "date"
        else _date_evidence(sample, local_datetime_orders)
        if kind == "local_datetime"
        else None,
        instants=_instant_evidence(sample) if kind == "instant" else None,
        members=_json_members(present, position) if kind == "json" else None,
    )


# Member keys profiled per JSON column (the most frequent first); a wider object is described by these.
JSON_MEMBERS_MAX = 30


def _json_members(present: pl.Series, position: int) -> dict[str, ColumnProfile] | None:
    """The scalar members of a column of JSON objects, each profiled as a column (`{"email": …}` → `email`)."""
    values: dict[str, list[str | None]] = {}
    documents = [json.loads(v) for v in _sample(present)]
    objects = [d for d in documents if isinstance(d, dict)]
    if not objects:
        return None
    for document in objects:
        for key, value in document.items():
            if isinstance(value, str | int | float | bool):  # nested objects and lists are not a field's value
                values.setdefault(str(key), [])
    for document in objects:
        for key in values:
            value = document.get(key)
            values[key].append(None if value is None or isinstance(value, dict | list) else str(value))
    keys = sorted(values, key=lambda k: -sum(v is not None for v in values[k]))[:JSON_MEMBERS_MAX]
    return {key: profile_column(pl.Series(key, values[key], dtype=pl.String), position) for key in keys}


def _foreign_keys(tables: dict[str, pl.DataFrame], profiles: dict[str, TableProfile]) -> list[ForeignKey]:
    """Candidate keys by value overlap: a column's distinct values almost all found in another table's
    unique column. Only key-like columns take part (integers, uuids, short codes)."""
    keyish = {"integer", "uuid", "text", "canonical_id"}
    parents = [
        (t, c.name, set(tables[t][c.name].to_list()))
        for t, p in profiles.items()
        for c in p.columns
        if c.unique and c.kind in keyish and (c.max_length or 0) <= 64
    ]
    found = []
    for table, profile in profiles.items():
        for column in profile.columns:
            if column.kind not in keyish | {"enumeration"} or column.distinct == 0 or (column.max_length or 0) > 64:
                continue
            values = set(tables[table][column.name].drop_nulls().unique().to_list())
            for parent, parent_column, parent_values in parents:
                if parent == table:
                    continue
                overlap = len(values & parent_values) / len(values)
                if overlap >= FK_OVERLAP:
                    found.append(ForeignKey(table, column.name, parent, parent_column, round(overlap, 4), len(values)))
    return found


def profile_dump(tables: dict[str, pl.DataFrame]) -> DumpProfile:
    """Every table and column profiled, and the candidate keys between tables."""
    profiles = {
        name: TableProfile(name, frame.height, [profile_column(frame[c], i) for i, c in enumerate(frame.columns)])
        for name, frame in tables.items()
    }
    return DumpProfile(profiles, _foreign_keys(tables, profiles))
