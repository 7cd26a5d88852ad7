"""Transforms for Core Plus API values (research/sources-round2.md §2.3): its appointment time format and
amounts nested in line-item arrays."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

import polars as pl

from mappings.transforms.registry import Step, TransformContext, issue_where, register_transform

# §2.3: "2021-09-07T09:00:00 +10:00" — ISO local time, one space, the offset with a colon.
_COREPLUS_TIME = r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d) ([+-]\d\d:\d\d)$"
_UTC = pl.Datetime("us", "UTC")


@register_transform("coreplus_time")
def coreplus_time(values: pl.Series, ctx: TransformContext) -> Step:
    """Core Plus's appointment time `2021-09-07T09:00:00 +10:00` (a space before the offset, not ISO 8601)
    → the UTC instant, exact by its offset; any other shape is an `invalid_timestamp` issue."""
    text = values.cast(pl.String).str.strip_chars()
    local = text.str.extract(_COREPLUS_TIME, 1)
    offset = text.str.extract(_COREPLUS_TIME, 2)
    instant = (local + offset).str.to_datetime("%Y-%m-%dT%H:%M:%S%z", strict=False, time_zone="UTC").cast(_UTC)
    return Step(
        instant.rename(values.name), issues=issue_where(text.is_not_null() & instant.is_null(), "invalid_timestamp")
    )


def _sum(text: str | None, key: str) -> tuple[str | None, str | None]:
    if text is None:
        return None, None
    try:
        items = json.loads(text)
        # Each number through its own decimal text (85.5 → Decimal("85.5")), never float arithmetic.
        total = sum((Decimal(str(item[key])) for item in items if item.get(key) is not None), Decimal(0))
    except (ValueError, TypeError, AttributeError, KeyError, InvalidOperation):
        return None, "invalid_number"
    return str(total), None


@register_transform("sum_from_list")
def sum_from_list(values: pl.Series, ctx: TransformContext, value_key: str) -> Step:
    """The sum of `value_key` over a JSON array of objects, as decimal text (e.g. an invoice's total from
    its `lineItems[].lineAmount`); an element whose value is not a number is an `invalid_number` issue."""
    results = [_sum(v, value_key) for v in values.cast(pl.String).to_list()]
    total = pl.Series(values.name, [r[0] for r in results], dtype=pl.String)
    return Step(total, issues=pl.Series(values.name, [r[1] for r in results], dtype=pl.String))
