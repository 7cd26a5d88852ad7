"""The opt-in real-Oracle tests' throw-away schema: ORACLE_TEST_DSN / _USER / _PASSWORD name a user
that may create and drop the gpm_* tables (targets/gensolve/README.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from targets.gensolve.catalogue import load_catalogue

ORACLE_VARIABLES = ("ORACLE_TEST_DSN", "ORACLE_TEST_USER", "ORACLE_TEST_PASSWORD")
needs_oracle = pytest.mark.skipif(
    not all(os.environ.get(v) for v in ORACLE_VARIABLES),
    reason="needs a real Oracle database: set ORACLE_TEST_DSN, ORACLE_TEST_USER and ORACLE_TEST_PASSWORD",
)


@contextmanager
def fresh_oracle_schema() -> Iterator[object]:
    """An OracleBackend on the test schema with every catalogue table created empty; dropped afterwards."""
    from targets.gensolve.oracle import OracleBackend, connect

    backend = OracleBackend(connect(os.environ["ORACLE_TEST_DSN"], "ORACLE_TEST_USER", "ORACLE_TEST_PASSWORD"))
    catalogue = load_catalogue()

    def drop() -> None:
        present = backend.columns()
        with backend.con.cursor() as cursor:
            for name in reversed(catalogue.tables):
                if name in present:
                    cursor.execute(f"DROP TABLE {name} PURGE")

    drop()
    backend.create(catalogue, list(catalogue.tables))
    try:
        yield backend
    finally:
        drop()
        backend.close()
