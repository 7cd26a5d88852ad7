"""Benchmark: loading a practice into the embedded Gensolve import database (issue 17), next to the floor.

A generated practice is read into raw, staged and mapped onto the import tables once (those steps are the
pipeline benchmark's); then the Gensolve loader writes it into the embedded database (Oracle's rules applied
to every row, MERGE on the source key, the ledger written), and a second pass over the unchanged rows writes
nothing. The floor is DuckDB's bare insert of the same mapped rows into a fresh database file: no rules, no
ledger, no hashes. With `ORACLE_TEST_DSN`, `ORACLE_TEST_USER` and `ORACLE_TEST_PASSWORD` set, the same rows
go into that Oracle database too (tests/gensolve/test_oracle_real.py documents Oracle Database Free).

    python -m bench.bench_gensolve_load --clients 2000      # standalone; `make bench` runs it too
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.pipeline_bench import ensure_dump, register, run_stage
from customers import MigrationHome
from customers.endpoints import secret_env_name
from targets.base import Partition
from targets.gensolve.target import TARGET, embedded_path

CLIENTS = 100_000  # issue 17: the 100 000-client practice
CUSTOMER = "bench-gensolve"
ORACLE_ENV = ("ORACLE_TEST_DSN", "ORACLE_TEST_USER", "ORACLE_TEST_PASSWORD")


EMBEDDED = {"environment": "sandbox", "database": "embedded"}


def _oracle_target() -> dict[str, Any]:
    """The Oracle test database as a trial target; its user and password stay in the environment."""
    user_env, password_env = secret_env_name(CUSTOMER, "ORACLE_USER"), secret_env_name(CUSTOMER, "ORACLE_PASSWORD")
    os.environ[user_env], os.environ[password_env] = os.environ["ORACLE_TEST_USER"], os.environ["ORACLE_TEST_PASSWORD"]
    return {
        "environment": "sandbox",
        "database": "oracle",
        "dsn": os.environ["ORACLE_TEST_DSN"],
        "user_env": user_env,
        "password_env": password_env,
    }


def _staged_partition(home: Path, dump: Path, trial_target: dict[str, Any]) -> Partition:
    """A fresh home with the practice read into raw and staged (the pipeline benchmark measures those)."""
    shutil.rmtree(home, ignore_errors=True)
    target = {
        "system": "gensolve",
        "trial": trial_target,
        "live": {"environment": "production", "database": "embedded"},
    }
    register(home, CUSTOMER, dump, target)
    for stage in ("raw", "staged"):
        run_stage(stage, home, CUSTOMER)
    migration_home = MigrationHome(home)
    return Partition(migration_home, migration_home.load(CUSTOMER), "trial")


def _timed_load(part: Partition, run_id: str) -> dict[str, Any]:
    started = time.perf_counter()
    result = TARGET.load(part, run_id, "bench")
    seconds = time.perf_counter() - started
    written = sum(t.written for t in result.tables)
    return {
        "seconds": round(seconds, 2),
        "rows_considered": sum(t.considered for t in result.tables),
        "rows_written": written,
        "rows_rejected": sum(t.rejected for t in result.tables),
        "rows_per_second": round(sum(t.considered for t in result.tables) / seconds, 1) if seconds else None,
    }


def bare_insert(part: Partition, out: Path) -> dict[str, Any]:
    """The floor: the mapped import rows copied by DuckDB into a fresh database file, one CREATE TABLE AS per
    table (no Oracle rules, no MERGE, no ledger, no hashes)."""
    target = out / "bare-insert.duckdb"
    target.unlink(missing_ok=True)
    warehouse = part.warehouse.path
    con = duckdb.connect(str(target))
    con.execute("set enable_progress_bar = false")
    con.execute(f"attach '{warehouse}' as warehouse (read_only)")
    started = time.perf_counter()
    rows = 0
    present = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'warehouse' and table_schema = ?",
            [TARGET.schema],
        ).fetchall()
    }
    for table in [t for t in TARGET.tables() if t in present]:  # a table nothing maps to was never written
        con.execute(
            f'create table "{table}" as select * from warehouse.{TARGET.schema}."{table}" where run_kind = ?',
            [part.run_kind],
        )
        rows += con.execute(f'select count(*) from "{table}"').fetchall()[0][0]
    seconds = time.perf_counter() - started
    con.close()
    target.unlink(missing_ok=True)
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds, 1) if seconds else None,
    }


def _load_into(part: Partition, label: str) -> dict[str, Any]:
    """Prepare (map onto the import tables), apply the schema plan, load, and load again (nothing changed)."""
    started = time.perf_counter()
    prepared = TARGET.prepare(part)
    prepare_seconds = time.perf_counter() - started
    TARGET.plan(part, apply=True)
    return {
        "rows": sum(prepared.rows.values()),
        "prepare_seconds": round(prepare_seconds, 2),
        "first_pass": _timed_load(part, f"bench-{label}-1"),
        "second_pass": _timed_load(part, f"bench-{label}-2"),
    }


def run(out: Path, clients: int = CLIENTS) -> dict[str, Any]:
    dump = ensure_dump(out / f"dump-{clients}", clients)
    part = _staged_partition(out / f"home-gensolve-{clients}", dump, EMBEDDED)
    embedded = _load_into(part, "embedded")
    floor = bare_insert(part, out)
    result: dict[str, Any] = {
        "clients": clients,
        "embedded": {**embedded, "database_bytes": embedded_path(part).stat().st_size},
        "duckdb_bare_insert": floor,
        "embedded_to_floor_ratio": (
            round(embedded["first_pass"]["seconds"] / floor["seconds"], 1) if floor["seconds"] else None
        ),
    }
    if all(os.environ.get(name) for name in ORACLE_ENV):
        oracle_part = _staged_partition(out / f"home-gensolve-oracle-{clients}", dump, _oracle_target())
        result["oracle"] = _load_into(oracle_part, "oracle")
    else:
        result["oracle"] = {"measured": False, "reason": "set ORACLE_TEST_DSN, ORACLE_TEST_USER, ORACLE_TEST_PASSWORD"}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_gensolve_load")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--results", type=Path, default=Path("bench/gensolve-results.json"))
    args = parser.parse_args()
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    result = run(args.out, args.clients)
    args.results.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
