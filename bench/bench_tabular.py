"""Benchmark: a large practice delivered as a vendor export — CSV files, and the same practice as one XLSX
workbook — through raw → staged → checks, next to the floor (issue 18).

The practice is the generic template's (synthetic/template.py `write_filled_template`: the neutral small
practice every vendor profile lays out, with its twelve defects), written once per format and reused by a
later run with the same size; its writing is measured in a fresh process too (time and peak memory: the XLSX
writer streams rows in constant-memory mode). Each stage runs in a fresh process (bench/stage.py, as the
NDJSON pipeline bench does) and reports its own peak resident memory. The floor is DuckDB's bare `read_csv` of
the same CSV files (auto-detected, no typing by the spec, no provenance, no validation), also in a fresh
process; for the workbook, fastexcel's bare read of every sheet into Arrow is reported beside it (the reader
the raw layer uses, without typing or provenance), and the workbook's stages are compared with the CSV floor
too — the same rows delivered another way.

    python -m bench.bench_tabular --clients 2000     # standalone; `make bench` runs it at 100 000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from bench.pipeline_bench import STAGES, run_stage
from bench.stage import peak_rss_bytes
from customers import MigrationHome

CLIENTS = 100_000  # issue 18: the 100 000-client practice
FORMATS = ("csv", "xlsx")
SYSTEM = "template"


def ensure_export(out: Path, clients: int, fmt: str, seed: int = 1) -> Path:
    """Write the practice in `fmt` once; a later run with the same size, format and seed reuses it."""
    from synthetic.template import write_filled_template

    truth = out / "ground_truth.json"
    stamp = out / "bench.json"
    wanted = {"clients": clients, "format": fmt, "seed": seed}
    if truth.exists() and stamp.exists() and json.loads(stamp.read_text(encoding="utf-8")) == wanted:
        return out
    started = time.perf_counter()
    write_filled_template(out, clients=clients, seed=seed, fmt=fmt, defects=True, country="NZ")
    stamp.write_text(json.dumps(wanted), encoding="utf-8")
    print(f"  wrote {clients} clients as {fmt} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return out


def measured_export(out: Path, clients: int, fmt: str) -> dict[str, Any]:
    """Write the practice in `fmt` in a fresh process and report that writer's time and peak memory (the
    synthetic writer holds the neutral practice; the XLSX writer streams its rows, constant memory); a later
    run that reuses the export reports the measure taken when it was written."""
    measure_file = out / "bench-write.json"
    stamp = out / "bench.json"
    if measure_file.exists() and stamp.exists() and json.loads(stamp.read_text(encoding="utf-8"))["clients"] == clients:
        return json.loads(measure_file.read_text(encoding="utf-8"))
    command = [sys.executable, "-m", "bench.bench_tabular", "write", "--export", str(out), "--format", fmt]
    output = subprocess.run([*command, "--clients", str(clients)], check=True, capture_output=True, text=True).stdout
    measured = json.loads(output.strip().splitlines()[-1])
    measure_file.write_text(json.dumps(measured), encoding="utf-8")
    return measured


def register(home: Path, customer: str, export: Path) -> None:
    """A benchmark customer of the generic template reading `export` for its trial runs."""
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / f"{customer}.yaml"
    config = {
        "customer_id": customer,
        "name": "Benchmark practice",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": {"system": SYSTEM, "trial": {"dump": str(export.resolve())}},
        "fallback_owner_email": "bench@example.org",
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    MigrationHome(home).register(path)


def bare_read_csv(export: Path) -> dict[str, Any]:
    """The floor: DuckDB reading every CSV file into an in-memory table with `read_csv`'s own detection."""
    import duckdb

    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    started = time.perf_counter()
    rows = 0
    for path in sorted(export.glob("*.csv")):
        con.execute(
            "create or replace table t as select * from read_csv(?, header = true, ignore_errors = true)", [str(path)]
        )
        rows += con.execute("select count(*) from t").fetchall()[0][0]
    return {"rows": rows, "seconds": time.perf_counter() - started}


def bare_read_xlsx(export: Path) -> dict[str, Any]:
    """Beside the floor: fastexcel (calamine) reading every sheet of the workbook into Arrow, untyped."""
    import fastexcel

    started = time.perf_counter()
    rows = 0
    for book in sorted(export.glob("*.xlsx")):
        reader = fastexcel.read_excel(str(book))
        for name in reader.sheet_names:
            rows += reader.load_sheet(name, dtype_coercion="coerce").to_arrow().num_rows
    return {"rows": rows, "seconds": time.perf_counter() - started}


