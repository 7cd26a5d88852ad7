"""Helpers for pipeline tests: register a generated dump as a customer and stage it."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import yaml

from checks.approval import ApprovalOutcome, stage_and_check
from customers import CustomerConfig, MigrationHome
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import TableRef, Warehouse, read_partition

ZONES = {"NZ": "Pacific/Auckland", "AU": "Australia/Sydney", "UK": "Europe/London"}


def register_customer(
    home: Path,
    customer_id: str,
    dump_dir: Path,
    country: str = "NZ",
    site_zones: dict[str, str] | None = None,
    live_dump: Path | None = None,
    overrides: dict | None = None,
    target: dict | None = None,
    system: str = "cliniko",
) -> CustomerConfig:
    """Write a customer YAML for a dump and register it in the migration home."""
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    data = {
        "customer_id": customer_id,
        "name": f"Practice {customer_id}",
        "country": country,
        "time_zone": ZONES[country],
        "source": {"system": system, "trial": {"dump": str(dump_dir)}, "live": {"dump": str(live_dump or dump_dir)}},
        "fallback_owner_email": "owner@example.org",
        "sites": [{"source_id": k, "time_zone": v} for k, v in (site_zones or {}).items()],
        "mapping_overrides": overrides or {},
    }
    if target is not None:
        data["target"] = target
    path = inbox / f"{customer_id}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return MigrationHome(home).register(path)


def load_raw(home: Path, config: CustomerConfig, run_kind: str) -> Warehouse:
    warehouse = Warehouse.for_customer(MigrationHome(home).customer_dir(config.customer_id))
    system = get_system(config.source.system)
    for resource in system.resources:
        load_raw_resource(warehouse, system, resource, config.dump_dir(run_kind), run_kind)
    return warehouse


def run_pipeline(home: Path, config: CustomerConfig, run_kind: str = "trial") -> ApprovalOutcome:
    """Raw → staged → checks → report for one partition, without Dagster."""
    load_raw(home, config, run_kind)
    return stage_and_check(MigrationHome(home), config, run_kind)


def site_zones_from_truth(truth: dict) -> dict[str, str]:
    return {s["source_id"]: s["time_zone"] for s in truth.get("sites", [])}


def staged_frame(home: Path, customer_id: str, table: str, run_kind: str = "trial", schema: str = "staged"):
    """A staged (or other) table's rows for one partition, read back from the customer's database."""
    from store import TableRef, read_partition

    warehouse = Warehouse.for_customer(MigrationHome(home).customer_dir(customer_id))
    with warehouse.connect(read_only=True) as con:
        return read_partition(con, TableRef(schema, table), run_kind)


def resign_manifest(path: Path, records: int | None = None) -> None:
    """Make the dump's manifest.json list `path` with its current bytes and sha256 (and `records` when
    given): a dump damaged before its manifest was written, so only its content can give it away."""
    import hashlib
    import json

    manifest_file = path.parent / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["path"] == path.name:
            entry["bytes"] = path.stat().st_size
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            if records is not None:
                entry["records"] = records
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")


def staged_outcome_tables(home: Path, customer_id: str, run_kind: str = "trial") -> dict[str, pl.DataFrame]:
    """A staged partition's rejects, field issues, merges, check findings and check results."""
    warehouse = Warehouse.for_customer(MigrationHome(home).customer_dir(customer_id))
    with warehouse.connect(read_only=True) as con:
        return {
            name: read_partition(con, TableRef(schema, name), run_kind)
            for schema, name in [
                ("staged", "rejects"),
                ("staged", "field_issues"),
                ("staged", "merges"),
                ("audit", "check_finding"),
                ("audit", "check_result"),
            ]
        }


# Checks whose findings restate the tables above; counted once, from the tables.
_RESTATING = {"rejects", "field_issues", "duplicates"}


def defect_findings(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every flagged (entity, source id) with how it was flagged. Rows exploded out of a record
    (custom field values of a patient) are attributed to that record."""
    parts = [
        tables["rejects"].select(
            "entity",
            "source_id",
            pl.lit("reject").alias("kind"),
            pl.col("field").alias("what"),
            pl.col("reason").alias("code"),
        ),
        tables["field_issues"].select(
            "entity", "source_id", pl.lit("issue").alias("kind"), pl.col("field").alias("what"), "code"
        ),
        tables["merges"].select(
            "entity",
            "source_id",
            pl.lit("merge").alias("kind"),
            pl.lit(None, dtype=pl.String).alias("what"),
            pl.col("rule").alias("code"),
        ),
        tables["check_finding"]
        .filter(~pl.col("check_name").is_in(list(_RESTATING)))
        .select(
            "entity",
            "source_id",
            pl.lit("check").alias("kind"),
            pl.col("check_name").alias("what"),
            pl.col("detail").alias("code"),
        ),
    ]
    found = pl.concat(parts)
    derived = pl.col("entity") == "custom_field_value"
    return found.with_columns(
        pl.when(derived).then(pl.lit("client")).otherwise(pl.col("entity")).alias("entity"),
        pl.when(derived)
        .then(pl.col("source_id").str.split("/").list.first())
        .otherwise(pl.col("source_id"))
        .alias("source_id"),
    )


def assert_defects_found(
    found: pl.DataFrame, defects: list[dict], expected: dict[str, tuple[str, str | None, str | None]]
) -> None:
    """Precision and recall 1.0: every injected defect flagged as `expected[kind]` (where, field or check,
    code or rule), and no record flagged that the ground truth does not list."""
    expected_keys = {(d["entity"], d["source_id"]) for d in defects}
    flagged_keys = set(found.select("entity", "source_id").unique().iter_rows())
    assert not expected_keys - flagged_keys, f"recall < 1: {sorted(expected_keys - flagged_keys)[:10]}"
    assert not flagged_keys - expected_keys, f"precision < 1: {sorted(flagged_keys - expected_keys)[:10]}"
    by_key = {key: group for key, group in found.group_by("entity", "source_id")}
    for defect in defects:
        kind, what, code = expected[defect["kind"]]
        rows = by_key[(defect["entity"], defect["source_id"])].filter(pl.col("kind") == kind)
        if what is not None:
            rows = rows.filter(pl.col("what") == what)
        if code is not None:
            rows = rows.filter(pl.col("code") == code)
        assert rows.height, f"{defect['kind']} {defect['source_id']} not flagged as {(kind, what, code)}"


def ledger_writes(home: Path, customer_id: str, run_id: str) -> set[tuple[str, str]]:
    """(canonical id, operation) of every ledgered operation of one run that was not `unchanged`."""
    warehouse = Warehouse.for_customer(MigrationHome(home).customer_dir(customer_id))
    with warehouse.connect(read_only=True) as con:
        rows = con.execute(
            "select canonical_id, operation from ledger.operation where run_id = ? and operation != 'unchanged'",
            [run_id],
        ).fetchall()
    return {(str(k), str(op)) for k, op in rows}
