"""What a person needs to find a record in the practice's current system (issue 25 item 7): the patient's name
and date of birth, an appointment's date and practitioner, an invoice's number — for the approval report only,
which lives in the customer's folder. Never passed to Dagster."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb
import polars as pl

from mappings.spec import MappingSpec, field_columns
from store import TableRef, quote_identifier, read_partition, table_exists

# Canonical fields that identify a record to a person, per entity (in the order they are shown).
IDENTIFYING: dict[str, tuple[str, ...]] = {
    "client": ("first_name", "last_name", "date_of_birth"),
    "practitioner": ("first_name", "last_name"),
    "referrer": ("first_name", "last_name"),
    "site": ("name",),
    "client_organisation": ("name",),
    "appointment": ("starts_local", "starts_at"),
    "invoice": ("invoice_number", "issue_date"),
    "condition": ("claim_number",),
    "document": ("file_name",),
}
LABEL_SCHEMA = {"canonical_id": pl.String, "find_it_by": pl.String}


def _columns(con: duckdb.DuckDBPyConnection, ref: TableRef) -> set[str]:
    return {row[0] for row in con.sql(f"describe {ref.sql}").fetchall()} if table_exists(con, ref) else set()


def _name_sql(alias: str, columns: set[str]) -> str:
    # The person's names first: a practice's display name is often a title ("Physiotherapist").
    parts = [f"{alias}.{c}" for c in ("first_name", "last_name") if c in columns]
    name = f"nullif(concat_ws(' ', {', '.join(parts)}), '')" if parts else "null"
    return f"coalesce({name}, {alias}.display_name)" if "display_name" in columns else name


def staged_labels(con: duckdb.DuckDBPyConnection, run_kind: str, entity: str) -> pl.DataFrame:
    """`canonical_id`, `find_it_by` for every staged row of an entity: e.g. `Ana Ngata, born 1984-02-01`,
    `appointment 2025-03-04 09:30 with Sam Lee — client Ana Ngata`, `invoice 1043 — client Ana Ngata`."""
    ref = TableRef("staged", entity)
    columns = _columns(con, ref)
    if not columns:
        return pl.DataFrame(schema=LABEL_SCHEMA)
    clients = _columns(con, TableRef("staged", "client"))
    practitioners = _columns(con, TableRef("staged", "practitioner"))
    parts: list[str] = []
    joins: list[str] = []
    if entity in ("client", "practitioner", "referrer"):
        parts.append(_name_sql("e", columns))
        if "date_of_birth" in columns:
            parts.append("'born ' || strftime(e.date_of_birth, '%Y-%m-%d')")
    elif entity == "appointment" and "starts_local" in columns:
        parts.append("'appointment ' || strftime(e.starts_local, '%Y-%m-%d %H:%M')")
    elif entity == "invoice" and "invoice_number" in columns:
        parts.append("'invoice ' || e.invoice_number")
    else:
        parts += [f"e.{c}" for c in IDENTIFYING.get(entity, ()) if c in columns]
    if "practitioner_id" in columns and practitioners and entity != "practitioner":
        joins.append(
            f"left join {TableRef('staged', 'practitioner').sql} p on p.canonical_id = e.practitioner_id "
            "and p.run_kind = e.run_kind"
        )
        parts.append(f"'with ' || {_name_sql('p', practitioners)}")
    if "client_id" in columns and clients:
        joins.append(
            f"left join {TableRef('staged', 'client').sql} c on c.canonical_id = e.client_id "
            "and c.run_kind = e.run_kind"
        )
        born = (
            " || coalesce(', born ' || strftime(c.date_of_birth, '%Y-%m-%d'), '')" if "date_of_birth" in clients else ""
        )
        parts.append(f"'client ' || {_name_sql('c', clients)}{born}")
    label = f"concat_ws(' · ', {', '.join(parts)})" if parts else "null"
    return pl.from_arrow(
        con.sql(
            f"select e.canonical_id, {label} as find_it_by from {ref.sql} e {' '.join(joins)} where e.run_kind = $k",
            params={"k": run_kind},
        ).to_arrow_table()
    ).cast(LABEL_SCHEMA)  # type: ignore[return-value]


def reject_labels(con: duckdb.DuckDBPyConnection, spec: MappingSpec, run_kind: str, rejects: pl.DataFrame) -> list[str]:
    """For each reject (a row never staged), the delivered values of the columns its identifying fields map from,
    read from the raw record: `first_name = Ana; last_name = Ngata; date_of_birth = 1984-02-01`."""
    labels: dict[tuple[str, str, Any], str] = {}
    for (entity, table), group in rejects.group_by("entity", "source_table"):
        entity_spec = spec.entities.get(str(entity))
        source = next((s for s in entity_spec.sources if s.table == table), None) if entity_spec else None
        if source is None:
            continue
        wanted = [
            c for f in IDENTIFYING.get(str(entity), ()) if f in source.fields for c in field_columns(source.fields[f])
        ]
        raw = TableRef(f"raw_{spec.system}", str(table))
        present = [c for c in dict.fromkeys(wanted) if c in _columns(con, raw)]
        if not present:
            continue
        records = [r for r in group["source_record"].to_list() if r is not None]
        rows = con.sql(
            f"select _source_record, {', '.join(quote_identifier(c) for c in present)} from {raw.sql} "
            "where run_kind = $k and _source_record in (select unnest($r))",
            params={"k": run_kind, "r": records},
        ).fetchall()
        for row in rows:
            shown = "; ".join(f"{c} = {v}" for c, v in zip(present, row[1:], strict=True) if v is not None)
            labels[(str(entity), str(table), row[0])] = shown
    return [labels.get((r["entity"], r["source_table"], r["source_record"]), "") for r in rejects.iter_rows(named=True)]


def label_findings(con: duckdb.DuckDBPyConnection, run_kind: str, findings: pl.DataFrame) -> pl.DataFrame:
    """The approval checklist's flagged records (`entity`, `canonical_id`…) with `find_it_by` added."""
    entities: Iterable[str] = findings["entity"].unique().to_list() if findings.height else []
    labels = [staged_labels(con, run_kind, e).with_columns(pl.lit(e).alias("entity")) for e in entities]
    if not labels:
        return findings.with_columns(pl.lit(None, pl.String).alias("find_it_by"))
    named = pl.concat(labels)
    labelled = findings.join(named, on=["entity", "canonical_id"], how="left")
    merges = TableRef("staged", "merges")
    if not table_exists(con, merges):
        return labelled
    # A duplicate merged away is not staged itself: it is found through the record it was merged into.
    survivors = (
        read_partition(con, merges, run_kind, "entity, canonical_id, survivor_id")
        .join(named.rename({"canonical_id": "survivor_id", "find_it_by": "_survivor"}), on=["entity", "survivor_id"])
        .select("entity", "canonical_id", ("merged into: " + pl.col("_survivor")).alias("_merged"))
    )
    return (
        labelled.join(survivors, on=["entity", "canonical_id"], how="left")
        .with_columns(pl.coalesce("find_it_by", "_merged").alias("find_it_by"))
        .drop("_merged")
    )
