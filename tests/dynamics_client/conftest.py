"""Emulators for the Dataverse client tests: one Entra + Dataverse pair over TLS, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dv_helpers import DEFAULT_LIMITS, OPTIONS, TIME_SCALE

from emulators.launcher import RunningEmulators, emulator_fixture

dv_emulators = emulator_fixture(name="dv_emulators", time_scale=TIME_SCALE, dataverse_options=OPTIONS)


@pytest.fixture
def emulators(dv_emulators: RunningEmulators) -> Iterator[RunningEmulators]:
    """The shared emulators, freshly seeded, without faults and with the default limits."""
    control = dv_emulators.dataverse_control
    control.reset()
    control.config(limits=DEFAULT_LIMITS, key_activation={"mode": "manual"})
    yield dv_emulators
    control.clear_faults()
    control.config(limits=DEFAULT_LIMITS)
