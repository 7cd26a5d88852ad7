"""Fixtures for mapping proposals: the Gensolve CSV export of a generated practice (a hand-written spec
exists for it, mappings/gensolve_source.yaml), built once per session."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from proposal_helpers import PROPOSAL_SEED as SEED

from proposals.exports import gensolve_csv_export
from proposals.tables import read_tables


@pytest.fixture(scope="session")
def gensolve_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gensolve_csv_export(tmp_path_factory.mktemp("proposal-exports"), 20, SEED)


@pytest.fixture(scope="session")
def export_tables(gensolve_export: Path) -> dict[str, pl.DataFrame]:
    return read_tables(gensolve_export)
