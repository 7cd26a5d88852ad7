"""The mapping-spec format: typed, validated before anything runs, versioned by content hash.

A spec maps one source system's raw tables onto the canonical entities (docs/mapping-spec.md).
Shorthand forms are expanded into the normal form in one place (`_expand_field`), and every error
names its path in the file (`mappings/cliniko.yaml: entities.client.sources[0].fields.email: …`).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

if TYPE_CHECKING:
    from mappings.models import OutputModel

SPEC_DIR = Path(__file__).parent
FORMAT_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """A row predicate: exactly one test on one column, or a combination."""

    column: str | None = None
    is_null: bool | None = None
    is_true: bool | None = None
    equals: Any = None
    isin: list[Any] | None = Field(default=None, alias="in")
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        combos = [x for x in (self.all, self.any, self.not_) if x is not None]
        tests = [x for x in (self.is_null, self.is_true, self.equals, self.isin) if x is not None]
        if combos and (tests or self.column):
            raise ValueError("use either all/any/not or one column test, not both")
        if not combos and (self.column is None or len(tests) != 1):
            raise ValueError("expected `column` with exactly one of is_null, is_true, equals, in")
        return self


def condition_columns(cond: Condition) -> list[str]:
    found = [cond.column] if cond.column else []
    for nested in [*(cond.all or []), *(cond.any or []), *([cond.not_] if cond.not_ else [])]:
        found += condition_columns(nested)
    return found


class TransformCall(_Strict):
    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class CaseBranch(_Strict):
    when: Condition
    then: FieldSpec


class FieldSpec(_Strict):
    """How one canonical field is computed. Exactly one source form; then transforms in order."""

    column: str | None = None
    field: str | None = Field(default=None, description="an output field mapped earlier in the same source")
    value: Any = None
    coalesce: list[FieldSpec] | None = None
    concat: list[FieldSpec] | None = None
    separator: str = " "
    case: list[CaseBranch] | None = None
    else_: FieldSpec | None = Field(default=None, alias="else")
    transforms: list[TransformCall] = Field(default_factory=list)
    has_value: bool = Field(default=False, exclude=True)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_form(self) -> FieldSpec:
        forms = [
            self.column is not None,
            self.field is not None,
            self.has_value,
            self.coalesce is not None,
            self.concat is not None,
            self.case is not None,
        ]
        if sum(forms) != 1:
            raise ValueError("expected exactly one of column, field, value, coalesce, concat, case")
        if self.else_ is not None and self.case is None:
            raise ValueError("`else` belongs to `case`")
        return self


def field_columns(spec: FieldSpec) -> list[str]:
    """Source columns a field spec reads, in order (joined columns keep their `alias.` prefix)."""
    found: list[str] = [spec.column] if spec.column else []
    for nested in [*(spec.coalesce or []), *(spec.concat or [])]:
        found += field_columns(nested)
    for branch in spec.case or []:
        found += condition_columns(branch.when) + field_columns(branch.then)
    if spec.else_:
        found += field_columns(spec.else_)
    return list(dict.fromkeys(found))


class JoinSpec(_Strict):
    """A left join of a raw table (usually a lookup) onto the source rows under an alias."""

    table: str
    left: FieldSpec
    right: FieldSpec
    many: Literal["error", "concat"] = "error"
    separator: str = "; "
    columns: list[str] | None = None


class ExplodeStep(_Strict):
    """Unnest a JSON array found at `path` in column `column` into one row per element (`as`)."""

    column: str
    path: str
    as_: str = Field(alias="as")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SourceSpec(_Strict):
    table: str
    id: FieldSpec
    id_prefix: str = ""
    origin: FieldSpec | None = Field(
        default=None, description="canonical id of the record's first origin (data that came through Gensolve)"
    )
    where: Condition | None = None
    # Rows the source system deleted but kept (Profile's `*_DELETEDID` ≠ 0): rejected as
    # `deleted_in_source`, so they are counted in the reconciliation and listed, never staged.
    deleted_when: Condition | None = None
    explode: list[ExplodeStep] = Field(default_factory=list)
    joins: dict[str, JoinSpec] = Field(default_factory=dict)
    fields: dict[str, FieldSpec]

    def raw_columns(self) -> list[str]:
        """Columns of `table` the mapping reads (joined `alias.x` and exploded columns excluded)."""
        specs = [self.id, *self.fields.values(), *[j.left for j in self.joins.values()]]
        if self.origin:
            specs.append(self.origin)
        used = [c for spec in specs for c in field_columns(spec)]
        used += condition_columns(self.where) if self.where else []
        used += condition_columns(self.deleted_when) if self.deleted_when else []
        used += [step.column for step in self.explode[:1]]
        produced = {step.as_ for step in self.explode} | {f"{step.as_}_index" for step in self.explode}
        return [c for c in dict.fromkeys(used) if "." not in c and c not in produced]


class DedupSpec(_Strict):
    """Rules that make two rows the same person: any rule whose columns are all equal and non-null."""

    rules: dict[str, list[str]]
    survivor_order: list[str] = Field(default_factory=lambda: ["created_at", "canonical_id"])
    # Fields that describe the record itself (e.g. when it was archived): the survivor keeps its own,
    # never a duplicate's.
    not_filled: list[str] = Field(default_factory=list)
    # A field holding the canonical id of the row the source system itself merged this one into (Cliniko's
    # merged_with_patient): such a row is merged into that one (rule `merged_in_source`), which survives.
    merged_into: str | None = None


class EntitySpec(_Strict):
    grain: str
    sources: list[SourceSpec]
    dedup: DedupSpec | None = None


class MappingSpec(_Strict):
    format_version: Literal[1]
    system: str
    title: str
    # Source specs read `raw_<system>` and produce canonical entities; target specs read `staged` and
    # produce a target's tables (`target: dynamics365`), keyed by the staged canonical id.
    input: Literal["raw", "staged"] = "raw"
    target: str | None = None
    keys: Literal["generated", "source"] = "generated"
    lookups: list[str] = Field(default_factory=list)
    defaults: dict[str, list[TransformCall]] = Field(default_factory=dict)
    entities: dict[str, EntitySpec]
    # Entities of the output model this system delivers but the spec does not migrate: entity → why.
    # Their tables are written empty, so a later step reads "none" rather than a missing table.
    not_migrated: dict[str, str] = Field(default_factory=dict)
    # Target specs only: canonical fields the target has no place for, input entity → {field: why}, or
    # entity → why for every field of an entity the target does not take. The approval report lists them
    # with how many staged rows hold a value (mappings.validate keeps them true: known, and not read).
    not_migrated_fields: dict[str, dict[str, str] | str] = Field(default_factory=dict)
    # Source specs only: delivered columns declared not migrated beyond the source system's own declarations,
    # raw table → {column: why} (a customer's `mapping_overrides` adds them for that customer). The approval report
    # lists them with that reason instead of "not declared" (sources/coverage.py).
    not_migrated_columns: dict[str, dict[str, str]] = Field(default_factory=dict)
    version: str = Field(default="", exclude=True)
    path: str = Field(default="", exclude=True)

    def fields_not_migrated(self) -> list[tuple[str, str, str]]:
        """(input entity, field, why) for every canonical field a target spec declares not migrated."""
        from mappings.models import CANONICAL

        found: list[tuple[str, str, str]] = []
        for entity, declared in self.not_migrated_fields.items():
            if isinstance(declared, str):
                found += [(entity, f.name, declared) for f in CANONICAL.data_fields(entity)]
            else:
                found += [(entity, name, why) for name, why in declared.items()]
        return found

    def source_tables(self) -> set[str]:
        return {s.table for e in self.entities.values() for s in e.sources}

    def columns_read(self) -> dict[str, set[str]]:
        """Per input table, the columns the mapping reads: as a source (`raw_columns`) or joined
        (`alias.column` and the join's right-hand key resolved to the joined table)."""
        read: dict[str, set[str]] = {}
        for entity in self.entities.values():
            for source in entity.sources:
                read.setdefault(source.table, set()).update(source.raw_columns())
                specs = [*source.fields.values(), *[j.left for j in source.joins.values()]]
                for column in (c for spec in specs for c in field_columns(spec)):
                    alias, _, name = column.partition(".")
                    if name and alias in source.joins:
                        read.setdefault(source.joins[alias].table, set()).add(name)
                for join in source.joins.values():
                    read.setdefault(join.table, set()).update(field_columns(join.right))
                    read[join.table].update(join.columns or [])
        return read

    @property
    def input_schema(self) -> str:
        return f"raw_{self.system}" if self.input == "raw" else "staged"

    @property
    def output_schema(self) -> str:
        return "staged" if self.target is None else {"dynamics365": "dynamics"}.get(self.target, self.target)

    @property
    def model(self) -> OutputModel:
        from mappings.models import output_model

        return output_model(self.target)


class SpecError(Exception):
    """A mapping spec that cannot be used; each problem names its path in the file."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: invalid mapping spec:\n  " + "\n  ".join(problems))


def _expand_transform(item: Any) -> Any:
    if isinstance(item, str):
        return {"name": item}
    if isinstance(item, dict) and len(item) == 1 and "name" not in item:
        ((name, params),) = item.items()
        return {"name": name, "params": params if isinstance(params, dict) else {"value": params}}
    return item


def _expand_field(item: Any) -> Any:
    """Normal form of a field: a bare string is a column; nested specs are expanded recursively."""
    if isinstance(item, str):
        return {"column": item}
    if not isinstance(item, dict):
        return item
    out = dict(item)
    if "value" in out:
        out["has_value"] = True
    for key in ("coalesce", "concat"):
        if isinstance(out.get(key), list):
            out[key] = [_expand_field(x) for x in out[key]]
    if isinstance(out.get("case"), list):
        out["case"] = [{**b, "then": _expand_field(b.get("then"))} if isinstance(b, dict) else b for b in out["case"]]
    if "else" in out:
        out["else"] = _expand_field(out["else"])
    if isinstance(out.get("transforms"), list):
        out["transforms"] = [_expand_transform(t) for t in out["transforms"]]
    return out


def _expand(data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    if isinstance(data.get("defaults"), dict):
        data["defaults"] = {
            k: [_expand_transform(t) for t in v] if isinstance(v, list) else v for k, v in data["defaults"].items()
        }
    for entity in (data.get("entities") or {}).values():
        if not isinstance(entity, dict):
            continue
        for source in entity.get("sources") or []:
            if not isinstance(source, dict):
                continue
            for key in ("id", "origin"):
                if key in source:
                    source[key] = _expand_field(source[key])
            if isinstance(source.get("fields"), dict):
                source["fields"] = {k: _expand_field(v) for k, v in source["fields"].items()}
            for join in (source.get("joins") or {}).values():
                if isinstance(join, dict):
                    for side in ("left", "right"):
                        if side in join:
                            join[side] = _expand_field(join[side])
    return data


def _location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif part in {"FieldSpec", "Condition", "function-after[_one_form()]"}:
            continue
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "(top level)"


# The key of a customer's mapping overrides that declares delivered columns not migrated (not an entity).
NOT_MIGRATED_COLUMNS = "not_migrated_columns"


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Merge a customer's mapping overrides: `{entity: {field: spec}}` replaces that field in every
    source of the entity that maps it; `{entity: {sources: [...]}}` replaces the sources wholesale;
    `{not_migrated_columns: {table: {column: why}}}` declares delivered columns not migrated."""
    data = copy.deepcopy(data)
    overrides = dict(overrides)
    declared = overrides.pop(NOT_MIGRATED_COLUMNS, None)
    if declared is not None:
        if not isinstance(declared, dict) or not all(isinstance(v, dict) for v in declared.values()):
            raise SpecError(
                "mapping_overrides", [f"{NOT_MIGRATED_COLUMNS}: expected a mapping of table → {{column: why}}"]
            )
        merged = data.setdefault(NOT_MIGRATED_COLUMNS, {})
        for table, columns in declared.items():
            merged[table] = {**merged.get(table, {}), **columns}
    for entity_name, change in overrides.items():
        entity = data.get("entities", {}).get(entity_name)
        if entity is None:
            valid = ", ".join(sorted(data.get("entities", {})))
            raise SpecError("mapping_overrides", [f"{entity_name}: unknown entity; valid: {valid}"])
        if not isinstance(change, dict):
            raise SpecError("mapping_overrides", [f"{entity_name}: expected a mapping of field → spec"])
        change = dict(change)
        if "sources" in change:
            entity["sources"] = change.pop("sources")
        for field_name, field_spec in change.items():
            targets = [s for s in entity["sources"] if field_name in s.get("fields", {})]
            if not targets:
                raise SpecError("mapping_overrides", [f"{entity_name}.{field_name}: not mapped by any source"])
            for source in targets:
                source["fields"][field_name] = field_spec
    return data


def spec_version(data: Mapping[str, Any]) -> str:
    """Content hash of the effective spec (after overrides): recorded in every staged materialisation,
    so a signoff can be matched to exactly the mapping it reviewed."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def parse_spec(data: Any, source: str, delivered: Mapping[str, set[str]] | None = None) -> MappingSpec:
    """Parse and validate a spec; `delivered` (table → columns) stands in for the registered system's
    resources, for a proposed spec of a system not registered yet (proposals/propose.py)."""
    if not isinstance(data, dict):
        raise SpecError(source, ["(top level): expected a mapping"])
    try:
        spec = MappingSpec.model_validate(_expand(data))
    except ValidationError as exc:
        problems = sorted(
            {
                f"{_location(e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors(include_input=False)
            }
        )
        raise SpecError(source, problems) from None
    from mappings.validate import validate_spec

    validate_spec(spec, source, delivered=delivered)
    return spec.model_copy(update={"version": spec_version(data), "path": source})


def load_spec(system: str, overrides: Mapping[str, Any] | None = None, spec_dir: Path = SPEC_DIR) -> MappingSpec:
    """The spec `mappings/<system>.yaml` with a customer's overrides applied, validated."""
    path = spec_dir / f"{system}.yaml"
    if not path.exists():
        valid = ", ".join(sorted(p.stem for p in spec_dir.glob("*.yaml")))
        raise SpecError(str(path), [f"no mapping spec for system {system!r}; available: {valid}"])
    text = path.read_text(encoding="utf-8")
    key = (str(path), text, json.dumps(overrides or {}, sort_keys=True, default=repr))
    spec = _PARSED.get(key)
    if spec is None:
        # libyaml's safe loader: the same documents as yaml.safe_load, parsed about eight times faster (every
        # stage run and proposal reads the specs).
        data = yaml.load(text, Loader=yaml.CSafeLoader)
        if overrides:
            data = apply_overrides(data, overrides)
        spec = parse_spec(data, f"mappings/{path.name}")
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[key] = spec
    return spec


# Every raw step of a run loads its system's spec, and the staging and target steps theirs: a spec is parsed and
# validated once per process for the same file content and overrides (the models are frozen; an edited file or
# other overrides are parsed anew). About 0.2 s a load on the two-core machine, ~50 loads a two-hop run.
_PARSED: dict[tuple[str, str, str], MappingSpec] = {}
_PARSED_LIMIT = 64


CaseBranch.model_rebuild()
FieldSpec.model_rebuild()
Condition.model_rebuild()
