"""Guard for performance work: the raw and staged layers and the checklist of generated practices
with defects, saved once and compared after each change (the outputs must not move by a value).

    python -m bench.staged_snapshot save    DIR   # generate (once), run raw → staged → checks, save
    python -m bench.staged_snapshot compare DIR   # run again into a fresh home, compare with the save
    python -m bench.staged_snapshot compare --ignore-order DIR   # the same rows, in any order

Every table of the raw and staged schemas is compared row for row in table order, with its column
names and types; the checklist by entity, check, outcome, counts and flagged ids.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import date
from pathlib import Path

import polars as pl
import yaml

from checks.approval import customer_spec
from checks.checklist import run_checklist
from customers import MigrationHome
from mappings.staging import stage_partition
from mappings.transforms.registry import MappingContext
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import Warehouse, quote_identifier
from synthetic import generate_practice

# Every country flavour (its phone formats, identifiers and zones), every defect kind several times.
PRACTICES = {"nz": ("NZ", 2000), "au": ("AU", 600), "uk": ("UK", 600)}
ZONES = {"NZ": "Pacific/Auckland", "AU": "Australia/Sydney", "UK": "Europe/London"}
DEFECT_RATE = 0.05
AS_OF = date(2026, 11, 1)  # fixed, so date-relative checks give the same answer on any day
RUN_KIND = "trial"


def _run(root: Path, name: str, country: str, clients: int) -> Warehouse:
    dump = root / f"dump-{name}"
    if not (dump / "ground_truth.json").exists():
        generate_practice(dump, country=country, clients=clients, defect_rate=DEFECT_RATE, seed=7)
    home = root / f"home-{name}"
    shutil.rmtree(home, ignore_errors=True)
    (home / "inbox").mkdir(parents=True)
    customer = f"snap-{name}"
    config_file = home / "inbox" / f"{customer}.yaml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "customer_id": customer,
                "name": "Snapshot practice",
                "country": country,
                "time_zone": ZONES[country],
                "source": {"system": "cliniko", "trial": {"dump": str(dump.resolve())}},
                "fallback_owner_email": "snapshot@example.org",
            }
        )
    )
    migration_home = MigrationHome(home)
    config = migration_home.register(config_file)
    warehouse = Warehouse.for_customer(migration_home.customer_dir(customer))
    system = get_system(config.source.system)
    for resource in system.resources:
        load_raw_resource(warehouse, system, resource, config.dump_dir(RUN_KIND), RUN_KIND)
    spec = customer_spec(config)
    mapping = MappingContext(
        customer,
        RUN_KIND,
        spec.system,
        country,
        ZONES[country],
        config.site_time_zones(),
        config.dump_dir(RUN_KIND),
        AS_OF,
    )
    stage_partition(warehouse, spec, mapping)
    return warehouse


def _tables(warehouse: Warehouse) -> dict[str, pl.DataFrame]:
    tables: dict[str, pl.DataFrame] = {}
    with warehouse.connect(read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = 'staged' or table_schema like 'raw_%' order by 1, 2"
        ).fetchall()
        for schema, table in names:
            sql = f"select * from {quote_identifier(schema)}.{quote_identifier(table)} order by rowid"
            tables[f"{schema}.{table}"] = con.sql(sql).pl()
        spec_entities = [t for s, t in names if s == "staged"]
    entities = [e for e in spec_entities if e not in ("rejects", "field_issues", "merges", "reconciliation")]
    results = run_checklist(warehouse, RUN_KIND, "cliniko", sorted(entities), AS_OF)
    tables["checks"] = pl.DataFrame(
        [
            {
                "key": r.key,
                "passed": r.passed,
                "checked": r.outcome.checked,
                "failed": r.outcome.failed,
                "breakdown": json.dumps(r.outcome.breakdown, sort_keys=True),
                "flagged": json.dumps(sorted(map(str, r.outcome.flagged.rows()))),
            }
            for r in results
        ]
    )
    return tables


def _differences(expected: pl.DataFrame, actual: pl.DataFrame, ignore_order: bool) -> str | None:
    if expected.schema != actual.schema:
        return f"schema differs: {dict(expected.schema)} vs {dict(actual.schema)}"
    if expected.height != actual.height:
        return f"{expected.height} rows saved, {actual.height} now"
    if ignore_order:
        expected, actual = expected.sort(pl.all(), nulls_last=True), actual.sort(pl.all(), nulls_last=True)
    for column in expected.columns:
        left, right = expected[column], actual[column]
        same = (left == right) | (left.is_null() & right.is_null())
        if not same.fill_null(False).all():
            first = int((~same.fill_null(False)).arg_true()[0])
            return f"column {column} differs from row {first} ({int((~same.fill_null(False)).sum())} rows)"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.staged_snapshot")
    parser.add_argument("action", choices=["save", "compare"])
    parser.add_argument("root", type=Path, help="where dumps, homes and the saved tables go")
    parser.add_argument(
        "--ignore-order", action="store_true", help="compare rows as sets (for a change that only reorders rows)"
    )
    args = parser.parse_args()
    saved = args.root / "saved"
    failures = 0
    for name, (country, clients) in PRACTICES.items():
        tables = _tables(_run(args.root, name, country, clients))
        folder = saved / name
        if args.action == "save":
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            for table, frame in tables.items():
                frame.write_parquet(folder / f"{table}.parquet")
            print(f"{name}: saved {len(tables)} tables")
            continue
        names = {p.stem for p in folder.glob("*.parquet")}
        if names != set(tables):
            print(f"{name}: tables differ: {sorted(names ^ set(tables))}")
            failures += 1
        for table in sorted(names & set(tables)):
            problem = _differences(pl.read_parquet(folder / f"{table}.parquet"), tables[table], args.ignore_order)
            if problem:
                print(f"{name}: {table}: {problem}")
                failures += 1
        print(f"{name}: compared {len(names & set(tables))} tables, {failures} differences so far")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
