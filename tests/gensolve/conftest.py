"""Fixtures for the Gensolve target tests: a practice generated and staged (raw → staged) once per
session; every test maps it onto the import schema in its own copy of that migration home."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pipeline_helpers import register_customer, run_pipeline

from customers import MigrationHome
from synthetic import generate_practice
from targets.base import Partition
from targets.registry import get_target

CUSTOMER = "gensolve-demo"


@pytest.fixture(scope="session")
def staged_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migration home holding a defect-free NZ practice staged for its trial run."""
    root = tmp_path_factory.mktemp("gensolve")
    dump = root / "dump"
    generate_practice(dump, country="NZ", clients=60, defect_rate=0.0, seed=17)
    home = root / "home"
    config = register_customer(home, CUSTOMER, dump)
    run_pipeline(home, config, "trial")
    return home


@pytest.fixture
def partition(staged_home: Path, tmp_path: Path) -> Partition:
    """The staged practice in this test's own migration home, mapped onto `gensolve.*`."""
    home = tmp_path / "home"
    shutil.copytree(staged_home, home)
    migration_home = MigrationHome(home)
    part = Partition(migration_home, migration_home.load(CUSTOMER), "trial")
    get_target("gensolve").prepare(part)
    return part
