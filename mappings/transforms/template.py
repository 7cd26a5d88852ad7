"""Transforms for the generic new-system template (sources/template/): its times are the site's local
wall-clock time by definition, so they are localised without the `naive_local_time` warning a timestamp
that merely lacks its offset gets."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mappings.transforms.registry import Step, TransformContext, issue_where, map_unique, register_transform
from mappings.transforms.temporal import _localise, _zones, timestamp_issues
from store.files import sha256_file

_NAIVE = pl.Datetime("us", None)


@register_transform("local_instant")
def local_instant(
    values: pl.Series, ctx: TransformContext, zone_field: str | None = None, formats: list[str] | None = None
) -> Step:
    """A local wall-clock time (typed by the raw layer) → the UTC instant in the row's zone (`zone_field`,
    else the practice's). A time in a daylight-saving gap is a `dst_gap` issue (never shifted); one that
    occurs twice takes the earlier instant with a `dst_ambiguous` warning. With `formats` (strftime, tried
    in order) the value is text parsed first — a day and a time of day in two columns joined by `concat`
    (Comsense's appointment book), or a column a proposed spec reads as delivered text — and text that
    reads in none of them is `invalid_timestamp`."""
    if not formats:
        naive, unparsed = values.cast(_NAIVE), pl.Series([False] * len(values), dtype=pl.Boolean)
    else:
        text = values.cast(pl.String).str.strip_chars()
        attempts = [text.str.to_datetime(fmt, strict=False).cast(_NAIVE) for fmt in formats]
        naive = pl.select(pl.coalesce(attempts)).to_series().rename(values.name)
        unparsed = text.is_not_null() & naive.is_null()
    utc, gap, ambiguous = _localise(naive, _zones(ctx, zone_field, len(values)))
    issues = timestamp_issues(unparsed, gap)
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
