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

from proposals.benchmark import Score
from proposals.exports import EXPORTS, measure_export

# The targets of issue 19 item 4 for the offline proposer.
PRECISION_TARGET = 0.95
RECALL_TARGET = 0.90


def run(work: Path, clients: int, seed: int, only: frozenset[str] = frozenset()) -> dict[str, object]:
    systems: dict[str, object] = {}
    overall = Score()
    for name, builder in EXPORTS.items():
        if only and name not in only:
            continue
        started = time.perf_counter()
        print(f"{name}: the export ({clients} clients, seed {seed}) and every variant…", file=sys.stderr)
        result = measure_export(builder, work, clients, seed)
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
    parser.add_argument("--only", nargs="*", default=[], choices=sorted(EXPORTS), help="these exports only")
    parser.add_argument("--work", type=Path, default=None, help="where exports are built (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-proposals-") as scratch:
        report = run(args.work or Path(scratch), args.clients, args.seed, frozenset(args.only))
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
