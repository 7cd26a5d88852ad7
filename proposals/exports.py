"""Synthetic exports with a hand-written spec, for the benchmark and the tests: each builder writes a
delivered dump in the layout its system hands out, and names the spec that is its ground truth."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
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


def delivered_dump(folder: Path) -> Path:
    """The path a proposal reads: the folder of table files, or the folder's one workbook when the system
    delivers a workbook (Freehand, Bp VIP.net)."""
    workbooks = sorted(folder.glob("*.xlsx"))
    return workbooks[0] if len(workbooks) == 1 and not any(folder.glob("*.csv")) else folder


def vendor_export(system: str) -> Callable[[Path, int, int], Path]:
    """The builder of a vendor's assumed export (synthetic/cli.py VENDOR_EXPORTS: the writer
    `practice-migrate generate --system <system>` runs), clean (no injected defects)."""

    def build(work: Path, clients: int, seed: int) -> Path:
        from synthetic.cli import VENDOR_EXPORTS

        export = work / f"{system}-{clients}-{seed}"
        if not export.exists():
            module, writer, _countries, _title = VENDOR_EXPORTS[system]
            write = getattr(importlib.import_module(module), writer)
            write(export, clients=clients, seed=seed, defects=False)
        return delivered_dump(export)

    return build


def sqlserver_wizard_export(system: str) -> Callable[[Path, int, int], Path]:
    """A SQL Server family extract (synthetic/profile.py, synthetic/ppmp.py) as the export wizard writes it:
    one CSV file with a header per table, beside the extract's table definitions. (The bcp style, data
    files without a header, reads into the same tables through the definitions: proposals/tables.py.)"""

    def build(work: Path, clients: int, seed: int) -> Path:
        export = work / f"{system}-wizard-{clients}-{seed}"
        if not export.exists():
            module = importlib.import_module(f"synthetic.{system}")
            write = getattr(module, {"profile": "write_profile_extract", "ppmp": "write_ppmp_extract"}[system])
            write(export, clients=clients, seed=seed, defects=False, style="wizard")
        return export

    return build


def coreplus_csv_export(work: Path, clients: int, seed: int) -> Path:
    """Core Plus's CSV export (synthetic/coreplus.py): the tables its API lacks (referrers, clinical notes,
    payments); the spec's API tables are not delivered here, so they are outside the measurement."""
    from synthetic.coreplus import write_export, write_practice

    export = work / f"coreplus-{clients}-{seed}"
    if not export.exists():
        export.mkdir(parents=True)
        write_practice(export / "practice.json", defects=False, clients=clients, seed=seed)
        write_export(export / "export", defects=False, clients=clients, seed=seed)
    return export / "export"


# Every system whose synthetic export is tabular and has a hand-written spec (the tabular-sources issue's
# generator split gave the template and TM3 theirs; the vendor exports are synthetic/cli.py's).
# Not here: Cliniko and PracSuite (API extracts of JSON records, not a delivered table layout), Core Plus's
# API half (emulator records). The SQL Server family's bcp style reads into the same tables as its wizard style
# (tests/proposals/test_profile.py), so it is not measured twice.
EXPORTS: dict[str, ExportBuilder] = {
    "gensolve": ExportBuilder("gensolve", "gensolve_source", gensolve_csv_export),
    "template_csv": ExportBuilder("template", "template", template_csv_export),
    "template_xlsx": ExportBuilder("template", "template", template_xlsx_export),
    "tm3": ExportBuilder("tm3", "tm3", tm3_csv_export, country="AU"),
    "cloudappts": ExportBuilder("cloudappts", "cloudappts", vendor_export("cloudappts")),
    "comsense": ExportBuilder("comsense", "comsense", vendor_export("comsense"), country="AU"),
    "freehand": ExportBuilder("freehand", "freehand", vendor_export("freehand"), country="UK"),
    "gumnut": ExportBuilder("gumnut", "gumnut", vendor_export("gumnut"), country="AU"),
    "houston": ExportBuilder("houston", "houston", vendor_export("houston"), country="AU"),
    "mypractice": ExportBuilder("mypractice", "mypractice", vendor_export("mypractice")),
    "peak": ExportBuilder("peak", "peak", vendor_export("peak")),
    "wintaps": ExportBuilder("wintaps", "wintaps", vendor_export("wintaps"), country="UK"),
    "medtech": ExportBuilder("medtech", "medtech", vendor_export("medtech")),
    "frontdesk": ExportBuilder("frontdesk", "frontdesk", vendor_export("frontdesk"), country="AU"),
    "ppmp": ExportBuilder("ppmp", "ppmp", sqlserver_wizard_export("ppmp"), country="AU"),
    "profile": ExportBuilder("profile", "profile", sqlserver_wizard_export("profile")),
    "coreplus_csv": ExportBuilder("coreplus", "coreplus", coreplus_csv_export, country="AU"),
}


def delivered_date_format(system: str, tables: dict[str, pl.DataFrame], truth: dict[str, Any]) -> str:
    """The format the export's date columns reach a proposal in: of the system's declared date formats and
    ISO (a workbook's date cells arrive as ISO text; its text cells as typed), the one that reads the most
    values of the columns the hand-written spec reads as dates."""
    from proposals.benchmark import date_columns, truth_from_spec
    from sources.raw_contract import ReadOptions
    from sources.registry import get_system

    options = get_system(system).read_options or ReadOptions()
    # A date column may be written as date-times at midnight (a SQL Server `datetime` of a date of birth).
    declared = (*options.date_formats, *options.datetime_formats)
    columns = [
        tables[table][column]
        for table, column in date_columns(truth_from_spec(truth))
        if table in tables and column in tables[table].columns
    ]

    def read(fmt: str) -> int:
        return sum(int(c.str.strptime(pl.Date, fmt, strict=False).is_not_null().sum()) for c in columns)

    return max((*declared, "%Y-%m-%d"), key=read)


def measure_export(builder: ExportBuilder, work: Path, clients: int, seed: int) -> dict[str, Any]:
    """The benchmark on one export (proposals/benchmark.run_system): built, read as the raw layer reads it
    (encoding, delimiter and header detected; tables and columns named as the system's raw layer names
    them), every variant proposed and scored against the hand-written spec."""
    from mappings.spec import SPEC_DIR
    from proposals.benchmark import run_system
    from proposals.tables import read_tables
    from proposals.workflow import system_resources, system_table_of

    dump = builder.build(work, clients, seed)
    tables = read_tables(dump, resources=system_resources(builder.system), table_of=system_table_of(builder.system))
    truth = yaml.safe_load((SPEC_DIR / f"{builder.spec_name}.yaml").read_text(encoding="utf-8"))
    dates = delivered_date_format(builder.system, tables, truth)
    return run_system(tables, truth, builder.system, seed, builder.country, dates)
