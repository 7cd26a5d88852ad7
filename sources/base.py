"""Shapes every source system shares: field types, resource specs, the system record and read errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # both modules import this one
    from sources.completeness import CompletenessRule
    from sources.raw_contract import ReadOptions


class FieldType(StrEnum):
    """How a source field is delivered, and how the raw layer stores it.

    The first group is JSON-shaped (NDJSON dumps of an API: Cliniko, Core Plus). Raw keeps those values
    as delivered: timestamps and money stay strings (a naive local timestamp or a malformed amount must
    reach the staged layer intact to be reported), links keep their URL.

    The second group is storage-level, for tabular exports (CSV, XLSX) whose cells are text or native
    spreadsheet values: the tabular reader (sources/tabular.py) parses each cell in the formats the
    system's profile declares; a cell it cannot parse is stored null with a read issue, and the text as
    delivered stays in `_record`.
    """

    STRING = "string"  # JSON string (ids, names, UTC timestamps, decimal strings)  → VARCHAR
    INTEGER = "integer"  # JSON number without fraction                              → BIGINT
    NUMBER = "number"  # JSON number                                                  → DOUBLE
    BOOLEAN = "boolean"  # JSON true/false                                           → BOOLEAN
    LINK = "link"  # HATEOAS {"links": {"self": URL}}                                → VARCHAR (the URL)
    OBJECT = "object"  # nested object, kept verbatim                                → JSON
    ARRAY = "array"  # nested array, kept verbatim                                   → JSON
    # Storage-level (tabular exports):
    TEXT = "text"  # a cell's text, trimmed of nothing                                  → VARCHAR
    DATE = "date"  # a calendar date, in a declared format or an Excel date cell       → DATE
    DATETIME = "datetime"  # a local wall-clock time without offset (its site's zone)  → TIMESTAMP
    INSTANT = "instant"  # a moment with an offset or Z                                → TIMESTAMPTZ
    DECIMAL = "decimal"  # an exact amount ("1,234.50", "$12.00")                       → DECIMAL(18,4)
    JSON = "json"  # a cell holding a JSON document (TM3's mixed exports)             → JSON

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
    FieldType.TEXT: "VARCHAR",
    FieldType.DATE: "DATE",
    FieldType.DATETIME: "TIMESTAMP",
    FieldType.INSTANT: "TIMESTAMPTZ",
    FieldType.DECIMAL: "DECIMAL(18,4)",
    FieldType.JSON: "JSON",
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
    FieldType.TEXT: frozenset({"string"}),
    FieldType.DATE: frozenset({"string"}),
    FieldType.DATETIME: frozenset({"string"}),
    FieldType.INSTANT: frozenset({"string"}),
    FieldType.DECIMAL: frozenset({"string", "integer", "number"}),
    FieldType.JSON: frozenset({"object", "array"}),
}


# The kinds DuckDB's json_type() reports for a value that may stand where a scalar field type is
# documented inside a nested field (ids may be integers, as at the top level).
_DUCKDB_JSON_KINDS = {
    FieldType.STRING: ("VARCHAR", "BIGINT", "UBIGINT"),
    FieldType.INTEGER: ("BIGINT", "UBIGINT"),
    FieldType.NUMBER: ("BIGINT", "UBIGINT", "DOUBLE"),
    FieldType.BOOLEAN: ("BOOLEAN",),
}


@dataclass(frozen=True)
class Shape:
    """The documented JSON shape of a nested field: an object (with the kinds of the members it may
    have) or an array (with the shape of every element). Members not listed are not checked; a
    member that is absent or null is always accepted."""

    kind: Literal["object", "array"]
    members: Mapping[str, FieldType | Shape] = field(default_factory=dict)
    elements: Shape | None = None

    def describe(self) -> str:
        """The shape in words, for a person reading a read issue (never a value)."""
        if self.kind == "array":
            if self.elements is None:
                return "an array"
            return "an array of " + self.elements.describe().replace("an object", "objects", 1)
        if not self.members:
            return "an object"
        parts = [f"{name}: {m.describe() if isinstance(m, Shape) else m.value}" for name, m in self.members.items()]
        return "an object {" + ", ".join(parts) + "}"

    def conforms_sql(self, value: str, depth: int = 0) -> str:
        """A DuckDB boolean expression: the JSON `value` has this shape (null when `value` is null)."""
        if self.kind == "array":
            test = f"starts_with({value}::varchar, '[')"
            if self.elements is not None:
                element = f"e{depth}"
                inner = self.elements.conforms_sql(element, depth + 1)
                test += (
                    f" and coalesce(list_bool_and(list_transform(json_extract({value}, '$[*]'), "
                    f"lambda {element}: coalesce({inner}, false))), true)"
                )
            return f"({test})"
        # JSON values are stored minified, so the first character is the kind: no parse of the document.
        tests = [f"starts_with({value}::varchar, '{{')"]
        for name, member in self.members.items():
            path = "'$.\"" + name + "\"'"
            if isinstance(member, Shape):
                nested = member.conforms_sql(f"json_extract({value}, {path})", depth + 1)
                tests.append(f"coalesce(json_type({value}, {path}) = 'NULL' or {nested}, true)")
            else:
                kinds = ", ".join(f"'{k}'" for k in (*_DUCKDB_JSON_KINDS[member], "NULL"))
                tests.append(f"coalesce(json_type({value}, {path}) in ({kinds}), true)")
        return "(" + " and ".join(tests) + ")"


@dataclass(frozen=True)
class ResourceSpec:
    """One table of a source system, as delivered: its name, grain, key and typed fields."""

    name: str
    grain: str
    fields: Mapping[str, FieldType]
    key: str | None = "id"
    required: bool = True  # a dump without this resource's file is incomplete
    description: str = ""
    # Delivered fields deliberately left out of the typed columns and the mapping, each with the
    # reason a practice reads in the approval report (the whole record stays in raw `_record`).
    # A typed field may be listed too: read into raw, but not migrated.
    not_migrated: Mapping[str, str] = field(default_factory=dict)
    # Why the whole table is not migrated, where none of it is (its rows stay in raw for review): every
    # delivered field is then declared with this reason, and the approval report lists the table once.
    not_migrated_table: str | None = None
    # The documented shape of nested (object/array) fields; a record whose field has another shape
    # keeps the rest of its values and reports the field (sources/ndjson.py, `unexpected_shape`).
    shapes: Mapping[str, Shape] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.key is not None and self.key not in self.fields:
            raise ValueError(f"resource {self.name}: key {self.key!r} is not one of its fields")
        for name in self.shapes:
            if self.fields.get(name) not in (FieldType.OBJECT, FieldType.ARRAY):
                raise ValueError(f"resource {self.name}: shape for {name!r}, which is not an object or array field")

    @property
    def declared(self) -> frozenset[str]:
        """Every field the spec knows: typed, or declared not migrated."""
        return frozenset(self.fields) | frozenset(self.not_migrated)


@dataclass(frozen=True)
class SourceExtraction:
    """The optional API side of a system: extraction into a dump snapshot in the system's own dump
    format (so the raw layer reads it like a delivery), and a cheap probe for changes (delta pickup).

    `location_model` is the customer's `source.<run kind>` block that selects extraction; `snapshot`
    (location, extracts folder, emit) extracts in full the first time and merges the changes since the last
    high-water mark after, handing its progress lines (store/progress.py ExtractionProgress: records and
    pages per resource, 429s, back-off, ETA when the source tells a total) to `emit`; `changes_waiting`
    (location, high-water mark, extracts folder) counts changes;
    `delta_changes` (a delta folder) gives the (resource, source id) pairs a delta changed and deleted,
    for the delta verification; `errors` are the exceptions they raise for a person to read (their
    messages never hold values)."""

    location_model: type
    snapshot: Callable[[Any, Path, Callable[[str], None]], Any]
    changes_waiting: Callable[[Any, str, Path], int] | None = None
    delta_changes: Callable[[Path], tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]] | None = None
    errors: tuple[type[Exception], ...] = ()


@dataclass(frozen=True)
class SourceSystem:
    """A registered source system: its resources, how to read one of them, and what a delivery is.

    Required: name, title, resources and `read_resource(dump_dir, spec, *, write, options)`, which
    reads one resource through the raw layer's writer (sources/raw_contract.py) with `options` — the
    system's `read_options` and the customer's overrides. Optional parts: `completeness` (when is a
    delivery complete; a manifest by default), `location_models` (the pydantic models of the customer's
    `source.trial`/`source.live` block, the first being the default dump location) and `extraction`
    (an API the system can be extracted from; None: deliveries only)."""

    name: str
    title: str
    resources: Mapping[str, ResourceSpec]
    read_resource: Callable[..., RawReadResult]
    countries: tuple[str, ...] = ("NZ", "AU", "UK")
    extra: Mapping[str, object] = field(default_factory=dict)
    # Resources the system holds that are deliberately not read, each with its reason; a delivered
    # file that is neither a resource nor listed here is reported (sources/coverage.py).
    not_migrated_resources: Mapping[str, str] = field(default_factory=dict)
    # Files of a delivery that are not resources (manifest, attachment folder).
    delivery_files: frozenset[str] = frozenset()
    file_suffix: str = ""
    # The resource (or not-migrated resource) a delivered file holds, when its name is not
    # `<resource><file_suffix>` (a SQL Server extract's `PATIENT.dat` holds `patient`); None: not one.
    resource_of: Callable[[str], str | None] | None = None
    # mappings/<mapping_spec>.yaml maps its raw tables; defaults to the system's name. A system that is
    # also a target (Gensolve) names its source spec apart from the target's.
    mapping_spec: str | None = None
    # How the system's files are read (encodings, delimiter, date formats); a customer's `read:` block
    # overrides it (sources/locations.py). None: the format reader's defaults.
    read_options: ReadOptions | None = None
    # When a delivery is complete (sources/completeness.py); None: its manifest.json says so.
    completeness: CompletenessRule | None = None
    location_models: tuple[type, ...] = ()
    extraction: SourceExtraction | None = None

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
    notes: tuple[str, ...] = ()  # about the file as a whole, e.g. a UTF-8 byte-order mark removed


class RawReadError(Exception):
    """A dump that cannot be read as delivered. The message names file, record, field and what was
    expected; it never quotes the value (it may be personal data)."""

    def __init__(self, source_file: str, problems: list[str]):
        self.source_file = source_file
        self.problems = problems
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{source_file}: cannot be read as delivered:\n  {shown}{more}")
