"""Evaluate field specs and conditions over a source frame: values plus per-row issue codes."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mappings.spec import Condition, FieldSpec, TransformCall
from mappings.transforms.registry import TransformContext, get_transform, null_where, nulls


class MappingError(Exception):
    """A spec that does not fit the delivered data (a column missing, a join key not unique).
    These stop the run: they are a mapping bug or a broken dump, not a bad record."""


@dataclass
class Evaluated:
    values: pl.Series
    issues: pl.Series  # code where the value is unusable (value is null there)
    warnings: pl.Series  # code where the value is kept but must be reported


def first_code(a: pl.Series, b: pl.Series | None) -> pl.Series:
    """Per row, the first non-null code of a then b."""
    if b is None:
        return a
    return pl.select(pl.coalesce(pl.lit(a), pl.lit(b))).to_series()


def column(frame: pl.DataFrame, name: str, where: str) -> pl.Series:
    if name not in frame.columns:
        visible = ", ".join(c for c in frame.columns if not c.startswith("_"))
        raise MappingError(f"{where}: no column {name!r} in the source rows; available: {visible}")
    return frame[name]


def condition_mask(cond: Condition, frame: pl.DataFrame, where: str) -> pl.Series:
    """Evaluate a row predicate to a boolean series (null counts as false)."""
    if cond.all is not None:
        masks = [condition_mask(c, frame, where) for c in cond.all]
        return pl.select(pl.all_horizontal([pl.lit(m) for m in masks])).to_series()
    if cond.any is not None:
        masks = [condition_mask(c, frame, where) for c in cond.any]
        return pl.select(pl.any_horizontal([pl.lit(m) for m in masks])).to_series()
    if cond.not_ is not None:
        return ~condition_mask(cond.not_, frame, where)
    values = column(frame, cond.column or "", where)
    if cond.is_null is not None:
        mask = values.is_null() if cond.is_null else values.is_not_null()
    elif cond.is_true is not None:
        mask = (values.cast(pl.Boolean) == cond.is_true).fill_null(False)
    elif cond.isin is not None:
        mask = values.cast(pl.String).is_in([str(v) for v in cond.isin]).fill_null(False)
    else:
        mask = (values.cast(pl.String) == str(cond.equals)).fill_null(False)
    return mask.rename("mask")


def apply_transforms(start: Evaluated, calls: list[TransformCall], ctx: TransformContext) -> Evaluated:
    values, issues, warnings = start.values, start.issues, start.warnings
    for call in calls:
        params = {("values_" if k == "values" else k): v for k, v in call.params.items()}
        step = get_transform(call.name).fn(values, ctx, **params)
        values = step.values
        if step.issues is not None:
            issues = first_code(issues, step.issues)
            values = pl.select(
                pl.when(pl.lit(step.issues).is_not_null()).then(None).otherwise(pl.lit(values))
            ).to_series()
        if step.warnings is not None:
            warnings = first_code(warnings, step.warnings)
    return Evaluated(values.rename(ctx.field), issues, warnings)


def evaluate(
    spec: FieldSpec, frame: pl.DataFrame, ctx: TransformContext, where: str, defaults: list[TransformCall] | None = None
) -> Evaluated:
    """Compute one field spec: its source form, then its transforms in order."""
    n = frame.height
    empty = nulls(n)
    if spec.column is not None:
        base = Evaluated(column(frame, spec.column, where), empty, empty)
        if defaults and base.values.dtype == pl.String and spec.column not in ctx.json_columns:
            base = apply_transforms(base, defaults, ctx)
    elif spec.field is not None:
        # An earlier output of the same source: its warnings were recorded on that field already, but the
        # code that left it empty is also why this field is empty (a letter's size from a path whose file is
        # `missing_file` is empty for that reason, not a bare `required_missing`).
        base = Evaluated(ctx.output(spec.field), empty, empty)
        derived = apply_transforms(base, spec.transforms, ctx)
        return _with_cause(derived, ctx.output_issue(spec.field))
    elif spec.has_value:
        base = Evaluated(pl.Series(ctx.field, [spec.value] * n), empty, empty)
    elif spec.coalesce is not None:
        parts = [evaluate(p, frame, ctx, where, defaults) for p in spec.coalesce]
        values = pl.select(
            pl.coalesce([pl.lit(p.values.cast(parts[0].values.dtype, strict=False)) for p in parts])
        ).to_series()
        issues = empty
        for p in parts:
            issues = first_code(issues, p.issues)
        issues = pl.select(pl.when(pl.lit(values).is_null()).then(pl.lit(issues)).otherwise(None)).to_series()
        warnings = empty
        for p in parts:
            warnings = first_code(warnings, p.warnings)
        base = Evaluated(values, issues, warnings)
    elif spec.concat is not None:
        parts = [evaluate(p, frame, ctx, where, defaults) for p in spec.concat]
        joined = pl.select(
            pl.concat_str(
                [pl.lit(p.values.cast(pl.String)) for p in parts], separator=spec.separator, ignore_nulls=True
            )
        ).to_series()
        joined = pl.select(pl.when(pl.lit(joined) == "").then(None).otherwise(pl.lit(joined))).to_series()
        issues, warnings = empty, empty
        for p in parts:
            issues, warnings = first_code(issues, p.issues), first_code(warnings, p.warnings)
        base = Evaluated(joined, issues, warnings)
    else:
        branches = [
            (condition_mask(b.when, frame, where), evaluate(b.then, frame, ctx, where, defaults))
            for b in spec.case or []
        ]
        fallback = evaluate(spec.else_, frame, ctx, where, defaults) if spec.else_ else Evaluated(empty, empty, empty)
        dtype = branches[0][1].values.dtype if branches else fallback.values.dtype
        values = fallback.values.cast(dtype, strict=False)
        issues, warnings = fallback.issues, fallback.warnings
        for mask, branch in reversed(branches):
            values = pl.select(
                pl.when(pl.lit(mask)).then(pl.lit(branch.values.cast(dtype, strict=False))).otherwise(pl.lit(values))
            ).to_series()
            issues = pl.select(pl.when(pl.lit(mask)).then(pl.lit(branch.issues)).otherwise(pl.lit(issues))).to_series()
            warnings = pl.select(
                pl.when(pl.lit(mask)).then(pl.lit(branch.warnings)).otherwise(pl.lit(warnings))
            ).to_series()
        base = Evaluated(values, issues, warnings)
    return apply_transforms(base, spec.transforms, ctx)


def _with_cause(derived: Evaluated, cause: pl.Series | None) -> Evaluated:
    """A derived field's issues with the cause of its input's emptiness first, where it is still empty (a
    transform that fills a value in clears the inherited code)."""
    if cause is None:
        return derived
    inherited = pl.select(pl.when(pl.lit(derived.values).is_null()).then(pl.lit(cause))).to_series()
    return Evaluated(derived.values, first_code(inherited, derived.issues), derived.warnings)


def cast_to(evaluated: Evaluated, dtype: pl.DataType, name: str) -> Evaluated:
    """Cast to the canonical dtype; a value the cast cannot represent becomes an `invalid_value` issue."""
    values = evaluated.values
    if values.dtype == dtype:
        return Evaluated(values.rename(name), evaluated.issues, evaluated.warnings)
    if values.dtype == pl.Null:
        return Evaluated(nulls(len(values), dtype, name), evaluated.issues, evaluated.warnings)
    cast = values.cast(dtype, strict=False)
    lost = values.is_not_null() & cast.is_null()
    code = pl.when(pl.lit(lost)).then(pl.lit("invalid_value"))
    if isinstance(values.dtype, pl.Decimal) and isinstance(dtype, pl.Decimal):
        # Polars rounds a decimal cast to fewer places: money is never rounded silently (DESIGN.md §4).
        back = cast.cast(values.dtype, strict=False)
        rounded = (values.is_not_null() & cast.is_not_null() & (back != values)).fill_null(False)
        cast = null_where(cast, rounded)
        code = code.when(pl.lit(rounded)).then(pl.lit("too_many_decimals"))
    issues = first_code(evaluated.issues, pl.select(code.otherwise(None)).to_series())
    return Evaluated(cast.rename(name), issues, evaluated.warnings)
