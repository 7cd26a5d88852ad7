"""What a checklist rule sees and what it returns: counts and record ids, never values."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import duckdb
import polars as pl

from store import TableRef, partition_count, quote_identifier, read_partition, table_exists
from store.warehouse import utc_instants

Severity = Literal["ERROR", "WARN"]
FLAGGED_SCHEMA = {"canonical_id": pl.String, "source_id": pl.String, "detail": pl.String}


@dataclass
class CheckInput:
    """One partition's staged data, read back from the customer's database on demand: a check asks
    for the columns it needs, so a large practice's note bodies are never all in memory at once."""

    entity: str
    run_kind: str
    system: str
    as_of: date
    con: duckdb.DuckDBPyConnection
    _cache: dict[str, pl.DataFrame] = field(default_factory=dict)

    def table(self, schema: str, name: str) -> pl.DataFrame:
        """A small table whole (rejects, merges, issues, reconciliation), cached for the run."""
        key = f"{schema}.{name}"
        if key not in self._cache:
            self._cache[key] = read_partition(self.con, TableRef(schema, name), self.run_kind)
        return self._cache[key]

    def columns(self, *names: str, entity: str | None = None) -> pl.DataFrame:
        """`canonical_id`, `source_id` and the named columns of an entity's staged rows."""
        wanted = ", ".join(quote_identifier(c) for c in dict.fromkeys(("canonical_id", "source_id", *names)))
        return read_partition(self.con, TableRef("staged", entity or self.entity), self.run_kind, wanted)

    def ids(self, entity: str) -> pl.Series:
        """The canonical ids of an entity's staged rows (cached: several checks resolve references)."""
        key = f"ids.{entity}"
        if key not in self._cache:
            ref = TableRef("staged", entity)
            if not table_exists(self.con, ref):
                # An entity the system's mapping does not stage (Core Plus has no referrers): nothing can
                # be referenced, so any reference to it is dangling.
                self._cache[key] = pl.DataFrame({"canonical_id": []}, schema={"canonical_id": pl.String})
            else:
                self._cache[key] = read_partition(self.con, ref, self.run_kind, "canonical_id")
        return self._cache[key]["canonical_id"]

    def row_count(self) -> int:
        return partition_count(self.con, TableRef("staged", self.entity), self.run_kind)

    def chunks(self, size: int) -> Iterator[tuple[int, pl.DataFrame]]:
        """(offset, rows) of the entity's staged rows in table order, every column, `size` rows at a
        time (the last chunk fewer; one empty chunk for an empty partition)."""
        ref = TableRef("staged", self.entity)
        # One streamed scan: `limit … offset …` per chunk re-read the rows before the offset, which
        # made a large table's chunks cost quadratically. Its own cursor, so queries on `con`
        # between chunks cannot cut the stream short.
        cursor = self.con.cursor()
        try:
            query = cursor.sql(f"select * from {ref.sql} where run_kind = $k", params={"k": self.run_kind})
            stream = query.to_arrow_reader(size)
            pending: list[pl.DataFrame] = []
            held = offset = 0
            for batch in stream:
                pending.append(pl.from_arrow(batch))
                held += batch.num_rows
                while held >= size:
                    rows = pl.concat(pending)
                    yield offset, utc_instants(rows.head(size))
                    pending, held, offset = [rows.slice(size)], held - size, offset + size
            if held or not offset:
                rows = pl.concat(pending) if pending else pl.from_arrow(stream.schema.empty_table())
                yield offset, utc_instants(rows)
        finally:
            cursor.close()


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
