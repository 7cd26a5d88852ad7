"""The cost model charges base latency plus a per-record cost, scaled by the time factor (anchors §4.2)."""

from __future__ import annotations

import pathlib
import time

import httpx
from emulator_helpers import api_client

from emulators.dataverse import constants as c
from emulators.launcher import start_emulators

SCALE = 0.1


def _timed(client: httpx.Client, method: str, url: str, **kwargs: object) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
    return time.perf_counter() - started, response


def test_latency_follows_the_published_benchmarks(tmp_path: pathlib.Path) -> None:
    with start_emulators(state_dir=tmp_path, time_scale=SCALE) as running, api_client(running) as api:
        api.get("WhoAmI")
        single, _ = _timed(api, "GET", "WhoAmI")
        targets = [{"@odata.type": "Microsoft.Dynamics.CRM.contact", "lastname": f"c{i}"} for i in range(100)]
        bulk, response = _timed(
            api, "POST", "contacts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": targets}
        )
        config = running.dataverse_control.config()
    assert response.status_code == 200
    base = c.BASE_LATENCY_MS / 1000 * SCALE
    expected_bulk = (c.BASE_LATENCY_MS + 100 * c.PER_RECORD_MS) / 1000 * SCALE
    assert base <= single < base + 0.15
    assert expected_bulk <= bulk < expected_bulk + 0.3
    assert config["cost_model"] == {
        "enabled": True,
        "base_latency_ms": 100.0,
        "per_record_ms": 6.5,
        "per_row_read_ms": 0.05,
    }


def test_cost_model_off_answers_at_once(tmp_path: pathlib.Path) -> None:
    options = {"cost_model": False}
    with start_emulators(state_dir=tmp_path, dataverse_options=options) as running, api_client(running) as api:
        api.get("WhoAmI")
        elapsed, _ = _timed(api, "GET", "WhoAmI")
    assert elapsed < c.BASE_LATENCY_MS / 1000
