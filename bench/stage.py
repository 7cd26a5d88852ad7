"""Run one pipeline stage for a benchmark partition in this process (bench/__main__.py times it)."""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from customers import MigrationHome


def peak_rss_bytes() -> int | None:
    """This process's own peak resident memory (Linux VmHWM, which starts afresh at exec). The
    rusage a parent gets from wait4 also counts the parent's resident memory when it spawned the
    child, so a bench that has just read a large dump saw every stage at least that large."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stage", choices=["bare", "raw", "staged", "checks", "dagster"])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--customer", required=True)
    args = parser.parse_args()
    home = MigrationHome(args.home)
    config = home.load(args.customer)
    started = time.perf_counter()
    rows = 0
    if args.stage == "bare":
        from bench.pipeline_bench import duckdb_bare_read

        bare = duckdb_bare_read(config.dump_dir("trial"))
        print(json.dumps({"stage": "bare", **bare, "peak_rss_bytes": peak_rss_bytes()}))
        return
    if args.stage == "raw":
        from sources.raw_layer import load_raw_resource
        from sources.registry import get_system
        from store import Warehouse

        system = get_system(config.source.system)
        warehouse = Warehouse.for_customer(home.customer_dir(args.customer))
        for resource in system.resources:
            rows += load_raw_resource(warehouse, system, resource, config.dump_dir("trial"), "trial").rows
    elif args.stage == "staged":
        from checks.approval import customer_spec
        from mappings.staging import stage_partition
        from mappings.transforms.registry import MappingContext
        from store import Warehouse

        spec = customer_spec(config)
        mapping = MappingContext(
            config.customer_id,
            "trial",
            spec.system,
            config.country,
            config.time_zone,
            config.site_time_zones(),
            config.dump_dir("trial"),
        )
        summary = stage_partition(Warehouse.for_customer(home.customer_dir(args.customer)), spec, mapping)
        rows = sum(t.rows for t in summary.tables.values())
    elif args.stage == "checks":
        from checks.approval import customer_spec
        from checks.checklist import run_checklist
        from store import Warehouse

        spec = customer_spec(config)
        results = run_checklist(
            Warehouse.for_customer(home.customer_dir(args.customer)), "trial", spec.system, list(spec.entities)
        )
        rows = sum(r.outcome.checked for r in results if r.definition.name == "schema")
    else:
        import dagster as dg

        from migration_assets.definitions import defs
        from migration_assets.partitions import add_customer_partition

        with dg.instance_for_test() as instance:
            add_customer_partition(instance, args.customer)
            inner = time.perf_counter()
            result = (
                defs()
                .resolve_job_def("cliniko_stage")
                .execute_in_process(
                    partition_key=dg.MultiPartitionKey({"customer": args.customer, "run": "trial"}),
                    instance=instance,
                    raise_on_error=False,
                    run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
                )
            )
            rows = len(result.get_asset_materialization_events())
            started = inner
    seconds = time.perf_counter() - started
    print(json.dumps({"stage": args.stage, "rows": rows, "seconds": seconds, "peak_rss_bytes": peak_rss_bytes()}))


if __name__ == "__main__":
    main()
