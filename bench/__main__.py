"""`make bench`: pipeline, emulator, Cliniko and Core Plus API benchmarks; writes bench/results.json and prints
a summary."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    bench_cliniko_api,
    bench_coreplus_api,
    bench_delta_pickup,
    bench_dynamics_load,
    bench_gensolve_load,
    bench_real_org,
    bench_sqlserver_read,
    bench_tabular,
    emulator_bench,
    pipeline_bench,
)
from customers.endpoints import ALLOWED_HOSTS_ENV, EMULATOR_HOSTS


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--clients", type=int, default=100_000, help="size of the large practice (default 100 000)")
    parser.add_argument(
        "--small-clients",
        type=int,
        default=25_000,
        help="size of the practice memory growth is compared with (default 25 000)",
    )
    parser.add_argument(
        "--dynamics-clients",
        type=int,
        default=bench_dynamics_load.CLIENTS,
        help="practice loaded into the Dataverse emulator with its cost model (default 20 000 contacts with "
        "their appointments and notes: ≈ 10 minutes per pass at the emulated ceiling)",
    )
    parser.add_argument(
        "--real-org-clients",
        type=int,
        default=bench_real_org.CLIENTS,
        help="practice loaded against the emulator's real-org profile, with and without the bypass headers, "
        f"{bench_real_org.RUNS} runs each (default {bench_real_org.CLIENTS} contacts with their appointments "
        "and notes)",
    )
    parser.add_argument(
        "--gensolve-clients",
        type=int,
        default=bench_gensolve_load.CLIENTS,
        help="practice loaded into the embedded Gensolve import database, next to DuckDB's bare insert of the same "
        "rows (default 100 000 clients; into Oracle too when ORACLE_TEST_DSN is set)",
    )
    parser.add_argument(
        "--coreplus-clients",
        type=int,
        default=bench_coreplus_api.CLIENTS,
        help="Core Plus practice extracted through the emulator at the documented 10 requests/s with latency "
        "(default 20 000 clients: ≈ 70 minutes)",
    )
    parser.add_argument(
        "--tabular-clients",
        type=int,
        default=bench_tabular.CLIENTS,
        help="practice delivered as a vendor export, CSV files and one XLSX workbook, through raw, staged and checks "
        "next to DuckDB's bare read_csv (default 100 000 clients)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="where dumps and homes go")
    parser.add_argument("--results", type=Path, default=Path("bench/results.json"))
    args = parser.parse_args()
    # The benches' customers load into the emulators on loopback (the Makefile sets the same).
    os.environ.setdefault(ALLOWED_HOSTS_ENV, EMULATOR_HOSTS)
    # Customer files written by the benches name their dumps by this path, and relative paths in a
    # customer file resolve against the file's own folder, not the working directory.
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(
        f"pipeline: {args.clients} and {args.small_clients} clients (first run generates the dumps)…", file=sys.stderr
    )
    pipeline = pipeline_bench.run(args.out, args.clients, args.small_clients)
    print("emulator: UpsertMultiple throughput…", file=sys.stderr)
    emulator = emulator_bench.run(args.out)
    print("cliniko api: full and delta extraction against the emulator…", file=sys.stderr)
    cliniko_api = bench_cliniko_api.run(args.out)
    print("coreplus api: full extraction at the documented limit, with latency…", file=sys.stderr)
    coreplus_api = bench_coreplus_api.run(args.out, args.coreplus_clients)
    print("dynamics: loader vs the emulator's ceiling, one and two application users, SDK baseline…", file=sys.stderr)
    dynamics = bench_dynamics_load.run(args.out, args.dynamics_clients)
    print("dynamics: the real-org profile with and without the bypass headers…", file=sys.stderr)
    real_org = bench_real_org.run(args.out, args.real_org_clients)
    print("gensolve: the loader into the embedded import database vs DuckDB's bare insert…", file=sys.stderr)
    gensolve = bench_gensolve_load.run(args.out, args.gensolve_clients)
    print("sql server extract: the family reader vs DuckDB's bare read of the same bcp files…", file=sys.stderr)
    sqlserver = bench_sqlserver_read.run(args.out, args.clients)
    print(
        "vendor export: CSV files and one workbook through raw, staged, checks vs DuckDB's read_csv…", file=sys.stderr
    )
    tabular = bench_tabular.run(args.out, args.tabular_clients)
    print("delta pickup: a Cliniko change to Dataverse through the sensor and a delta run…", file=sys.stderr)
    delta = bench_delta_pickup.run(args.out)
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": __import__("os").cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "pipeline": pipeline,
        "emulator": emulator,
        "cliniko_api": cliniko_api,
        "coreplus_api": coreplus_api,
        "dynamics_load": dynamics,
        "dynamics_real_org": real_org,
        "gensolve_load": gensolve,
        "delta_pickup": delta,
        "sqlserver_read": sqlserver,
        "vendor_export": tabular,
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.results.write_text(json.dumps(results, indent=2))
    large = pipeline["large"]
    print(f"\nPipeline, {large['clients']} clients ({large['dump_bytes'] / 1e9:.1f} GB of NDJSON):")
    print(f"  DuckDB bare read {large['duckdb_bare_read']['seconds']:.1f} s")
    for name, stage in large["stages"].items():
        print(
            f"  {name:<7} {stage['seconds']:6.1f} s  {stage['rows']:>10} rows  {stage['rows_per_second']:>10.0f} rows/s"
            f"  peak {stage['peak_rss_bytes'] / 2**30:.2f} GiB"
        )
    record = large["raw_record_column"]
    print(
        f"  raw _record (whole records): {record['stored_bytes'] / 1e6:.0f} MB stored "
        f"({record['logical_bytes'] / 1e6:.0f} MB as text), {record['write_seconds']:.1f} s to write"
    )
    for name, target in pipeline["targets"].items():
        print(f"  {'PASS' if target['passed'] else 'MISS'} {name}: {target}")
    print(f"  Dagster per-run overhead {pipeline['dagster']['overhead_seconds']:.1f} s")
    print(
        f"Emulator: {emulator.get('records_per_second', 0):.0f} records/s via UpsertMultiple "
        f"({'PASS' if emulator.get('passed') else 'MISS'} ≥ {emulator.get('target')})"
    )
    full, limit = cliniko_api["full"], cliniko_api["at_cliniko_limit"]
    print(
        f"Cliniko API: {cliniko_api['records']} records in {full['seconds']:.1f} s ({full['requests']} requests, "
        f"{full['requests_per_second']:.0f}/s; {'PASS' if cliniko_api['passed'] else 'MISS'} ≥ "
        f"{cliniko_api['target_requests_per_second']}/s); at 200/min {limit['projected_clients']} clients "
        f"take ≈{limit['projected_full_hours']} h"
    )
    print(
        f"Core Plus API: {coreplus_api['records']} records of {coreplus_api['clients']} clients in "
        f"{coreplus_api['seconds']:.0f} s ({coreplus_api['records_per_second']:.0f} records/s, "
        f"{coreplus_api['requests_per_second']:.1f} requests/s, {coreplus_api['throttled_429']} 429s; "
        f"{'PASS' if coreplus_api['passed'] else 'MISS'} {coreplus_api['target']})"
    )
    one, two = dynamics["one_user"], dynamics["two_users"]
    print(
        f"Dynamics load ({dynamics['clients']} clients: contacts, appointments, notes): "
        f"{one['records_per_second']:.0f} "
        f"records/s with one application user ({one['throttled_429']} 429s, {one['failed']} failed), "
        f"{two['records_per_second']:.0f} with two; ceiling {dynamics['ceiling_records_per_second']:.0f}/s per user; "
        f"SDK bulk create {dynamics['sdk_bulk_create']['records_per_second']:.0f}/s"
    )
    for name, target in dynamics["targets"].items():
        print(f"  {'PASS' if target['passed'] else 'MISS'} {name}: {target}")
    print(f"Dynamics load, real-org profile ({real_org['clients']} clients, {real_org['runs']} runs, median):")
    for name, scenario in real_org["scenarios"].items():
        print(
            f"  {name:<19} {scenario['records_per_second']['median']:>7.0f} records/s "
            f"({scenario['records_per_second']['min']:.0f}–{scenario['records_per_second']['max']:.0f}), budget used "
            f"{scenario['budget_used']['median']:.0%}, {scenario['side_effects']['median']:.0f} side effects, "
            f"{scenario['failed']} failed"
        )
    for name, target in real_org["targets"].items():
        print(f"  {'PASS' if target['passed'] else 'MISS'} {name}: {target}")
    first, floor = gensolve["embedded"]["first_pass"], gensolve["duckdb_bare_insert"]
    print(
        f"Gensolve load ({gensolve['clients']} clients, {gensolve['embedded']['rows']} import rows): "
        f"{first['rows_per_second']:.0f} rows/s into the embedded database ({first['rows_rejected']} rejected), "
        f"second pass {gensolve['embedded']['second_pass']['rows_written']} rows written; DuckDB bare insert "
        f"{floor['rows_per_second']:.0f} rows/s (floor; {gensolve['embedded_to_floor_ratio']}× faster)"
        + ("" if gensolve["oracle"].get("measured") is False else "; Oracle measured (see results)")
    )
    paced = cliniko_api["paced_at_cliniko_limit"]
    print(
        f"  paced at 200 requests/min: {paced['requests_per_minute']} requests/min; list pages "
        f"{paced['list_records_per_minute']} records/min = {paced['list_share_of_ceiling']:.0%} of the 20 000/min "
        f"ceiling ({'PASS' if paced['passed'] else 'MISS'} ≥ 90%); with one-file attachment downloads "
        f"{paced['records_per_minute']}/min; {paced['throttled_429']} 429s"
    )
    print(
        f"Delta pickup: change → visible in Dataverse in {delta['change_to_target_seconds']} s (sensor "
        f"{delta['sensor_evaluation_seconds']} s + run {delta['delta_run_seconds']} s; the "
        f"{delta['excluded_poll_interval_seconds']} s poll interval excluded)"
    )
    for name, table in sqlserver["tables"].items():
        print(
            f"SQL Server extract ({sqlserver['clients']} clients) {name}: {table['rows']} rows in "
            f"{table['family_seconds']} s ({table['family_rows_per_second']} rows/s); DuckDB bare read "
            f"{table['duckdb_bare_read_seconds']} s ({table['family_to_bare_ratio']}× faster)"
        )
    print("\n".join(bench_tabular.summary_lines(tabular)))
    print(f"\nFull results: {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
