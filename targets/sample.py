"""A stratified sample of clients for a trial load, with everything that hangs off them.

A practice reviews a sample migration field by field before the full one (research/anchors.md §1,
§6). Random clients miss rare cases, so the sample first takes, for every appointment type,
appointment status, practitioner, referrer kind and custom field in use, one client who has it, then
fills up at random — all seeded by the partition, so the same trial shows the same clients.
"""

from __future__ import annotations

import hashlib
import random

import duckdb
import polars as pl

from store import TableRef, read_partition

DEFAULT_SAMPLE = 300
SAMPLE_RANGE = (100, 500)


def _strata(con: duckdb.DuckDBPyConnection, run_kind: str) -> list[tuple[str, pl.DataFrame]]:
    """(stratum name, frame of client_id × value) for each dimension the sample must cover."""

    def table(name: str, columns: str) -> pl.DataFrame:
        return read_partition(con, TableRef("staged", name), run_kind, columns)

    appointments = table("appointment", "client_id, appointment_type, status, practitioner_id, run_kind")
    clients = table("client", "canonical_id, referrer_id, run_kind")
    referrers = table("referrer", "canonical_id, referral_type, run_kind")
    values = table("custom_field_value", "client_id, definition_id, value_text, run_kind")
    referral = clients.join(referrers, left_on="referrer_id", right_on="canonical_id", how="left").select(
        pl.col("canonical_id").alias("client_id"), pl.col("referral_type").fill_null("none").alias("value")
    )
    return [
        ("appointment_type", appointments.select("client_id", pl.col("appointment_type").alias("value"))),
        ("status", appointments.select("client_id", pl.col("status").alias("value"))),
        ("practitioner", appointments.select("client_id", pl.col("practitioner_id").alias("value"))),
        ("referrer_kind", referral),
        (
            "custom_field",
            values.filter(pl.col("value_text").is_not_null()).select(
                "client_id", pl.col("definition_id").alias("value")
            ),
        ),
    ]


def stratified_sample(con: duckdb.DuckDBPyConnection, run_kind: str, size: int, seed_text: str) -> list[str]:
    """Canonical ids of `size` clients covering every stratum value present (when `size` allows)."""
    low, high = SAMPLE_RANGE
    if not low <= size <= high:
        raise ValueError(f"sample size must be between {low} and {high} clients, got {size}")
    rng = random.Random(int(hashlib.sha256(seed_text.encode()).hexdigest()[:16], 16))
    chosen: list[str] = []
    taken: set[str] = set()
    for _, frame in _strata(con, run_kind):
        for _value, group in sorted(frame.drop_nulls().group_by("value"), key=lambda g: str(g[0])):
            candidates = sorted(set(group["client_id"].to_list()))
            if any(c in taken for c in candidates) or len(chosen) >= size:
                continue
            pick = rng.choice(candidates)
            chosen.append(pick)
            taken.add(pick)
    everyone = sorted(
        read_partition(con, TableRef("staged", "client"), run_kind, "canonical_id, run_kind")["canonical_id"].to_list()
    )
    rest = [c for c in everyone if c not in taken]
    rng.shuffle(rest)
    chosen.extend(rest[: max(size - len(chosen), 0)])
    return chosen


def restrict_to_sample(
    con: duckdb.DuckDBPyConnection, schema: str, run_kind: str, clients: list[str]
) -> dict[str, int]:
    """Keep in the target's mapped tables only the sampled clients, the referrers they name and the
    records that hang off them (sites and organisations stay whole). Returns rows kept per table."""
    con.register("_sample", pl.DataFrame({"key": clients}))
    try:
        deletes = {
            "contact": "canonical_id not in (select key from _sample) and canonical_id not in "
            f"(select new_referrerid from {schema}.contact where canonical_id in (select key from _sample) "
            "and new_referrerid is not null and run_kind = $k)",
            "appointment": "regardingobjectid not in (select key from _sample)",
            "task": "regardingobjectid not in (select key from _sample)",
            "email": "regardingobjectid not in (select key from _sample)",
            "annotation": "objectid not in (select key from _sample)",
            "invoice": "customerid not in (select key from _sample)",
        }
        kept = {}
        con.execute("begin transaction")
        for table, condition in deletes.items():
            con.execute(f"delete from {schema}.{table} where run_kind = $k and ({condition})", {"k": run_kind})
        con.execute(
            f"delete from {schema}.invoicedetail where run_kind = $k and invoiceid not in "
            f"(select canonical_id from {schema}.invoice where run_kind = $k)",
            {"k": run_kind},
        )
        con.execute("commit")
        for table in (*deletes, "invoicedetail"):
            kept[table] = con.execute(
                f"select count(*) from {schema}.{table} where run_kind = ?", [run_kind]
            ).fetchall()[0][0]
    finally:
        con.unregister("_sample")
    return kept
