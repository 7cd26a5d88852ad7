"""The Pandera model of an entity as a checklist item: types, nullability, formats, ranges."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from checks.canonical import CANONICAL_MODELS
from checks.findings import FLAGGED_SCHEMA, CheckInput, CheckOutcome

# Bound what Pandera collects per check so a badly broken table cannot exhaust memory.
_MAX_FAILURE_CASES = 100_000


def schema_check(data: CheckInput) -> CheckOutcome:
    """Validate the staged rows against the entity's model. Pandera's messages and failure cases
    quote values, so only column, check and row index are taken from them."""
    frame = data.frame
    model = CANONICAL_MODELS[data.entity]
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases: pl.DataFrame = exc.failure_cases.head(_MAX_FAILURE_CASES)
        labels = cases.select(
            pl.concat_str(
                [pl.col("column").fill_null("(table)"), pl.col("check").cast(pl.String)], separator=":"
            ).alias("detail"),
            pl.col("index").cast(pl.Int64),
        )
        rows = labels.filter(pl.col("index").is_not_null())
        ids = (
            frame.select("canonical_id", "source_id")
            .with_row_index("index")
            .with_columns(pl.col("index").cast(pl.Int64))
        )
        flagged = rows.join(ids, on="index", how="left").select("canonical_id", "source_id", "detail")
        table_level = labels.filter(pl.col("index").is_null())
        breakdown = dict(labels.group_by("detail").len().sort("detail").iter_rows())
        return CheckOutcome(
            False,
            frame.height,
            flagged.unique().cast(FLAGGED_SCHEMA),
            breakdown | ({"table_level_failures": table_level.height} if table_level.height else {}),
        )
    return CheckOutcome(True, frame.height, pl.DataFrame(schema=FLAGGED_SCHEMA), {})
