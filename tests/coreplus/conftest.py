"""Fixtures for the Core Plus tests: a small synthetic practice and its emulator (one per module)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from coreplus_helpers import PRACTICE_ARGS, make_settings

from emulators.launcher import RunningEmulators, start_emulators
from sources.coreplus.api import CoreplusApiSettings
from synthetic.coreplus import write_practice


@pytest.fixture(scope="session")
def practice_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("coreplus") / "practice.json"
    write_practice(path, **PRACTICE_ARGS)
    return path


@pytest.fixture(scope="session")
def practice(practice_file: Path) -> dict[str, Any]:
    import json

    return json.loads(practice_file.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def coreplus(practice_file: Path) -> Iterator[RunningEmulators]:
    """The Core Plus emulator alone, rate limit on (10 requests per second, as documented)."""
    running = start_emulators(dataverse=False, entra=False, coreplus=True, coreplus_practice=practice_file)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(autouse=True)
def fresh_rate_window(request: pytest.FixtureRequest) -> None:
    """Each test that talks to the shared emulator starts with an empty one-second rate-limit window and the
    practice as generated: the earlier tests' requests must not decide whether this one's first request is
    refused (a wall-clock race on a busy machine). The 429s the tests need are injected as faults."""
    if "coreplus" in request.fixturenames:
        running = request.getfixturevalue("coreplus")
        assert running.coreplus_control is not None
        running.coreplus_control.reset()


@pytest.fixture
def settings(coreplus: RunningEmulators) -> Iterator[CoreplusApiSettings]:
    """Extractor settings for the emulator (faults cleared before and after each test)."""
    assert coreplus.coreplus_control is not None
    coreplus.coreplus_control.clear_faults()
    yield make_settings(coreplus)
    coreplus.coreplus_control.clear_faults()
