"""Checks a parsed spec against the canonical model, the source system and the transform registry."""

from __future__ import annotations

from collections.abc import Mapping

from mappings.models import OutputModel
from mappings.spec import FieldSpec, MappingSpec, SourceSpec, SpecError
from mappings.transforms.registry import get_transform

# Transform parameters that name an earlier output field of the same source.
_FIELD_PARAMS = ("zone_field", "path_field")


def _check_field(spec: FieldSpec, path: str, earlier: set[str], problems: list[str]) -> None:
    if spec.field is not None and spec.field not in earlier:
        problems.append(f"{path}.field: {spec.field!r} must name a field mapped earlier in this source")
    for nested_name in ("coalesce", "concat"):
        for i, nested in enumerate(getattr(spec, nested_name) or []):
            _check_field(nested, f"{path}.{nested_name}[{i}]", earlier, problems)
    for i, branch in enumerate(spec.case or []):
        _check_field(branch.then, f"{path}.case[{i}].then", earlier, problems)
    if spec.else_ is not None:
        _check_field(spec.else_, f"{path}.else", earlier, problems)
    for i, call in enumerate(spec.transforms):
        where = f"{path}.transforms[{i}]"
        try:
            definition = get_transform(call.name)
        except KeyError as exc:
            problems.append(f"{where}: {exc.args[0]}")
            continue
        accepted = {p.rstrip("_") for p in definition.params}
        unknown = sorted(set(call.params) - accepted)
        if unknown:
            problems.append(f"{where} ({call.name}): unknown parameter(s) {unknown}; valid: {sorted(accepted)}")
        missing = sorted({p.rstrip("_") for p in definition.required_params} - set(call.params))
        if missing:
            problems.append(f"{where} ({call.name}): missing parameter(s) {missing}")
        for key in _FIELD_PARAMS:
            if key in call.params and call.params[key] not in earlier:
                problems.append(f"{where}: {key} {call.params[key]!r} must name a field mapped earlier in this source")


def _check_source(
    model: OutputModel, entity: str, source: SourceSpec, path: str, tables: set[str] | None, problems: list[str]
) -> None:
    if tables is not None and source.table not in tables:
        problems.append(f"{path}.table: unknown raw table {source.table!r}; valid: {', '.join(sorted(tables))}")
    for alias, join in source.joins.items():
        if tables is not None and join.table not in tables:
            problems.append(f"{path}.joins.{alias}.table: unknown raw table {join.table!r}")
    canonical = {f.name: f for f in model.data_fields(entity)}
    earlier: set[str] = set()
    for name, field_spec in source.fields.items():
        where = f"{path}.fields.{name}"
        if name in model.identity:
            problems.append(f"{where}: identity columns are computed by the engine, not mapped")
        elif name not in canonical:
            problems.append(f"{where}: not a field of {entity}; valid: {', '.join(sorted(canonical))}")
        _check_field(field_spec, where, earlier, problems)
        earlier.add(name)
    _check_field(source.id, f"{path}.id", earlier, problems)
    for name, field in canonical.items():
        if not field.nullable and name not in source.fields:
            problems.append(f"{path}.fields: required field {name!r} of {entity} is not mapped")


def _check_columns(source: SourceSpec, path: str, delivered: Mapping[str, set[str]], problems: list[str]) -> None:
    """Every column a raw source reads is a field its system delivers (or a `_`-prefixed provenance
    column), so a misspelt column in a customer's override is refused when the customer is validated,
    not when a run reaches it."""
    known = delivered.get(source.table)
    if known is None:
        return
    unknown = [c for c in source.raw_columns() if c not in known and not c.startswith("_") and c != "run_kind"]
    if unknown:
        problems.append(f"{path}: raw table {source.table} has no column(s) {unknown}")


def _check_fields_not_migrated(spec: MappingSpec, problems: list[str]) -> None:
    """A target spec's `not_migrated_fields` name canonical fields the spec does not read, each with a reason."""
    if not spec.not_migrated_fields:
        return
    if spec.input != "staged":
        problems.append("not_migrated_fields: only a target spec (input: staged) declares canonical fields")
        return
    from mappings.models import CANONICAL

    read = spec.columns_read()
    for entity, declared in spec.not_migrated_fields.items():
        path = f"not_migrated_fields.{entity}"
        if entity not in CANONICAL.entities():
            problems.append(f"{path}: unknown canonical entity; valid: {', '.join(CANONICAL.entities())}")
            continue
        known = {f.name for f in CANONICAL.data_fields(entity)}
        if isinstance(declared, str):
            if entity in read:
                problems.append(f"{path}: the whole entity is declared not migrated, but the spec reads it")
            if not declared.strip():
                problems.append(f"{path}: give the reason")
            continue
        for name, why in declared.items():
            if name not in known:
                problems.append(f"{path}.{name}: not a field of canonical {entity}")
            elif name in read.get(entity, set()):
                problems.append(f"{path}.{name}: declared not migrated, but the spec maps it")
            if not why.strip():
                problems.append(f"{path}.{name}: give the reason")


