"""Fixtures for Gensolve as a source: a generated Cliniko practice staged and loaded into the embedded
Gensolve once per session (the first hop), and that database exported as CSV files."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_helpers import register_customer, run_pipeline

from customers import MigrationHome
from sources.gensolve.reader import export_csv
from synthetic import generate_practice
from targets.base import Partition
from targets.gensolve.target import TARGET, embedded_path

CLINIKO_CUSTOMER = "hop-one"


@pytest.fixture(scope="session")
def cliniko_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A defect-free NZ Cliniko practice: where the first hop starts."""
    dump = tmp_path_factory.mktemp("gensolve-source-dump")
    generate_practice(dump, country="NZ", clients=40, defect_rate=0.0, seed=23)
    return dump


@pytest.fixture(scope="session")
def first_hop(cliniko_dump: Path, tmp_path_factory: pytest.TempPathFactory) -> Partition:
    """Cliniko dump → staged → the embedded Gensolve database of customer `hop-one` (trial)."""
    home = tmp_path_factory.mktemp("gensolve-source") / "home"
    config = register_customer(home, CLINIKO_CUSTOMER, cliniko_dump)
    run_pipeline(home, config, "trial")
    migration_home = MigrationHome(home)
    part = Partition(migration_home, migration_home.load(CLINIKO_CUSTOMER), "trial")
    TARGET.prepare(part)
    TARGET.plan(part, apply=True)
    result = TARGET.load(part, "hop-1", "tester")
    assert result.rejected == 0
    return part


@pytest.fixture(scope="session")
def gensolve_database(first_hop: Partition) -> Path:
    return embedded_path(first_hop)


@pytest.fixture(scope="session")
def csv_export(gensolve_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gensolve-export")
    export_csv(gensolve_database, folder)
    return folder
