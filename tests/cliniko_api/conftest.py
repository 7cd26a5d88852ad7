"""Fixtures for the Cliniko API tests: one small synthetic practice (read-only), an emulator per module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cliniko_api_helpers import cliniko_emulator

from emulators.launcher import RunningEmulators
from synthetic import GenerationSummary, generate_practice

CLIENTS = 50


@pytest.fixture(scope="session")
def cliniko_practice(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """A clean NZ practice of 50 clients (≈2,900 records, attachments, archived patients, cancelled
    appointments, an inactive practitioner), dated a few days before today so every record predates a run."""
    as_of = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=3)
    out = tmp_path_factory.mktemp("cliniko-dump")
    return generate_practice(out, country="NZ", clients=CLIENTS, seed=7, as_of=as_of)


@pytest.fixture(scope="session")
def cliniko_dump(cliniko_practice: GenerationSummary) -> Path:
    """The practice's dump folder. Tests never write into it (extracts go to tmp_path)."""
    return cliniko_practice.out_dir


@pytest.fixture(scope="module")
def cliniko(cliniko_dump: Path) -> Iterator[RunningEmulators]:
    """The Cliniko emulator on the practice with the default limit (200/min at time scale 0.01)."""
    with cliniko_emulator(cliniko_dump) as running:
        yield running
