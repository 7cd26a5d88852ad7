"""The production instance profile (deploy/dagster.yaml) on a real PostgreSQL.

Opt-in: these tests need a PostgreSQL server and run when PM_POSTGRES_DSN names one (a superuser
that may create databases). `make test-postgres` (called by .ci/run) starts a throw-away cluster with
tests/postgres/throwaway_cluster.sh and sets it; without it every test here is skipped and says why.
Each test gets its own database and its own DAGSTER_HOME holding a copy of the production profile,
whose credentials reach Dagster only through the DAGSTER_PG_* variables, as in production.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import pytest
from postgres_helpers import PRODUCTION_PROFILE, ProductionHome, connect

DSN_ENV = "PM_POSTGRES_DSN"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    dsn = os.environ.get(DSN_ENV)
    skip = pytest.mark.skip(reason=f"needs a PostgreSQL server: {DSN_ENV} is not set (run `make test-postgres`)")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.postgres)
            if not dsn:
                item.add_marker(skip)


@pytest.fixture
def production_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ProductionHome]:
    server = urlsplit(os.environ[DSN_ENV])
    database = f"dagster_{uuid.uuid4().hex[:12]}"
    env = {
        "DAGSTER_PG_HOST": server.hostname or "127.0.0.1",
        "DAGSTER_PG_PORT": str(server.port or 5432),
        "DAGSTER_PG_USER": server.username or "",
        "DAGSTER_PG_PASSWORD": server.password or "",
        "DAGSTER_PG_DB": database,
    }
    admin = connect(env, (server.path or "/postgres").lstrip("/") or "postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'create database "{database}"')
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(PRODUCTION_PROFILE, dagster_home / "dagster.yaml")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    try:
        yield ProductionHome(dagster_home, env, database)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{database}" with (force)')
        admin.close()


@pytest.fixture
def production_instance(production_home: ProductionHome) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.from_config(str(production_home.dagster_home)) as instance:
        yield instance
