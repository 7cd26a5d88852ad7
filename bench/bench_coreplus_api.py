"""Benchmark: Core Plus full extraction against the Core Plus emulator over real HTTPS, at the documented limit.

Core Plus allows 10 requests per second per consumer (FAQ, research/sources-round2.md §2.3) and every client costs
two requests beyond the list pages (`GET /Client/{id}` and its family list), so a real extraction is bound by that
limit. The emulator enforces the limit and holds every answer back by LATENCY_SECONDS (a remote server's round trip;
ASSUMED — Core Plus publishes none); the extractor paces itself to the limit as it does against Core Plus. Reported:
records and requests per second, 429s, and the projection for PROJECTED_CLIENTS from the requests per client.
The default practice is 20 000 clients (≈ 40 000 requests ≈ 70 minutes at 10 per second): `make bench` only.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import shutil
import time
from typing import Any

from emulators.launcher import start_emulators
from sources.coreplus.api import REQUESTS_PER_SECOND, CoreplusApiSettings, extract
from synthetic.coreplus import write_practice

CLIENTS = 20_000
PROJECTED_CLIENTS = 20_000
LATENCY_SECONDS = 0.08
# The extractor paces itself at 95% of the limit (api.PACED_REQUESTS_PER_SECOND): at least 85% of the limit
# end to end, with no 429 answered, is the target.
TARGET_SHARE_OF_LIMIT = 0.85


def _window(data: dict[str, Any]) -> tuple[dt.date, dt.date]:
    days = [dt.date.fromisoformat(a["start"][:10]) for a in data["appointments"]]
    return min(days), max(days)


def run(out_dir: pathlib.Path, clients: int = CLIENTS) -> dict[str, Any]:
    """Generate a Core Plus practice of `clients`, serve it with latency and the limit, extract it in full.

    Returns:
        Sizes, seconds, requests, records/s, requests/s, 429s, the projection, the target and passed.
    """
    work = pathlib.Path(out_dir) / "coreplus-api-bench"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    data = write_practice(work / "practice.json", clients=clients, seed=3)
    first, last = _window(data)
    options = {"latency_seconds": LATENCY_SECONDS}
    with start_emulators(
        dataverse=False, entra=False, coreplus=True, coreplus_practice=work / "practice.json", coreplus_options=options
    ) as running:
        e = running.endpoints
        settings = CoreplusApiSettings(
            base_url=f"{e.coreplus_url}/API/Core/v2",
            consumer_id=str(e.coreplus_consumer_id),
            consumer_secret=str(e.coreplus_consumer_secret),
            access_token=str(e.coreplus_access_token),
            appointments_from=first,
            appointments_to=last,
            ca_file=e.ca_file,
        )
        started = time.perf_counter()
        summary = extract(settings, work / "dump")
        seconds = time.perf_counter() - started
        served = running.coreplus_control.stats() if running.coreplus_control else {}
    records = sum(summary.records.values())
    dump_bytes = sum(p.stat().st_size for p in (work / "dump").rglob("*") if p.is_file())
    requests_per_second = summary.requests / seconds
    per_client = summary.requests / clients
    shutil.rmtree(work, ignore_errors=True)
    return {
        "benchmark": "coreplus_api_extract",
        "clients": clients,
        "records": records,
        "records_by_resource": summary.records,
        "dump_bytes": dump_bytes,
        "latency_seconds": LATENCY_SECONDS,
        "seconds": round(seconds, 1),
        "requests": summary.requests,
        "retries": summary.retries,
        "throttled_429": summary.throttled,
        "served": served,
        "records_per_second": round(records / seconds, 1),
        "requests_per_second": round(requests_per_second, 2),
        "limit_requests_per_second": REQUESTS_PER_SECOND,
        "requests_per_client": round(per_client, 2),
        "projected_clients": PROJECTED_CLIENTS,
        "projected_minutes": round(per_client * PROJECTED_CLIENTS / requests_per_second / 60, 1),
        "target": f">= {TARGET_SHARE_OF_LIMIT:.0%} of {REQUESTS_PER_SECOND:.0f} requests/s, no 429",
        "passed": requests_per_second >= TARGET_SHARE_OF_LIMIT * REQUESTS_PER_SECOND and summary.throttled == 0,
    }


def main() -> int:
    """`python -m bench.bench_coreplus_api [CLIENTS]`: one run, printed (the proof at 500 clients is quick)."""
    import json
    import sys

    clients = int(sys.argv[1]) if len(sys.argv) > 1 else CLIENTS
    print(json.dumps(run(pathlib.Path("bench/out").resolve(), clients), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
