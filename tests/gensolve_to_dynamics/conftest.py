"""One Entra + Dataverse emulator pair for the Gensolve → Dynamics extras, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dynamics_load_helpers import DATAVERSE_OPTIONS, TIME_SCALE

from emulators.launcher import RunningEmulators, emulator_fixture

gd_emulators = emulator_fixture(name="gd_emulators", time_scale=TIME_SCALE, dataverse_options=DATAVERSE_OPTIONS)


@pytest.fixture
def org(gd_emulators: RunningEmulators) -> Iterator[RunningEmulators]:
    """The shared emulators, freshly seeded (no custom tables or columns)."""
    gd_emulators.dataverse_control.reset()
    yield gd_emulators
