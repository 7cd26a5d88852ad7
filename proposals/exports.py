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
    # (work folder, clients, seed) → the dump: a folder of CSV files or one XLSX workbook
    build: Callable[[Path, int, int], Path]
    country: str = "NZ"  # the practice's country, for phone and identifier evidence


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


def template_csv_export(work: Path, clients: int, seed: int) -> Path:
    """The generic template (sources/template) filled as one CSV file per table, without injected
    defects (the benchmark measures names and shapes, not defect handling)."""
    from synthetic.template import write_filled_template

    export = work / f"template-csv-{clients}-{seed}"
    if not export.exists():
        write_filled_template(export, clients=clients, seed=seed, fmt="csv", defects=False)
    return export


def template_xlsx_export(work: Path, clients: int, seed: int) -> Path:
    """The generic template filled as its workbook: one sheet per table, plus the Notes sheet the template
    ships with (not a table of the spec, so any entity proposed for it is a wrong choice)."""
    from sources.template.settings import WORKBOOK_FILE
    from synthetic.template import write_filled_template

    export = work / f"template-xlsx-{clients}-{seed}"
    if not export.exists():
        write_filled_template(export, clients=clients, seed=seed, fmt="xlsx", defects=False)
    return export / WORKBOOK_FILE


def tm3_csv_export(work: Path, clients: int, seed: int) -> Path:
    """TM3's assumed account export (synthetic/tm3.py, an AU practice): CSV files with a byte-order mark,
    PascalCase headers the raw layer names as the spec's fields, and JSON or "Surname, Firstname" cells."""
    from synthetic.tm3 import write_tm3_export

    export = work / f"tm3-{clients}-{seed}"
    if not export.exists():
        write_tm3_export(export, clients=clients, seed=seed, defects=False)
    return export


# Every system whose synthetic export is tabular and has a hand-written spec (the tabular-sources issue's
# generator split gave the template and TM3 theirs).
EXPORTS: dict[str, ExportBuilder] = {
    "gensolve": ExportBuilder("gensolve", "gensolve_source", gensolve_csv_export),
    "template_csv": ExportBuilder("template", "template", template_csv_export),
    "template_xlsx": ExportBuilder("template", "template", template_xlsx_export),
    "tm3": ExportBuilder("tm3", "tm3", tm3_csv_export, country="AU"),
}
