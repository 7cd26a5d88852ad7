"""The same load against a real Oracle database (python-oracledb thin mode). Opt-in: runs only when
ORACLE_TEST_DSN, ORACLE_TEST_USER and ORACLE_TEST_PASSWORD name a database whose user may create and
drop the gpm_* tables (a throw-away schema; targets/gensolve/README.md shows how with Oracle Database
Free in a container)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from oracle_helpers import fresh_oracle_schema, needs_oracle

from targets.base import Partition
from targets.gensolve import loader
from targets.gensolve.catalogue import load_catalogue

pytestmark = [
    pytest.mark.real_service,
    needs_oracle,
]


@pytest.fixture
def oracle() -> Iterator[object]:
    with fresh_oracle_schema() as backend:
        yield backend


def test_load_into_oracle_reconciles_is_idempotent_and_rolls_back(oracle: object, partition: Partition) -> None:
    catalogue = load_catalogue()
    first = loader.load(oracle, partition.warehouse, catalogue, "trial", "run-1", "tester")  # type: ignore[arg-type]
    assert first.rejected == 0 and first.written > 0
    assert loader.verify(oracle, partition.warehouse, catalogue, "trial").clean  # type: ignore[arg-type]
    assert loader.load(oracle, partition.warehouse, catalogue, "trial", "run-2", "tester").written == 0  # type: ignore[arg-type]
    result = loader.rollback(oracle, partition.warehouse, catalogue, "trial", "run-3", "tester")  # type: ignore[arg-type]
    assert result.deleted == first.written
    assert all(not oracle.keys(t, catalogue.key) for t in catalogue.tables.values())  # type: ignore[attr-defined]


def test_oracle_isolates_a_bad_row_with_its_ora_code(oracle: object) -> None:
    catalogue = load_catalogue()
    vendor = catalogue.table("gpm_vendor")
    row = {c.name: None for c in vendor.columns}
    good = {
        **row,
        "mig_key": "t:site:1",
        "mig_source_system": "t",
        "mig_source_id": "1",
        "mig_origin_id": "t:site:1",
        "vendor_name": "Kōwhai",
    }
    bad = {**good, "mig_key": "t:site:2", "mig_source_id": "2", "vendor_name": None}  # NOT NULL column
    errors = oracle.merge(vendor, catalogue.key, [bad, good])  # type: ignore[attr-defined]
    assert [(e.offset, e.code) for e in errors] == [(0, "ORA-01400")]
    assert oracle.keys(vendor, catalogue.key) == {"t:site:1"}  # type: ignore[attr-defined]
