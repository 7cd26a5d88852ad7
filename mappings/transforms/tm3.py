"""Transforms for TM3's export (sources/tm3/): names shown as "Surname, Firstname"."""

from __future__ import annotations

import polars as pl

from mappings.transforms.registry import Step, TransformContext, register_transform


@register_transform("surname_first")
def surname_first(values: pl.Series, ctx: TransformContext, part: str = "last") -> Step:
    """One part of a name written "Surname, Firstname" (TM3, sources-round2.md §2.13): `last` is the text
    before the first comma, `first` the rest; a name without a comma is all surname."""
    text = values.cast(pl.String).str.strip_chars()
    has_comma = text.str.contains(",", literal=True)
    last = pl.select(
        pl.when(pl.lit(has_comma))
        .then(pl.lit(text.str.split_exact(",", 1).struct.field("field_0")))
        .otherwise(pl.lit(text))
    ).to_series()
    first = text.str.splitn(",", 2).struct.field("field_1")
    chosen = last if part == "last" else first
    return Step(chosen.str.strip_chars().rename(values.name))
