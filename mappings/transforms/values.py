"""Value transforms: links and references, value maps, numbers, booleans, defaults."""

from __future__ import annotations

from typing import Any

import polars as pl

from mappings.transforms.jsondecode import decode_json
from mappings.transforms.registry import Step, TransformContext, issue_where, null_where, register_transform

_DECIMAL = r"^-?\d+(\.\d+)?$"


@register_transform("link_id")
def link_id(values: pl.Series, ctx: TransformContext) -> Step:
    """The id at the end of a HATEOAS link URL (`…/patients/123` → "123"), as a string."""
    # Split, not a regex: a backtracking pattern over a million URLs cost ~10 s (bench/).
    tail = values.str.split("/").list.last()
    good = values.str.starts_with("http") & values.str.contains("://", literal=True) & (tail.str.len_chars() > 0)
    bad = values.is_not_null() & ~good.fill_null(False)
    return Step(null_where(tail, bad).rename(values.name), issues=issue_where(bad, "invalid_link"))


@register_transform("ref")
def ref(values: pl.Series, ctx: TransformContext, entity: str, prefix: str = "") -> Step:
    """Canonical id of the referenced entity's row: `<system>:<entity>:<prefix><source id>`."""
    stem = f"{ctx.mapping.system}:{entity}:{prefix}"
    return Step(_eval((pl.lit(stem, dtype=pl.String) + pl.lit(values.cast(pl.String))).alias(values.name)))


def _eval(expr: pl.Expr) -> pl.Series:
    return pl.select(expr).to_series()


@register_transform("value_map")
def value_map(
    values: pl.Series,
    ctx: TransformContext,
    map: dict[Any, Any],
    unmapped: str = "error",
    default: Any = None,
    case_insensitive: bool = True,
) -> Step:
    """Translate source codes to canonical values; an unlisted value is an `unmapped_value` issue
    (unmapped: error), kept as is (keep) or replaced by `default` (default)."""
    keys = {(str(k).lower() if case_insensitive else str(k)): v for k, v in map.items()}
    text = values.cast(pl.String)
    lookup_key = text.str.to_lowercase() if case_insensitive else text
    mapped = lookup_key.replace_strict(list(keys), list(keys.values()), default=None, return_dtype=pl.String)
    unlisted = text.is_not_null() & ~lookup_key.is_in(list(keys))
    if unmapped == "keep":
        return Step(pl.select(pl.when(pl.lit(unlisted)).then(pl.lit(text)).otherwise(pl.lit(mapped))).to_series())
    if unmapped == "default":
        filled = pl.select(pl.when(pl.lit(unlisted)).then(pl.lit(default)).otherwise(pl.lit(mapped))).to_series()
        return Step(filled.cast(pl.String))
    if unmapped != "error":
        raise ValueError("value_map.unmapped: expected error, keep or default")
    return Step(mapped, issues=issue_where(unlisted, "unmapped_value"))


@register_transform("to_decimal")
def to_decimal(values: pl.Series, ctx: TransformContext, scale: int = 2, precision: int = 18) -> Step:
    """A decimal string ("90.0") → Decimal(precision, scale); never via float. More decimal places
    than `scale` is an issue, not a silent rounding."""
    text = values.cast(pl.String).str.strip_chars()
    well_formed = text.str.contains(_DECIMAL)
    # Trailing zeros beyond the scale ("90.000") lose nothing; only significant extra digits count.
    too_precise = well_formed & text.str.extract(rf"\.\d{{{scale}}}(\d*)$", 1).fill_null("").str.contains("[1-9]")
    bad = text.is_not_null() & ~well_formed
    parsed = null_where(text, bad | too_precise).str.to_decimal(scale=scale).cast(pl.Decimal(precision, scale))
    issues = pl.select(
        pl.when(pl.lit(bad))
        .then(pl.lit("invalid_number"))
        .when(pl.lit(too_precise))
        .then(pl.lit("too_many_decimals"))
        .otherwise(None)
    ).to_series()
    return Step(parsed.rename(values.name), issues=issues)


@register_transform("to_int")
def to_int(values: pl.Series, ctx: TransformContext) -> Step:
    """An integer (from a number or digit string)."""
    if values.dtype.is_integer():
        return Step(values.cast(pl.Int64))
    parsed = values.cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False)
    bad = values.is_not_null() & parsed.is_null()
    return Step(parsed, issues=issue_where(bad, "invalid_number"))


@register_transform("to_quantity")
def to_quantity(values: pl.Series, ctx: TransformContext, scale: int = 3) -> Step:
    """A number (JSON number or string) → Decimal(12, scale) via its decimal text, never via float math."""
    return to_decimal(values.cast(pl.String), ctx, scale=scale, precision=12)


@register_transform("is_not_null")
def is_not_null(values: pl.Series, ctx: TransformContext) -> Step:
    """True where a value is present (e.g. archived = archived_at is set)."""
    return Step(values.is_not_null())


@register_transform("to_bool")
def to_bool(values: pl.Series, ctx: TransformContext) -> Step:
    """A boolean (already boolean, or "true"/"false"/"yes"/"no"/"1"/"0")."""
    if values.dtype == pl.Boolean:
        return Step(values)
    text = values.cast(pl.String).str.to_lowercase().str.strip_chars()
    mapped = text.replace_strict(
        ["true", "yes", "1", "false", "no", "0"],
        [True, True, True, False, False, False],
        default=None,
        return_dtype=pl.Boolean,
    )
    return Step(mapped, issues=issue_where(text.is_not_null() & mapped.is_null(), "unmapped_value"))


@register_transform("default")
def default(values: pl.Series, ctx: TransformContext, value: Any) -> Step:
    """Fill nulls with a constant."""
    return Step(values.fill_null(value))


@register_transform("prefix")
def prefix(values: pl.Series, ctx: TransformContext, value: str) -> Step:
    """Prepend a constant to every value."""
    return Step(_eval((pl.lit(value) + pl.lit(values.cast(pl.String))).alias(values.name)))


@register_transform("practice_currency")
def practice_currency(values: pl.Series, ctx: TransformContext) -> Step:
    """The practice's currency (NZD, AUD, GBP) from its country, for every row."""
    return Step(pl.Series(values.name, [ctx.mapping.currency] * len(values), dtype=pl.String))


@register_transform("negate")
def negate(values: pl.Series, ctx: TransformContext) -> Step:
    """Logical not of a boolean (e.g. "do not email" from "accepted email marketing")."""
    return Step(~values.cast(pl.Boolean))


@register_transform("strftime")
def strftime(values: pl.Series, ctx: TransformContext, format: str = "%Y-%m-%d %H:%M") -> Step:
    """A date or time formatted as text (e.g. a wall-clock time kept beside the UTC instant)."""
    return Step(values.dt.strftime(format))


@register_transform("join_list")
def join_list(values: pl.Series, ctx: TransformContext, separator: str = "; ") -> Step:
    """A JSON array of scalars → its elements joined by `separator` (default '; '), e.g. a case's
    `attendee_ids`; an empty array is null, text that is not a JSON array an `invalid_json` issue."""
    decoded, valid = decode_json(values, pl.List(pl.String))
    joined = decoded.list.join(separator)
    joined = pl.select(pl.when(pl.lit(joined) == "").then(None).otherwise(pl.lit(joined))).to_series()
    return Step(joined.rename(values.name), issues=issue_where(~valid, "invalid_json"))
