"""SQL Server extract family: reading a practice's bcp extract into the raw layer (sources/sqlserver/) next to
DuckDB's bare read of the same files. `python -m bench.bench_sqlserver_read [--clients N]`; `make bench` runs it
on the 100 000-client practice."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

from sources.profile import SYSTEM
from sources.raw_layer import load_raw_resource
from store import Warehouse
from synthetic.profile import write_profile_extract

TABLES = ("patient", "appointment")


def run(out: Path, clients: int) -> dict:
    """Write (once) a Profile bcp extract of `clients` clients, then time the family reader and DuckDB's bare
    `read_csv` of each table file. Counts and seconds only."""
    extract = out / f"profile-{clients}"
    if not (extract / "ground_truth.json").is_file():
        write_profile_extract(extract, clients=clients, seed=1, defects=False)
    warehouse = Warehouse(out / f"profile-{clients}.duckdb")
    tables = {}
    for resource in TABLES:
        path = extract / f"{resource.upper()}.dat"
        started = time.perf_counter()
        summary = load_raw_resource(warehouse, SYSTEM, resource, extract, "trial")
        family = time.perf_counter() - started
        started = time.perf_counter()
        with duckdb.connect() as con:
            (bare_rows,) = con.execute(
                "select count(*) from read_csv(?, delim='\t', header=false, all_varchar=true)", [str(path)]
            ).fetchone()
        bare = time.perf_counter() - started
        tables[resource] = {
            "rows": summary.rows,
            "bytes": path.stat().st_size,
            "family_seconds": round(family, 2),
            "family_rows_per_second": round(summary.rows / family),
            "duckdb_bare_read_seconds": round(bare, 3),
            "duckdb_bare_rows": bare_rows,
            "family_to_bare_ratio": round(family / bare, 1) if bare else None,
        }
    return {"clients": clients, "tables": tables}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_sqlserver_read")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(args.out.resolve(), args.clients), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
