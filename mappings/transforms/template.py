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


@register_transform("local_instant")
def local_instant(
    values: pl.Series, ctx: TransformContext, zone_field: str | None = None, formats: list[str] | None = None
) -> Step:
    """A local wall-clock time (typed by the raw layer, or text read in one of `formats`, tried in order —
    a proposed spec for a system whose raw layer keeps it as text) → the UTC instant in the row's zone
    (`zone_field`, else the practice's). Text that reads in none of the formats is `invalid_timestamp`. A
    time in a daylight-saving gap is a `dst_gap` issue (never shifted); one that occurs twice takes the
    earlier instant with a `dst_ambiguous` warning."""
    unreadable = pl.Series([False] * len(values))
    if values.dtype == pl.String and formats:
        text = values.str.strip_chars()
        attempts = [text.str.to_datetime(fmt, strict=False).cast(_NAIVE) for fmt in formats]
        naive = pl.select(pl.coalesce(attempts)).to_series() if attempts else text.cast(_NAIVE)
        unreadable = text.is_not_null() & naive.is_null()
    else:
        naive = values.cast(_NAIVE)
    utc, gap, ambiguous = _localise(naive, _zones(ctx, zone_field, len(values)))
    issues = pl.select(
        pl.when(pl.lit(unreadable)).then(pl.lit("invalid_timestamp")).when(pl.lit(gap)).then(pl.lit("dst_gap"))
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
