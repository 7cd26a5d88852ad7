"""Duplicate detection: rows equal on any rule's normalised key become one survivor."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mappings.spec import DedupSpec

# The rule recorded for a row the source system had already merged into another (DedupSpec.merged_into).
MERGED_IN_SOURCE = "merged_in_source"


@dataclass
class DedupResult:
    survivors: pl.DataFrame
    merges: pl.DataFrame  # canonical_id, survivor_id, rule


def _normalised(frame: pl.DataFrame, column: str) -> pl.Expr:
    """Key form of a column: strings lower-cased, accents and punctuation removed ("O'Brien " ≡ "obrien")."""
    expr = pl.col(column)
    if frame.schema[column] == pl.String:
        expr = expr.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase()
        expr = expr.str.replace_all(r"[^\p{L}\p{N}@.+]", "")
        expr = pl.when(expr == "").then(None).otherwise(expr)
    return expr.alias(f"__k_{column}")


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def _merged_in_source(frame: pl.DataFrame, spec: DedupSpec, links: _UnionFind, rule_of: dict[str, str]) -> set[str]:
    """Link each row the source merged into another row of the frame (`spec.merged_into`) to that row;
    returns the ids merged away. A row whose survivor was not delivered stays, keeping the field."""
    if spec.merged_into is None:
        return set()
    pairs = frame.select("canonical_id", pl.col(spec.merged_into).alias("__into")).filter(
        pl.col("__into").is_in(frame["canonical_id"].implode()) & (pl.col("__into") != pl.col("canonical_id"))
    )
    for canonical_id, into in pairs.iter_rows():
        links.union(canonical_id, into)
        rule_of[canonical_id] = MERGED_IN_SOURCE
    return set(pairs["canonical_id"].to_list())


def deduplicate(frame: pl.DataFrame, spec: DedupSpec, data_columns: list[str]) -> DedupResult:
    """Group rows linked by any rule (transitively); keep the first by `survivor_order` (earliest
    created, then canonical id), fill its empty fields from the merged rows, and record each merge."""
    links = _UnionFind()
    rule_of: dict[str, str] = {}
    merged_away = _merged_in_source(frame, spec, links, rule_of)
    for rule, columns in spec.rules.items():
        keyed = frame.select("canonical_id", *[_normalised(frame, c) for c in columns])
        key_columns = [f"__k_{c}" for c in columns]
        groups = (
            keyed.drop_nulls(key_columns)
            .group_by(key_columns)
            .agg(pl.col("canonical_id"))
            .filter(pl.col("canonical_id").list.len() > 1)
        )
        for ids in groups["canonical_id"].to_list():
            ids = sorted(ids)
            for other in ids[1:]:
                links.union(ids[0], other)
                rule_of.setdefault(other, rule)
                rule_of.setdefault(ids[0], rule)
    if not links.parent:
        empty = pl.DataFrame(schema={"canonical_id": pl.String, "survivor_id": pl.String, "rule": pl.String})
        return DedupResult(frame, empty)
    clusters = pl.DataFrame({"canonical_id": list(links.parent), "__cluster": [links.find(i) for i in links.parent]})
    ordered = (
        frame.join(clusters, on="canonical_id", how="left")
        .with_columns(
            pl.col("__cluster").fill_null(pl.col("canonical_id")),
            # A row the source merged away never survives over the row it was merged into.
            pl.col("canonical_id").is_in(pl.Series(list(merged_away), dtype=pl.String).implode()).alias("__away"),
        )
        .sort(["__away", *spec.survivor_order], nulls_last=True)
        .drop("__away")
    )
    survivor_of = ordered.group_by("__cluster", maintain_order=True).agg(
        pl.col("canonical_id").first().alias("survivor_id")
    )
    ordered = ordered.join(survivor_of, on="__cluster", how="left")
    merged_rows = ordered.filter(pl.col("canonical_id") != pl.col("survivor_id"))
    merges = merged_rows.select(
        "canonical_id",
        "survivor_id",
        pl.col("canonical_id").replace_strict(rule_of, default="linked", return_dtype=pl.String).alias("rule"),
    )
    # Survivor's empty fields are filled from its duplicates, earliest first (a duplicate created
    # at reception often carries the phone or email the original lacks).
    # Fields describing the record itself (`not_filled`: an archived duplicate's archived_at) stay the survivor's.
    filled_columns = [c for c in data_columns if c not in spec.not_filled and c != spec.merged_into]
    fill = ordered.group_by("survivor_id", maintain_order=True).agg(
        [pl.col(c).drop_nulls().first().alias(c) for c in filled_columns]
    )
    survivors = ordered.filter(pl.col("canonical_id") == pl.col("survivor_id"))
    filled = survivors.join(fill, left_on="canonical_id", right_on="survivor_id", how="left", suffix="__fill")
    filled = filled.with_columns([pl.coalesce(pl.col(c), pl.col(f"{c}__fill")).alias(c) for c in filled_columns])
    survivors_out = filled.select(frame.columns)
    original_order = frame.select("canonical_id").with_row_index("__order")
    survivors_out = survivors_out.join(original_order, on="canonical_id", how="left").sort("__order").drop("__order")
    return DedupResult(survivors_out, merges)