def run_bare(export: Path, fmt: str) -> dict[str, Any]:
    """A bare read in a fresh process (a second read in the same process would reuse faulted-in memory)."""
    command = [sys.executable, "-m", "bench.bench_tabular", "bare", "--export", str(export), "--format", fmt]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure(out: Path, clients: int, fmt: str) -> dict[str, Any]:
    """The bare read(s) and raw → staged → checks for one format of the practice."""
    written = measured_export(out / f"template-{fmt}-{clients}", clients, fmt)
    export = ensure_export(out / f"template-{fmt}-{clients}", clients, fmt)
    home = out / f"home-template-{fmt}-{clients}"
    customer = f"bench-template-{fmt}-{clients}"
    register(home, customer, export)
    floor = run_bare(ensure_export(out / f"template-csv-{clients}", clients, "csv"), "csv")
    beside = run_bare(export, "xlsx") if fmt == "xlsx" else None
    stages = {stage: run_stage(stage, home, customer) for stage in STAGES}
    pipeline_seconds = sum(s["seconds"] for s in stages.values())
    delivered = [p for p in export.iterdir() if p.suffix in (".csv", ".xlsx")]
    return {
        "format": fmt,
        "export_bytes": sum(p.stat().st_size for p in delivered),
        "export_write": written,
        "duckdb_bare_read_csv": floor,
        **({"fastexcel_bare_read": beside} if beside else {}),
        "stages": stages,
        "pipeline_seconds": round(pipeline_seconds, 2),
        "ratio_to_bare_read_csv": round(pipeline_seconds / floor["seconds"], 1) if floor["seconds"] else None,
        "peak_rss_bytes": max(s["peak_rss_bytes"] for s in stages.values()),
    }


def run(out: Path, clients: int = CLIENTS) -> dict[str, Any]:
    return {"clients": clients, "system": SYSTEM, **{fmt: measure(out, clients, fmt) for fmt in FORMATS}}


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The bench's lines for `make bench`'s printed summary."""
    lines = [f"Vendor export ({result['clients']} clients, the generic template's practice):"]
    for fmt in FORMATS:
        part = result[fmt]
        floor = part["duckdb_bare_read_csv"]
        stages = "  ".join(f"{name} {stage['seconds']:.1f} s" for name, stage in part["stages"].items())
        lines.append(
            f"  {fmt:<4} {part['export_bytes'] / 1e6:7.1f} MB  {stages}  = {part['pipeline_seconds']:.1f} s, "
            f"{part['ratio_to_bare_read_csv']}× DuckDB's bare read_csv ({floor['seconds']:.1f} s); "
            f"peak {part['peak_rss_bytes'] / 2**30:.2f} GiB"
        )
        written = part["export_write"]
        lines.append(
            f"       synthetic writer {written['seconds']:.1f} s, peak {written['peak_rss_bytes'] / 2**30:.2f} GiB"
        )
        if "fastexcel_bare_read" in part:
            lines.append(f"       fastexcel bare read of the workbook {part['fastexcel_bare_read']['seconds']:.1f} s")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_tabular")
    sub = parser.add_subparsers(dest="command")
    bare = sub.add_parser("bare", help="one bare read, in this process (run_bare starts it)")
    bare.add_argument("--export", type=Path, required=True)
    bare.add_argument("--format", choices=FORMATS, required=True)
    write = sub.add_parser("write", help="write one export, in this process (measured_export starts it)")
    write.add_argument("--export", type=Path, required=True)
    write.add_argument("--format", choices=FORMATS, required=True)
    write.add_argument("--clients", type=int, required=True)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--results", type=Path, default=Path("bench/tabular-results.json"))
    args = parser.parse_args()
    if args.command == "write":
        started = time.perf_counter()
        ensure_export(args.export, args.clients, args.format)
        print(json.dumps({"seconds": round(time.perf_counter() - started, 2), "peak_rss_bytes": peak_rss_bytes()}))
        return 0
    if args.command == "bare":
        read = bare_read_csv if args.format == "csv" else bare_read_xlsx
        print(json.dumps({**read(args.export), "peak_rss_bytes": peak_rss_bytes()}))
        return 0
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    result = run(args.out, args.clients)
    args.results.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print("\n".join(summary_lines(result)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
