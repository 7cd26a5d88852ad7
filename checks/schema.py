"""The Pandera model of an entity as a checklist item: types, nullability, formats, ranges."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from checks.canonical import CANONICAL_MODELS
from checks.findings import FLAGGED_SCHEMA, CheckInput, CheckOutcome

# Rows validated at a time: bounds memory for entities with large text (treatment notes).
_CHUNK_ROWS = 200_000
# Bound what Pandera collects per chunk so a badly broken table cannot exhaust memory.
_MAX_FAILURE_CASES = 100_000


def _failures(exc: pa.errors.SchemaErrors, rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Flagged rows and table-level failures. Pandera's messages and failure cases quote values,
    so only column, check and row index are taken from them."""
    cases: pl.DataFrame = exc.failure_cases.head(_MAX_FAILURE_CASES)
    labels = cases.select(
        pl.concat_str([pl.col("column").fill_null("(table)"), pl.col("check").cast(pl.String)], separator=":").alias(
            "detail"
        ),
        pl.col("index").cast(pl.Int64),
    )
    ids = rows.select("canonical_id", "source_id").with_row_index("index").with_columns(pl.col("index").cast(pl.Int64))
    flagged = (
        labels.filter(pl.col("index").is_not_null())
        .join(ids, on="index", how="left")
        .select("canonical_id", "source_id", "detail")
    )
    return flagged, labels.filter(pl.col("index").is_null())


def schema_check(data: CheckInput) -> CheckOutcome:
    """Validate the staged rows against the entity's model, chunk by chunk; canonical ids must also
    be unique across chunks."""
    model = CANONICAL_MODELS[data.entity]
    flagged_parts, table_level, checked = [], 0, 0
    breakdown: dict[str, int] = {}
    for _, rows in data.chunks(_CHUNK_ROWS):
        checked += rows.height
        try:
            model.validate(rows, lazy=True)
        except pa.errors.SchemaErrors as exc:
            flagged, table = _failures(exc, rows)
            flagged_parts.append(flagged)
            table_level += table.height
            for detail, count in (
                pl.concat([flagged.select("detail"), table.select("detail")]).group_by("detail").len().iter_rows()
            ):
                breakdown[detail] = breakdown.get(detail, 0) + count
    ids = data.ids(data.entity)
    repeated = ids.len() - ids.n_unique()
    if repeated:
        breakdown["canonical_id:unique_across_table"] = repeated
    if table_level:
        breakdown["table_level_failures"] = table_level
    flagged = pl.concat(flagged_parts).unique() if flagged_parts else pl.DataFrame(schema=FLAGGED_SCHEMA)
    return CheckOutcome(not breakdown, checked, flagged.cast(FLAGGED_SCHEMA), dict(sorted(breakdown.items())))
