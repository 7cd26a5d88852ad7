"""Fixtures for the PracSuite tests: a synthetic practice and its emulator (one per module)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pracsuite_helpers import make_settings

from emulators.launcher import RunningEmulators, start_emulators
from sources.pracsuite.api import PracsuiteApiSettings
from synthetic.pracsuite import PracsuiteSummary, write_practice


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> PracsuiteSummary:
    return write_practice(tmp_path_factory.mktemp("pracsuite-practice"), clients=40, seed=3)


@pytest.fixture(scope="session")
def practice(generated: PracsuiteSummary) -> dict[str, Any]:
    return json.loads(generated.practice_file.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pracsuite(generated: PracsuiteSummary) -> Iterator[RunningEmulators]:
    """The PracSuite emulator alone, its (assumed) rate limit on."""
    running = start_emulators(dataverse=False, entra=False, pracsuite=True, pracsuite_practice=generated.practice_file)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def settings(pracsuite: RunningEmulators) -> Iterator[PracsuiteApiSettings]:
    """Extractor settings for the emulator; the practice as generated, faults cleared, before each test."""
    control = pracsuite.pracsuite_control
    assert control is not None
    control.reset()
    control.clear_faults()
    yield make_settings(pracsuite)
    control.clear_faults()
