"""The hardening tests' one generated practice: small, clean, generated once per session."""

from __future__ import annotations

import pytest

from synthetic import GenerationSummary, generate_practice

CORPUS_CLIENTS = 60


@pytest.fixture(scope="session")
def corpus_practice(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """A clean NZ practice every corpus variant is derived from (each test copies it before damaging it)."""
    return generate_practice(tmp_path_factory.mktemp("corpus-dump"), country="NZ", clients=CORPUS_CLIENTS, seed=15)