def _check_columns_not_migrated(spec: MappingSpec, tables: set[str] | None, problems: list[str]) -> None:
    """A source spec's `not_migrated_columns` name its raw tables and columns it does not read, each with a reason."""
    if not spec.not_migrated_columns:
        return
    if spec.input != "raw":
        problems.append("not_migrated_columns: only a source spec (input: raw) declares delivered columns")
        return
    read = spec.columns_read()
    for table, declared in spec.not_migrated_columns.items():
        path = f"not_migrated_columns.{table}"
        if tables is not None and table not in tables:
            problems.append(f"{path}: unknown raw table; valid: {', '.join(sorted(tables))}")
            continue
        for column, why in declared.items():
            if column in read.get(table, set()):
                problems.append(f"{path}.{column}: declared not migrated, but the mapping reads it")
            if not why.strip():
                problems.append(f"{path}.{column}: give the reason")


def validate_spec(spec: MappingSpec, source: str, delivered: Mapping[str, set[str]] | None = None) -> None:
    """Raise SpecError listing every problem, each with its path in the spec file. `delivered` (table →
    columns of a dump) replaces the registered system's resources: a proposed spec for an unseen export."""
    problems: list[str] = []
    model = spec.model
    tables: set[str] | None = None
    if delivered is not None:
        tables = set(delivered)
    elif spec.input == "raw":
        from sources.registry import get_system

        try:
            resources = get_system(spec.system).resources
        except KeyError as exc:
            raise SpecError(source, [f"system: {exc.args[0]}"]) from None
        tables = set(resources)
        delivered = {name: set(r.fields) for name, r in resources.items()}
    else:
        # Target specs read staged tables: every entity of the canonical model is a valid input.
        from mappings.models import CANONICAL

        tables = set(CANONICAL.entities())
    delivered = delivered or {}
    for entity in spec.not_migrated:
        if entity not in model.entities() or entity in spec.entities:
            problems.append(f"not_migrated.{entity}: expected an entity of {model.name} that the spec does not map")
    for entity, entity_spec in spec.entities.items():
        path = f"entities.{entity}"
        if entity not in model.entities():
            problems.append(f"{path}: unknown entity of {model.name}; valid: {', '.join(model.entities())}")
            continue
        for i, src in enumerate(entity_spec.sources):
            _check_source(model, entity, src, f"{path}.sources[{i}]", tables, problems)
            _check_columns(src, f"{path}.sources[{i}]", delivered, problems)
        prefixes = [s.id_prefix for s in entity_spec.sources]
        if spec.keys == "generated" and len(set(prefixes)) != len(prefixes):
            # Generated ids are <system>:<entity>:<prefix><id>: two tables' ids could collide.
            problems.append(f"{path}.sources: each source needs a distinct id_prefix (ids must not collide)")
        if entity_spec.dedup:
            known = {f.name for f in model.data_fields(entity)} | {"canonical_id"}
            for rule, columns in entity_spec.dedup.rules.items():
                for column in columns:
                    if column not in known:
                        problems.append(f"{path}.dedup.rules.{rule}: unknown field {column!r}")
            for column in entity_spec.dedup.not_filled:
                if column not in known:
                    problems.append(f"{path}.dedup.not_filled: unknown field {column!r}")
            merged_into = entity_spec.dedup.merged_into
            if merged_into is not None and merged_into not in known:
                problems.append(f"{path}.dedup.merged_into: unknown field {merged_into!r}")
    _check_fields_not_migrated(spec, problems)
    _check_columns_not_migrated(spec, tables, problems)
    for lookup in spec.lookups:
        if lookup not in tables:
            problems.append(f"lookups: unknown raw table {lookup!r}")
    if spec.input == "raw":
        unused = sorted(tables - spec.source_tables() - set(spec.lookups))
        if unused:
            problems.append(
                f"lookups: raw table(s) {unused} are neither an entity source nor a lookup "
                "(every delivered table must be accounted for)"
            )
    if problems:
        raise SpecError(source, problems)
