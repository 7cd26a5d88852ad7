"""Reading Gensolve out of Oracle: a snapshot in the embedded database's form reads into the same raw rows.

The snapshot writer is checked here with the embedded database as its source; the Oracle fetch runs
only when ORACLE_TEST_DSN, ORACLE_TEST_USER and ORACLE_TEST_PASSWORD name a throw-away schema whose
user may create and drop the gpm_* tables (targets/gensolve/README.md shows how with Oracle Database
Free in a container); otherwise it is skipped with that reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from oracle_helpers import fresh_oracle_schema, needs_oracle

from customers import MigrationHome
from sources.gensolve.oracle import write_snapshot
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import Warehouse, quote_identifier
from targets.base import Partition
from targets.gensolve.catalogue import ImportTable, load_catalogue

SYSTEM = get_system("gensolve")


def _raw_rows(database: Path, tmp_path: Path) -> dict[str, list[tuple]]:
    """Every table read through the raw layer, without the file column (the two files differ by name)."""
    warehouse = Warehouse.for_customer(tmp_path)
    rows = {}
    for table in SYSTEM.resources:
        load_raw_resource(warehouse, SYSTEM, table, database, "trial")
        with warehouse.connect(read_only=True) as con:
            rows[table] = con.execute(
                f"select * exclude (_source_file) from raw_gensolve.{quote_identifier(table)} order by _source_record"
            ).fetchall()
    return rows


def test_a_snapshot_reads_into_the_same_raw_rows_as_its_source(gensolve_database: Path, tmp_path: Path) -> None:
    def fetch(table: ImportTable) -> list[dict]:
        with duckdb.connect(str(gensolve_database), read_only=True) as con:
            return con.sql(f"select * from {quote_identifier(table.name)}").pl().to_dicts()

    snapshot = tmp_path / "snapshot.duckdb"
    counts = write_snapshot(fetch, snapshot)
    assert set(counts) == set(load_catalogue().tables) and counts["gpm_client"] > 0
    original = _raw_rows(gensolve_database, tmp_path / "original")
    copied = _raw_rows(snapshot, tmp_path / "copied")
    assert {t: len(r) for t, r in copied.items()} == counts
    assert copied == original


@pytest.mark.real_service
@needs_oracle
def test_oracle_reads_into_the_same_raw_rows_as_the_embedded_database(
    first_hop: Partition, gensolve_database: Path, tmp_path: Path
) -> None:
    from sources.gensolve.oracle import snapshot_from_oracle
    from targets.gensolve import loader

    # The first hop's partition without its ledger: the embedded load's hashes would make this load
    # write nothing (the ledger is per target, not per database).
    home = tmp_path / "home"
    shutil.copytree(first_hop.home.root, home)
    part = Partition(MigrationHome(home), first_hop.config, "trial")
    with part.warehouse.connect() as con:
        con.execute("drop schema if exists ledger cascade")
    with fresh_oracle_schema() as backend:
        loaded = loader.load(backend, part.warehouse, load_catalogue(), "trial", "oracle-1", "tester")  # type: ignore[arg-type]
        assert loaded.rejected == 0 and loaded.written > 0
        snapshot = tmp_path / "oracle-snapshot.duckdb"
        snapshot_from_oracle(backend.con, snapshot)  # type: ignore[attr-defined]
    assert _raw_rows(snapshot, tmp_path / "oracle") == _raw_rows(gensolve_database, tmp_path / "embedded")
