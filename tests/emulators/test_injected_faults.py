"""The API emulators' injected faults (Core Plus, PracSuite, emulators/common/faults.py): the next `fail_next`
requests to targets under one of `paths` answer `error_status`, then none; settings are validated by name and
status; each emulator keeps its own extra fault options."""

from __future__ import annotations

import pytest

from emulators.common.faults import check_faults, take_fault
from emulators.coreplus.models.backend import check_faults as coreplus_faults
from emulators.pracsuite.models.backend import check_faults as pracsuite_faults


def test_the_next_requests_under_the_paths_fail_then_none() -> None:
    faults = check_faults({"fail_next": 2, "error_status": 429, "paths": ["/API/Core/v2/Client"]}, service="X")
    assert take_fault(faults, "/API/Core/v2/Location/") is None  # another path: not counted
    assert take_fault(faults, "/api/core/v2/client/?pageNumber=1") is None  # case matters unless told
    assert take_fault(faults, "/api/core/v2/client/?pageNumber=1", ignore_case=True) == 429
    assert take_fault(faults, "/API/Core/v2/Client/7") == 429
    assert take_fault(faults, "/API/Core/v2/Client/7") is None
    assert faults["fail_next"] == 0


def test_settings_are_refused_by_name_and_status() -> None:
    with pytest.raises(ValueError, match=r"unknown Core Plus fault\(s\) \['fail_forever'\]"):
        coreplus_faults({"fail_forever": 1})
    with pytest.raises(ValueError, match="429 or a 5xx"):
        pracsuite_faults({"error_status": 404})
    # Core Plus alone judges tokens as expired or not yet valid on demand.
    assert coreplus_faults({"expire_next": 1})["expire_next"] == 1
    with pytest.raises(ValueError, match="unknown PracSuite fault"):
        pracsuite_faults({"expire_next": 1})
    assert pracsuite_faults({}) == {"fail_next": 0, "error_status": 503, "paths": []}
