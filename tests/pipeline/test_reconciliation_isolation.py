"""Nothing lost, nothing mixed: exact reconciliation, idempotent re-runs, partition and customer isolation."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
from pipeline_helpers import register_customer, run_pipeline

from checks.canonical import CANONICAL_MODELS
from customers import MigrationHome
from store import TableRef, Warehouse, read_partition
from synthetic import GenerationSummary, generate_practice


def _staged(warehouse: Warehouse, run_kind: str) -> dict[str, pl.DataFrame]:
    with warehouse.connect(read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'staged'"
            ).fetchall()
        ]
        return {n: read_partition(con, TableRef("staged", n), run_kind) for n in names}


def test_reconciliation_is_exact(migration_home: Path, defective_practice: GenerationSummary) -> None:
    config = register_customer(migration_home, "recon", defective_practice.out_dir)
    outcome = run_pipeline(migration_home, config)
    counts = outcome.staging.result.reconciliation
    # Per entity and source table: considered = staged + merged + rejected.
    assert (counts["considered"] == counts["staged"] + counts["merged"] + counts["rejected"]).all()
    # Per raw table: every delivered row was considered by exactly one entity (explosions aside).
    with duckdb.connect(
        str(Warehouse.for_customer(MigrationHome(migration_home).customer_dir("recon")).path), read_only=True
    ) as con:
        for row in (
            counts.filter(pl.col("grain") == "rows").group_by("source_table").agg(pl.col("considered").sum()).rows()
        ):
            raw = con.execute(f'select count(*) from raw_cliniko."{row[0]}"').fetchall()[0][0]
            assert raw == row[1], row
    delivered = sum(
        defective_practice.counts[t] for t in counts.filter(pl.col("grain") == "rows")["source_table"].unique()
    )
    assert counts.filter(pl.col("grain") == "rows")["considered"].sum() == delivered
    recon = {r.definition.entity: r for r in outcome.results if r.definition.name == "reconciliation"}
    assert recon and all(r.passed for r in recon.values())


def test_reconciliation_check_catches_a_lost_row(migration_home: Path, defective_practice: GenerationSummary) -> None:
    """The checker itself is tested: delete one staged row behind the engine's back and it fails."""
    from checks.checklist import run_checklist

    config = register_customer(migration_home, "lossy", defective_practice.out_dir)
    run_pipeline(migration_home, config)
    warehouse = Warehouse.for_customer(MigrationHome(migration_home).customer_dir("lossy"))
    with warehouse.connect() as con:
        con.execute(
            "delete from staged.communication where canonical_id = (select min(canonical_id) from staged.communication)"
        )
    results = run_checklist(warehouse, "trial", "cliniko", ["communication"])
    recon = next(r for r in results if r.definition.name == "reconciliation")
    assert not recon.passed
    assert recon.outcome.breakdown["staged_table_differs_by"] == -1


def test_rematerialising_gives_identical_staged_tables(migration_home: Path, defective_practice: GenerationSummary):
    config = register_customer(migration_home, "rerun", defective_practice.out_dir)
    warehouse = Warehouse.for_customer(MigrationHome(migration_home).customer_dir("rerun"))
    run_pipeline(migration_home, config)
    first = _staged(warehouse, "trial")
    outcome = run_pipeline(migration_home, config)
    second = _staged(warehouse, "trial")
    assert set(first) == set(second) and len(first) == len(outcome.spec.entities) + 4
    for name in first:
        key = [
            c
            for c in ("canonical_id", "entity", "source_record", "field", "code", "source_table")
            if c in first[name].columns
        ]
        assert first[name].sort(key).equals(second[name].sort(key)), name


def test_trial_and_live_partitions_never_mix(
    migration_home: Path, defective_practice: GenerationSummary, tmp_path: Path
) -> None:
    live_dump = generate_practice(tmp_path / "live", country="NZ", clients=60, seed=99).out_dir
    config = register_customer(migration_home, "both", defective_practice.out_dir, live_dump=live_dump)
    run_pipeline(migration_home, config, "trial")
    warehouse = Warehouse.for_customer(MigrationHome(migration_home).customer_dir("both"))
    trial_before = _staged(warehouse, "trial")["client"]
    run_pipeline(migration_home, config, "live")
    trial_after = _staged(warehouse, "trial")["client"]
    live = _staged(warehouse, "live")["client"]
    assert trial_before.sort("canonical_id").equals(trial_after.sort("canonical_id"))
    assert live.height == 60 and set(live["run_kind"]) == {"live"} and set(trial_after["run_kind"]) == {"trial"}
    assert not set(live["source_id"]) & set(trial_after["source_id"])


def test_each_customer_has_its_own_database(
    migration_home: Path, defective_practice: GenerationSummary, tmp_path: Path
) -> None:
    other_dump = generate_practice(tmp_path / "other", country="AU", clients=50, seed=4).out_dir
    a = register_customer(migration_home, "alpha", defective_practice.out_dir)
    b = register_customer(migration_home, "beta", other_dump, country="AU")
    run_pipeline(migration_home, a)
    run_pipeline(migration_home, b)
    home = MigrationHome(migration_home)
    path_a = Warehouse.for_customer(home.customer_dir("alpha")).path
    path_b = Warehouse.for_customer(home.customer_dir("beta")).path
    assert path_a != path_b and path_a.exists() and path_b.exists()
    clients_a = _staged(Warehouse(path_a), "trial")["client"]
    clients_b = _staged(Warehouse(path_b), "trial")["client"]
    assert set(clients_a["customer_id"]) == {"alpha"} and set(clients_b["customer_id"]) == {"beta"}
    assert clients_b.height == 50


def test_every_entity_cliniko_provides_is_staged(migration_home: Path, defective_practice: GenerationSummary) -> None:
    config = register_customer(migration_home, "entities", defective_practice.out_dir)
    outcome = run_pipeline(migration_home, config)
    provided = set(CANONICAL_MODELS) - {"payment"}  # Cliniko's API exposes no payments (research/sources.md §2.6)
    assert set(outcome.spec.entities) == provided
    empty = [e for e in provided if outcome.staging.tables[e].rows == 0]
    assert not empty


def test_long_text_is_stored_with_zstd(migration_home: Path, defective_practice: GenerationSummary) -> None:
    """Notes' bodies (staged) and the JSON documents a dump nests (raw) are stored with zstd."""
    config = register_customer(migration_home, "packed", defective_practice.out_dir)
    run_pipeline(migration_home, config)
    warehouse = Warehouse.for_customer(MigrationHome(migration_home).customer_dir("packed"))
    with warehouse.connect() as con:
        con.execute("checkpoint")
        found = dict(
            con.execute(
                "select column_name, list(distinct compression order by compression) from "
                "(select 'staged.' || column_name as column_name, compression "
                " from pragma_storage_info('staged.clinical_note') where segment_type = 'VARCHAR' "
                " union all select 'raw.' || column_name, compression "
                " from pragma_storage_info('raw_cliniko.treatment_notes') where segment_type in ('VARCHAR', 'JSON')) "
                "group by all"
            ).fetchall()
        )
    assert found["staged.body_text"] == found["staged.body_original"] == ["ZSTD"]
    assert found["raw.content"] == ["ZSTD"]
    assert "ZSTD" not in found["staged.canonical_id"] + found["raw.id"]
