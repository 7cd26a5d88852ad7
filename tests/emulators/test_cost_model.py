"""The cost model charges base latency plus a per-record cost, scaled by the time factor (anchors §4.2).

The emulators run on a manual clock, so each request's service time is measured exactly (held until the
clock passes it) instead of against the wall clock of a busy machine.
"""

from __future__ import annotations

import pathlib

from emulator_helpers import answered_after, api_client

from emulators.dataverse import constants as c
from emulators.launcher import start_emulators

SCALE = 0.1


def test_latency_follows_the_published_benchmarks(tmp_path: pathlib.Path) -> None:
    with (
        start_emulators(state_dir=tmp_path, time_scale=SCALE, manual_clock=True) as running,
        api_client(running) as api,
    ):
        base = c.BASE_LATENCY_MS / 1000
        single = answered_after(running, base, lambda: api.get("WhoAmI"))
        targets = [{"@odata.type": "Microsoft.Dynamics.CRM.contact", "lastname": f"c{i}"} for i in range(100)]
        expected_bulk = (c.BASE_LATENCY_MS + 100 * c.PER_RECORD_MS) / 1000
        bulk = answered_after(
            running,
            expected_bulk,
            lambda: api.post("contacts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": targets}),
        )
        config = running.dataverse_control.config()
    assert single.status_code == 200 and bulk.status_code == 200
    assert expected_bulk == 0.75  # 100 ms + 6.5 ms × 100 records
    assert config["cost_model"] == {
        "enabled": True,
        "base_latency_ms": 100.0,
        "per_record_ms": 6.5,
        "per_row_read_ms": 0.05,
    }


def test_cost_model_off_answers_at_once(tmp_path: pathlib.Path) -> None:
    options = {"cost_model": False}
    with (
        start_emulators(state_dir=tmp_path, dataverse_options=options, manual_clock=True) as running,
        api_client(running) as api,
    ):
        # The clock never moves: a request charged any service time would be held until the client timed out.
        responses = [api.get("WhoAmI") for _ in range(3)]
        assert running.clock.sleeping == 0
    assert [r.status_code for r in responses] == [200] * 3
