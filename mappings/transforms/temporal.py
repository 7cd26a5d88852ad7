"""Date and time transforms: parsing without guessing, UTC ⇄ local wall time across DST."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from mappings.transforms.registry import Step, TransformContext, issue_where, nulls, register_transform

_AWARE = r"(Z|[+-]\d\d:?\d\d)$"
_UTC = pl.Datetime("us", "UTC")
_NAIVE = pl.Datetime("us", None)


def _zones(ctx: TransformContext, zone_field: str | None, length: int) -> pl.Series:
    if zone_field:
        return ctx.output(zone_field).fill_null(ctx.mapping.time_zone)
    return pl.Series("zone", [ctx.mapping.time_zone] * length, dtype=pl.String)


def _coalesce(series: list[pl.Series], name: str) -> pl.Series:
    return pl.select(pl.coalesce([pl.lit(s) for s in series]).alias(name)).to_series()


@register_transform("parse_date")
def parse_date(values: pl.Series, ctx: TransformContext, formats: list[str] | None = None) -> Step:
    """A date in one of the given strftime formats (default ISO `%Y-%m-%d`), tried in order.
    Nothing is guessed: `02/03/1980` is 2 March only if `%d/%m/%Y` is listed."""
    text = values.cast(pl.String).str.strip_chars()
    attempts = [text.str.to_date(fmt, strict=False) for fmt in (formats or ["%Y-%m-%d"])]
    parsed = _coalesce(attempts, values.name)
    return Step(parsed, issues=issue_where(text.is_not_null() & parsed.is_null(), "invalid_date"))


def _localise(naive: pl.Series, zones: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Naive local times → UTC, per row's zone. Returns (utc, in_gap mask, ambiguous mask)."""
    utc = nulls(len(naive), _UTC, naive.name)
    gap = pl.Series([False] * len(naive))
    ambiguous = pl.Series([False] * len(naive))
    for zone in zones.filter(naive.is_not_null()).unique().to_list():
        rows = (zones == zone) & naive.is_not_null()
        subset = naive.filter(rows)
        earliest = subset.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        latest = subset.dt.replace_time_zone(zone, ambiguous="latest", non_existent="null")
        index = rows.arg_true()
        utc = utc.scatter(index, earliest.dt.convert_time_zone("UTC"))
        gap = gap.scatter(index, earliest.is_null())
        ambiguous = ambiguous.scatter(index, (earliest != latest).fill_null(False))
    return utc, gap, ambiguous


def timestamp_issues(unparsed: pl.Series, gap: pl.Series) -> pl.Series:
    """Per row: `invalid_timestamp` where the text did not parse, else `dst_gap` where the local time is one
    the clock skips, else null."""
    return pl.select(
        pl.when(pl.lit(unparsed))
        .then(pl.lit("invalid_timestamp"))
        .when(pl.lit(gap))
        .then(pl.lit("dst_gap"))
        .otherwise(None)
    ).to_series()


@register_transform("parse_instant")
def parse_instant(values: pl.Series, ctx: TransformContext, zone_field: str | None = None) -> Step:
    """An ISO 8601 timestamp → UTC instant. With a `Z` or offset it is exact. Without one it is read
    as wall time in the row's zone (`zone_field`, else the practice's): a time in a DST gap is an
    issue (never shifted silently), an ambiguous one takes the earlier instant with a warning."""
    text = values.cast(pl.String).str.strip_chars()
    # Fast path: Cliniko's own form, "YYYY-MM-DDTHH:MM:SSZ", parsed in one vectorised pass; only
    # the other rows (offsets, fractions, naive local times, garbage) take the general path below.
    fast = text.str.to_datetime("%Y-%m-%dT%H:%M:%SZ", strict=False, time_zone="UTC").cast(_UTC)
    rest = text.is_not_null() & fast.is_null()
    if not rest.any():
        return Step(fast.rename(values.name))
    general = _parse_general(text.filter(rest), ctx, zone_field, rest)
    index = rest.arg_true()
    # Series.scatter writes in place: each result gets its own series.
    issues = nulls(len(values)).scatter(index, general.issues)
    warnings = nulls(len(values)).scatter(index, general.warnings)
    return Step(fast.scatter(index, general.values).rename(values.name), issues=issues, warnings=warnings)


def _parse_general(text: pl.Series, ctx: TransformContext, zone_field: str | None, rows: pl.Series) -> Step:
    aware = text.str.contains(_AWARE).fill_null(False)
    exact = text.str.replace(r"Z$", "+00:00").str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_zone="UTC")
    naive = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False).cast(_NAIVE)
    naive = pl.select(pl.when(pl.lit(aware)).then(None).otherwise(pl.lit(naive))).to_series()
    local_utc, gap, ambiguous = _localise(naive, _zones(ctx, zone_field, len(rows)).filter(rows))
    result = _coalesce([exact.cast(_UTC), local_utc], text.name)
    unparsed = text.is_not_null() & exact.is_null() & naive.is_null()
    issues = timestamp_issues(unparsed, gap)
    warnings = pl.select(
        pl.when(pl.lit(ambiguous))
        .then(pl.lit("dst_ambiguous"))
        .when(pl.lit(naive.is_not_null() & ~gap))
        .then(pl.lit("naive_local_time"))
        .otherwise(None)
    ).to_series()
    return Step(result, issues=issues, warnings=warnings)


@register_transform("to_local")
def to_local(values: pl.Series, ctx: TransformContext, zone_field: str | None = None) -> Step:
    """A UTC instant → naive wall time in the row's zone (`zone_field`, else the practice's)."""
    zones = _zones(ctx, zone_field, len(values))
    out = nulls(len(values), _NAIVE, values.name)
    for zone in zones.filter(values.is_not_null()).unique().to_list():
        rows = (zones == zone) & values.is_not_null()
        local = values.filter(rows).dt.convert_time_zone(zone).dt.replace_time_zone(None).cast(_NAIVE)
        out = out.scatter(rows.arg_true(), local)
    return Step(out)


@register_transform("site_time_zone")
def site_time_zone(values: pl.Series, ctx: TransformContext) -> Step:
    """The IANA zone of a site, by site source id: the customer's per-site override, else the practice's."""
    overrides = ctx.mapping.site_time_zones
    keys = values.cast(pl.String)
    zones = (
        keys.replace_strict(
            list(overrides), list(overrides.values()), default=ctx.mapping.time_zone, return_dtype=pl.String
        )
        if overrides
        else pl.Series(values.name, [ctx.mapping.time_zone] * len(values), dtype=pl.String)
    )
    return Step(zones.rename(values.name))


@register_transform("time_zone")
def time_zone(values: pl.Series, ctx: TransformContext) -> Step:
    """An IANA zone name as given, checked to exist."""

    def known(zone: str) -> bool:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return False
        return True

    distinct = {z: known(z) for z in values.drop_nulls().unique().to_list()}
    bad = values.is_in([z for z, ok in distinct.items() if not ok])
    return Step(
        pl.select(pl.when(pl.lit(bad)).then(None).otherwise(pl.lit(values))).to_series(),
        issues=issue_where(bad, "unknown_time_zone"),
    )
