"""What a checklist rule sees and what it returns: counts and record ids, never values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import duckdb
import polars as pl

from store import TableRef, read_partition

Severity = Literal["ERROR", "WARN"]
FLAGGED_SCHEMA = {"canonical_id": pl.String, "source_id": pl.String, "detail": pl.String}


@dataclass
class CheckInput:
    """One partition's staged data, read back from the customer's database."""

    entity: str
    run_kind: str
    system: str
    as_of: date
    con: duckdb.DuckDBPyConnection
    _cache: dict[str, pl.DataFrame] = field(default_factory=dict)

    def table(self, schema: str, name: str) -> pl.DataFrame:
        key = f"{schema}.{name}"
        if key not in self._cache:
            self._cache[key] = read_partition(self.con, TableRef(schema, name), self.run_kind)
        return self._cache[key]

    @property
    def frame(self) -> pl.DataFrame:
        return self.staged(self.entity)

    def staged(self, entity: str) -> pl.DataFrame:
        return self.table("staged", entity)


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    checked: int
    flagged: pl.DataFrame  # FLAGGED_SCHEMA: the records a reviewer should look at
    breakdown: dict[str, int]  # failures counted by rule/field/code — never by value

    @property
    def failed(self) -> int:
        return self.flagged.height if self.flagged.height else sum(self.breakdown.values())


@dataclass(frozen=True)
class CheckDefinition:
    """A checklist item: `description` is the rule as the practice reads it in the report."""

    entity: str
    name: str
    severity: Severity
    description: str
    run: Callable[[CheckInput], CheckOutcome]


def flagged_rows(frame: pl.DataFrame, mask: pl.Expr | pl.Series, detail: str | pl.Expr) -> pl.DataFrame:
    """The canonical and source ids of the rows matching `mask`, with a value-free detail."""
    rows = frame.filter(mask)
    detail_expr = pl.lit(detail) if isinstance(detail, str) else detail
    return rows.select("canonical_id", "source_id", detail_expr.cast(pl.String).alias("detail")).cast(FLAGGED_SCHEMA)


def outcome(checked: int, flagged: pl.DataFrame) -> CheckOutcome:
    """Passed when nothing is flagged; the breakdown counts flagged records per detail."""
    breakdown = dict(flagged.group_by("detail").len().sort("detail").iter_rows()) if flagged.height else {}
    return CheckOutcome(flagged.height == 0, checked, flagged, breakdown)


def empty_flagged() -> pl.DataFrame:
    return pl.DataFrame(schema=FLAGGED_SCHEMA)
