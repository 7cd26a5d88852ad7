"""Every bundled source system accounts for every column it reads into raw: the mapping reads it or the
system's spec declares it not migrated with a reason (sources/coverage.py). A typed column that is neither is a
finding (the raw `undeclared_fields` WARN and the approval report), so each system's own synthetic delivery must
yield none — and a column a mapping stops reading must show up."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest

from mappings.spec import load_spec
from sources.base import SourceSystem
from sources.cliniko import SYSTEM as CLINIKO
from sources.coverage import UNREAD, delivered_not_migrated, undeclared_fields, unread_columns
from sources.raw_layer import load_raw_resource, raw_table
from sources.registry import all_systems, get_system
from store import Warehouse
from synthetic import generate_practice
from synthetic.cli import VENDOR_EXPORTS
from synthetic.profile import write_profile_extract
from synthetic.template import write_filled_template

CLIENTS = 12


def _vendor_writer(system: str) -> Callable[[Path], object]:
    module, writer, _countries, _title = VENDOR_EXPORTS[system]
    write = getattr(importlib.import_module(module), writer)
    return lambda out: write(out, clients=CLIENTS, seed=3, defects=True)


# The bundled systems whose synthetic delivery is a folder the raw layer reads directly. Core Plus and PracSuite
# are extracted from their emulators and Gensolve from its database (their own suites load them); the static
# test below covers their specs.
DELIVERIES: dict[str, Callable[[Path], object]] = {
    "cliniko": lambda out: generate_practice(out, country="AU", clients=CLIENTS, defect_rate=0.1, seed=3),
    "template": lambda out: write_filled_template(out, clients=CLIENTS, seed=3, fmt="csv", defects=True, country="NZ"),
    "profile": lambda out: write_profile_extract(out, clients=CLIENTS, seed=3, defects=True, style="bcp"),
    **{system: _vendor_writer(system) for system in VENDOR_EXPORTS},
}


@pytest.mark.parametrize("system", sorted(s.name for s in all_systems()))
def test_every_typed_column_is_read_or_declared(system: str) -> None:
    source = get_system(system)
    read = load_spec(source.spec_name).columns_read()
    unread = {r.name: unread_columns(r, read.get(r.name, set())) for r in source.resources.values()}
    assert {r: cols for r, cols in unread.items() if cols} == {}


@pytest.mark.parametrize("system", sorted(DELIVERIES))
def test_a_synthetic_delivery_yields_no_undeclared_field(system: str, tmp_path: Path) -> None:
    source = get_system(system)
    out = tmp_path / "delivery"
    DELIVERIES[system](out)
    dump = next((p.parent for p in sorted(out.rglob("*")) if p.is_file() and _is_delivery_file(source, p)), out)
    read = load_spec(source.spec_name).columns_read()
    warehouse = Warehouse.for_customer(tmp_path / "customer")
    loaded = 0
    for resource in source.resources:
        summary = load_raw_resource(warehouse, source, resource, dump, "trial", columns_read=read.get(resource, set()))
        assert summary.undeclared_fields == {}, resource
        loaded += summary.rows > 0
    assert loaded  # the delivery was read, not an empty folder
    with warehouse.connect(read_only=True) as con:
        listed = delivered_not_migrated(con, source, "trial", read)
    assert [f for f in listed if f.reason == UNREAD] == []


def _is_delivery_file(source: SourceSystem, path: Path) -> bool:
    return path.name.endswith(source.file_suffix) if source.file_suffix else True


def test_a_column_the_mapping_stops_reading_is_a_finding(tmp_path: Path) -> None:
    """A customer's mapping that no longer reads a typed column (here `occupation`) gets it named in the raw
    WARN (records with a value) and in the report's "delivered but not migrated" with the UNREAD reason."""
    out = tmp_path / "dump"
    generate_practice(out, country="AU", clients=CLIENTS, seed=3)
    read = load_spec(CLINIKO.spec_name).columns_read()
    read["patients"] = read["patients"] - {"occupation"}
    warehouse = Warehouse.for_customer(tmp_path / "customer")
    summary = load_raw_resource(warehouse, CLINIKO, "patients", out, "trial", columns_read=read["patients"])
    with warehouse.connect(read_only=True) as con:
        occupied = con.execute(
            f"select count(occupation) from {raw_table(CLINIKO, 'patients').sql} where run_kind = 'trial'"
        ).fetchone()[0]
        listed = delivered_not_migrated(con, CLINIKO, "trial", read)
        assert undeclared_fields(con, raw_table(CLINIKO, "patients"), "trial", CLINIKO.resources["patients"]) == {}
    assert occupied > 0 and summary.undeclared_fields == {"occupation": occupied}
    assert [(f.resource, f.field, f.records_with_value) for f in listed if f.reason == UNREAD] == [
        ("patients", "occupation", occupied)
    ]
