"""Transforms for the generic new-system template (sources/template/): its times are the site's local
wall-clock time by definition, so they are localised without the `naive_local_time` warning a timestamp
that merely lacks its offset gets."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mappings.transforms.registry import Step, TransformContext, issue_where, map_unique, register_transform
from mappings.transforms.temporal import _localise, _zones
from store.files import sha256_file

_NAIVE = pl.Datetime("us", None)
# A day and a time joined by `concat` (e.g. MyPractice's appointment date and start time columns).
_JOINED_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


@register_transform("local_instant")
def local_instant(values: pl.Series, ctx: TransformContext, zone_field: str | None = None) -> Step:
    """A local wall-clock time (typed by the raw layer, or a day and a time joined as text `YYYY-MM-DD
    HH:MM[:SS]` by `concat`, for an export that delivers them in two columns) → the UTC instant in the
    row's zone (`zone_field`, else the practice's). A time in a daylight-saving gap is a `dst_gap` issue
    (never shifted); one that occurs twice takes the earlier instant with a `dst_ambiguous` warning; text of
    another shape is an `invalid_timestamp` issue."""
    unreadable = pl.Series([False] * len(values))
    if values.dtype == pl.String:
        text = values.str.strip_chars()
        parsed = [pl.lit(text.str.to_datetime(fmt, strict=False).cast(_NAIVE)) for fmt in _JOINED_FORMATS]
        naive = pl.select(pl.coalesce(parsed)).to_series()
        unreadable = text.is_not_null() & naive.is_null()
    else:
        naive = values.cast(_NAIVE)
    utc, gap, ambiguous = _localise(naive, _zones(ctx, zone_field, len(values)))
    issues = pl.select(
        pl.when(pl.lit(unreadable))
        .then(pl.lit("invalid_timestamp"))
        .when(pl.lit(gap))
        .then(pl.lit("dst_gap"))
        .otherwise(None)
    ).to_series()
    warnings = pl.select(pl.when(pl.lit(ambiguous)).then(pl.lit("dst_ambiguous")).otherwise(None)).to_series()
    return Step(utc.rename(values.name), issues=issues, warnings=warnings)


@register_transform("file_bytes")
def file_bytes(values: pl.Series, ctx: TransformContext) -> Step:
    """The size on disk of the file at each path (the template has no manifest: the landing sensor's own
    checksums vouch for the delivery); a path with no file is `missing_file`."""
    sizes = [Path(p).stat().st_size if p is not None and Path(p).is_file() else None for p in values.to_list()]
    result = pl.Series(values.name, sizes, dtype=pl.Int64)
    return Step(result, issues=issue_where(values.is_not_null() & result.is_null(), "missing_file"))


@register_transform("file_digest")
def file_digest(values: pl.Series, ctx: TransformContext) -> Step:
    """The sha256 of the file at each path, read from disk (no manifest to verify it against)."""
    digests, issues = map_unique(
        values.cast(pl.String),
        lambda p: (sha256_file(p), None) if Path(p).is_file() else (None, "missing_file"),
        pl.String,
    )
    return Step(digests, issues=issues)


@register_transform("practice_country")
def practice_country(values: pl.Series, ctx: TransformContext) -> Step:
    """The practice's country (NZ, AU, UK → ISO GB) for every row: the template's addresses are the
    practice's country's unless the old system said otherwise, which it has no column for."""
    return Step(pl.Series(values.name, [ctx.mapping.phone_region] * len(values), dtype=pl.String))
