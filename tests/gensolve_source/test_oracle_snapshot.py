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
from pydantic import ValidationError

from customers import CustomerConfig, MigrationHome
from sources.gensolve.extraction import take_snapshot
from sources.gensolve.location import GensolveOracleSource
from sources.gensolve.oracle import write_snapshot
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import Warehouse, quote_identifier
from targets.base import Partition
from targets.gensolve.catalogue import ImportTable, load_catalogue
from targets.gensolve.oracle import OracleConfigurationError

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


def _load_into(backend: object, first_hop: Partition, home: Path, run_id: str) -> None:
    """Load the first hop's partition into `backend` from a copy of its home without its ledger: the
    embedded load's hashes would make this load write nothing (the ledger is per target, not per database)."""
    from targets.gensolve import loader

    shutil.copytree(first_hop.home.root, home)
    part = Partition(MigrationHome(home), first_hop.config, "trial")
    with part.warehouse.connect() as con:
        con.execute("drop schema if exists ledger cascade")
    loaded = loader.load(backend, part.warehouse, load_catalogue(), "trial", run_id, "tester")  # type: ignore[arg-type]
    assert loaded.rejected == 0 and loaded.written > 0


@pytest.mark.real_service
@needs_oracle
def test_oracle_reads_into_the_same_raw_rows_as_the_embedded_database(
    first_hop: Partition, gensolve_database: Path, tmp_path: Path
) -> None:
    from sources.gensolve.oracle import snapshot_from_oracle

    with fresh_oracle_schema() as backend:
        _load_into(backend, first_hop, tmp_path / "home", "oracle-1")
        snapshot = tmp_path / "oracle-snapshot.duckdb"
        snapshot_from_oracle(backend.con, snapshot)  # type: ignore[attr-defined]
    assert _raw_rows(snapshot, tmp_path / "oracle") == _raw_rows(gensolve_database, tmp_path / "embedded")


ORACLE_SOURCE = {
    "oracle_dsn": "db.example.org:1521/GPM",
    "user_env": "GPM_SRC_USER",
    "password_env": "GPM_SRC_PASSWORD",
}


def test_a_customer_names_an_oracle_source_by_dsn_and_environment_variables() -> None:
    config = CustomerConfig.model_validate(
        {
            "customer_id": "gpm-oracle",
            "name": "Oracle Physio",
            "country": "NZ",
            "time_zone": "Pacific/Auckland",
            "source": {"system": "gensolve", "trial": ORACLE_SOURCE},
            "fallback_owner_email": "owner@example.org",
        }
    )
    assert config.source_for("trial") == GensolveOracleSource(**ORACLE_SOURCE)
    # A password is named, never written.
    with pytest.raises(ValidationError):
        GensolveOracleSource(**{**ORACLE_SOURCE, "password_env": "hunter2!"})
    with pytest.raises(ValidationError):
        GensolveOracleSource(**ORACLE_SOURCE, password="hunter2")  # type: ignore[call-arg]


def test_an_oracle_extraction_without_its_credentials_names_the_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GPM_SRC_USER", raising=False)
    monkeypatch.delenv("GPM_SRC_PASSWORD", raising=False)
    extracts = tmp_path / "home" / "customers" / "gpm-oracle" / "extracts" / "trial"
    with pytest.raises(OracleConfigurationError, match="GPM_SRC_USER, GPM_SRC_PASSWORD not set"):
        take_snapshot(GensolveOracleSource(**ORACLE_SOURCE), extracts)
    # Nothing half-written where the raw layer looks.
    assert not list((extracts / "snapshots").glob("[0-9][0-9][0-9][0-9]"))


@pytest.mark.real_service
@needs_oracle
def test_an_oracle_source_is_extracted_into_a_snapshot_with_the_embedded_rows(
    first_hop: Partition, gensolve_database: Path, tmp_path: Path
) -> None:
    """A customer whose source is the Oracle schema: source/extract's snapshot reads into the same raw rows
    as the embedded database the schema was loaded from."""
    import os

    home = tmp_path / "home"
    with fresh_oracle_schema() as backend:
        _load_into(backend, first_hop, home, "oracle-2")
        location = GensolveOracleSource(
            oracle_dsn=os.environ["ORACLE_TEST_DSN"], user_env="ORACLE_TEST_USER", password_env="ORACLE_TEST_PASSWORD"
        )
        result = take_snapshot(location, MigrationHome(home).extracts_dir("gpm-oracle", "trial"))
    assert result.kind == "full" and result.upstream is None
    assert _raw_rows(result.snapshot, tmp_path / "oracle") == _raw_rows(gensolve_database, tmp_path / "embedded")
