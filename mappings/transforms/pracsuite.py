"""Transforms for PracSuite API values (research/sources-round2.md §2.5): an appointment's end from its
start and `duration`."""

from __future__ import annotations

import polars as pl

from mappings.transforms.registry import Step, TransformContext, issue_where, register_transform


@register_transform("minutes_after")
def minutes_after(values: pl.Series, ctx: TransformContext, start_field: str) -> Step:
    """The instant `values` whole minutes after the already-mapped instant `start_field` (getappointment-get:
    `app_time` and a `duration` integer; the end is not delivered). Exact across a daylight-saving change:
    minutes are added to the instant, not to the wall time. A duration that is not a whole number is an
    `invalid_number` issue."""
    start = ctx.output(start_field)
    minutes = values.cast(pl.Int64, strict=False)
    ends = pl.select(pl.lit(start) + pl.duration(minutes=pl.lit(minutes))).to_series().rename(values.name)
    return Step(ends, issues=issue_where(values.is_not_null() & minutes.is_null(), "invalid_number"))


# getappointment-get: app_time matches ^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}$, "ISO 8601 local datetime in
# the tenant's timezone".
_APP_TIME = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}$"


@register_transform("pracsuite_local_time")
def pracsuite_local_time(values: pl.Series, ctx: TransformContext) -> Step:
    """PracSuite's `app_time` text → a naive wall-clock time (then `local_instant` places it in the tenant's
    zone). The documented form only: anything else is an `invalid_timestamp` issue, never guessed."""
    text = values.cast(pl.String).str.strip_chars()
    shaped = text.str.contains(_APP_TIME).fill_null(False)
    parsed = text.str.replace("t", "T").str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False, time_unit="us")
    parsed = pl.select(pl.when(pl.lit(shaped)).then(pl.lit(parsed)).otherwise(None)).to_series().rename(values.name)
    return Step(parsed, issues=issue_where(text.is_not_null() & parsed.is_null(), "invalid_timestamp"))
