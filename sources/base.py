"""Shapes every source system shares: field types, resource specs, the system record and read errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    """The JSON type a source field is delivered as, and how the raw layer stores it.

    Raw keeps values as delivered: timestamps and money stay strings (a naive local timestamp or a
    malformed amount must reach the staged layer intact to be reported), links keep their URL.
    """

    STRING = "string"  # JSON string (ids, names, UTC timestamps, decimal strings)  → VARCHAR
    INTEGER = "integer"  # JSON number without fraction                              → BIGINT
    NUMBER = "number"  # JSON number                                                  → DOUBLE
    BOOLEAN = "boolean"  # JSON true/false                                           → BOOLEAN
    LINK = "link"  # HATEOAS {"links": {"self": URL}}                                → VARCHAR (the URL)
    OBJECT = "object"  # nested object, kept verbatim                                → JSON
    ARRAY = "array"  # nested array, kept verbatim                                   → JSON

    @property
    def duckdb_type(self) -> str:
        return _DUCKDB_TYPES[self]

    @property
    def json_types(self) -> frozenset[str]:
        """JSON value kinds accepted for this field (null is always accepted)."""
        return _JSON_KINDS[self]


_DUCKDB_TYPES = {
    FieldType.STRING: "VARCHAR",
    FieldType.INTEGER: "BIGINT",
    FieldType.NUMBER: "DOUBLE",
    FieldType.BOOLEAN: "BOOLEAN",
    FieldType.LINK: "VARCHAR",
    FieldType.OBJECT: "JSON",
    FieldType.ARRAY: "JSON",
}

# What the diagnostic pass accepts: the declared kind, plus an integer where a string id is expected
# (older Cliniko payloads use integer ids, research/sources.md §2.5) and an integral float for an
# integer. The fast DuckDB reader is slightly more lenient (it also converts the string "true" to a
# boolean); the diagnostic pass runs only when a file is refused, and then reports every mismatch.
_JSON_KINDS = {
    FieldType.STRING: frozenset({"string", "integer"}),
    FieldType.INTEGER: frozenset({"integer"}),
    FieldType.NUMBER: frozenset({"integer", "number"}),
    FieldType.BOOLEAN: frozenset({"boolean"}),
    FieldType.LINK: frozenset({"link"}),
    FieldType.OBJECT: frozenset({"object"}),
    FieldType.ARRAY: frozenset({"array"}),
}


@dataclass(frozen=True)
class ResourceSpec:
    """One table of a source system, as delivered: its name, grain, key and typed fields."""

    name: str
    grain: str
    fields: Mapping[str, FieldType]
    key: str | None = "id"
    required: bool = True  # a dump without this resource's file is incomplete
    description: str = ""

    def __post_init__(self) -> None:
        if self.key is not None and self.key not in self.fields:
            raise ValueError(f"resource {self.name}: key {self.key!r} is not one of its fields")


@dataclass(frozen=True)
class SourceSystem:
    """A registered source system: its resources and how to read one of them for a run."""

    name: str
    title: str
    resources: Mapping[str, ResourceSpec]
    # read_resource(dump_dir, spec, write=…, encoding=…): `write(select_sql, params, parsed)` stores
    # the rows the select produces in one transaction and returns their count (sources/ndjson.py).
    read_resource: Callable[..., RawReadResult]
    countries: tuple[str, ...] = ("NZ", "AU", "UK")
    extra: Mapping[str, object] = field(default_factory=dict)
    # mappings/<mapping_spec>.yaml maps its raw tables; defaults to the system's name. A system that is
    # also a target (Gensolve) names its source spec apart from the target's.
    mapping_spec: str | None = None

    @property
    def spec_name(self) -> str:
        return self.mapping_spec or self.name


@dataclass(frozen=True)
class ReadIssue:
    """Something about one delivered record that the raw layer accepted but must report."""

    record: int
    field: str
    code: str
    detail: str


@dataclass(frozen=True)
class RawReadResult:
    """What reading one resource delivered: counts and field names, never values."""

    source_file: str
    records: int
    issues: tuple[ReadIssue, ...] = ()
    unexpected_fields: tuple[str, ...] = ()


class RawReadError(Exception):
    """A dump that cannot be read as delivered. The message names file, record, field and what was
    expected; it never quotes the value (it may be personal data)."""

    def __init__(self, source_file: str, problems: list[str]):
        self.source_file = source_file
        self.problems = problems
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{source_file}: cannot be read as delivered:\n  {shown}{more}")
