"""`make bench-proposals`: the offline proposer on every synthetic export with a hand-written spec, and on
renamed, restyled, shuffled and dd/mm / mm/dd variants of it; writes bench/proposals.json with precision
and recall per system and overall, calibration per confidence band and every wrong choice."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

from mappings.spec import SPEC_DIR
from proposals.benchmark import Score, run_system
from proposals.exports import EXPORTS
from proposals.tables import read_tables
from proposals.workflow import system_resources
from sources.raw_contract import ReadOptions
from sources.registry import get_system

# The targets of issue 19 item 4 for the offline proposer.
PRECISION_TARGET = 0.95
RECALL_TARGET = 0.90


def run(work: Path, clients: int, seed: int) -> dict[str, object]:
    systems: dict[str, object] = {}
    overall = Score()
    for name, builder in EXPORTS.items():
        started = time.perf_counter()
        print(f"{name}: building the synthetic export ({clients} clients, seed {seed})…", file=sys.stderr)
        # Read as the raw layer reads it (encoding, delimiter and header detected; columns by field name).
        tables = read_tables(builder.build(work, clients, seed), resources=system_resources(builder.system))
        truth = yaml.safe_load((SPEC_DIR / f"{builder.spec_name}.yaml").read_text(encoding="utf-8"))
        print(f"{name}: proposing for every variant…", file=sys.stderr)
        declared = get_system(builder.system).read_options or ReadOptions()
        result = run_system(tables, truth, builder.system, seed, builder.country, declared.date_formats[0])
        overall.add(result.pop("_score"))  # type: ignore[arg-type]
        systems[name] = result | {
            "ground_truth": f"mappings/{builder.spec_name}.yaml",
            "seconds": round(time.perf_counter() - started, 1),
        }
    summary = overall.as_dict()
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "clients": clients,
        "seed": seed,
        "targets": {"precision": PRECISION_TARGET, "recall": RECALL_TARGET},
        "overall": summary,
        "meets_targets": summary["precision"] >= PRECISION_TARGET and summary["recall"] >= RECALL_TARGET,
        "systems": systems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.proposals", description=__doc__)
    parser.add_argument("--clients", type=int, default=60, help="size of each synthetic practice (default 60)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("bench/proposals.json"))
    parser.add_argument("--work", type=Path, default=None, help="where exports are built (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-proposals-") as scratch:
        report = run(args.work or Path(scratch), args.clients, args.seed)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    overall = report["overall"]
    assert isinstance(overall, dict)
    wrong = sum(len(system["wrong"]) for system in report["systems"].values())  # type: ignore[attr-defined, index]
    print(
        f"proposals: precision {overall['precision']:.3f} (target {PRECISION_TARGET}), "
        f"recall {overall['recall']:.3f} (target {RECALL_TARGET}), {wrong} wrong choice(s) → {args.out}"
    )
    return 0 if report["meets_targets"] else 1


if __name__ == "__main__":
    sys.exit(main())
