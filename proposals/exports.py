"""Synthetic exports with a hand-written spec, for the benchmark and the tests: each builder writes a
delivered dump in the layout its system hands out, and names the spec that is its ground truth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class ExportBuilder:
    system: str  # the registered source system
    spec_name: str  # mappings/<spec_name>.yaml: the hand-written ground truth
    build: Callable[[Path, int, int], Path]  # (work folder, clients, seed) → the dump folder of CSV files


def gensolve_csv_export(work: Path, clients: int, seed: int) -> Path:
    """Gensolve hands a practice out as one CSV file per import-schema table (sources/gensolve): a
    synthetic Cliniko practice is staged and loaded into the embedded Gensolve, then exported."""
    from checks.approval import stage_and_check
    from customers import MigrationHome
    from sources.gensolve.reader import export_csv
    from sources.raw_layer import load_raw_resource
    from sources.registry import get_system
    from store import Warehouse
    from synthetic import generate_practice
    from targets.base import Partition
    from targets.gensolve.target import TARGET, embedded_path

    export = work / f"gensolve-export-{clients}-{seed}"
    if export.exists():
        return export
    dump = work / f"cliniko-{clients}-{seed}"
    if not dump.exists():
        generate_practice(dump, country="NZ", clients=clients, defect_rate=0.0, seed=seed)
    home_dir = work / f"home-{clients}-{seed}"
    inbox = home_dir / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    customer = "proposal-source"
    config_file = inbox / f"{customer}.yaml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "customer_id": customer,
                "name": "Proposal benchmark practice",
                "country": "NZ",
                "time_zone": "Pacific/Auckland",
                "source": {"system": "cliniko", "trial": {"dump": str(dump)}, "live": {"dump": str(dump)}},
                "fallback_owner_email": "owner@example.org",
            },
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    home = MigrationHome(home_dir)
    config = home.register(config_file)
    warehouse = Warehouse.for_customer(home.customer_dir(customer))
    system = get_system("cliniko")
    for resource in system.resources:
        load_raw_resource(warehouse, system, resource, config.dump_dir("trial"), "trial")
    stage_and_check(home, config, "trial")
    part = Partition(home, config, "trial")
    TARGET.prepare(part)
    TARGET.plan(part, apply=True)
    TARGET.load(part, "proposal-bench", "benchmark")
    export_csv(embedded_path(part), export)
    return export


# Every system whose synthetic export is tabular and has a hand-written spec. Add a builder here as
# each system's synthetic writer and spec arrive (the tabular-sources issue's generator split).
EXPORTS: dict[str, ExportBuilder] = {
    "gensolve": ExportBuilder("gensolve", "gensolve_source", gensolve_csv_export),
}
