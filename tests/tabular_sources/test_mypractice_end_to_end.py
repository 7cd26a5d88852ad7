"""MyPractice, NZ (assumed layout, SYNTHETIC export): the CSV export with defects runs through
`mypractice_stage` as a real Dagster run with precision and recall 1.0 and exact reconciliation; an
appointment's day and times, delivered in three columns, become the right instants (the transform itself:
tests/mapping/test_transforms.py); names with macrons arrive intact in UTF-8."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from staged_entity_helpers import staged_table
from test_template_end_to_end import EXPECTED
from vendor_export_helpers import (
    assert_blocked_only_by_checks_and_reconciled,
    assert_every_defect_caught,
    staged_export,
)

from sources.mypractice import SYSTEM
from sources.raw_layer import load_raw_resource
from store import Warehouse
from synthetic.mypractice import write_mypractice_export


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with staged_export("mypractice", write_mypractice_export, tmp_path_factory, country="NZ", clients=32) as run:
        yield run


def test_every_defect_caught_and_nothing_clean_flagged(staged: dict) -> None:
    # Read issues name the export's column: the surname and the DOB column.
    expected = {
        **EXPECTED,
        "mojibake_text": ("issue", "surname", "mojibake_repaired"),
        "placeholder_date": ("issue", "dob", "placeholder_date"),
    }
    assert_every_defect_caught(staged, expected)


def test_the_run_blocks_only_on_failed_checks_and_every_row_reconciles(staged: dict) -> None:
    assert_blocked_only_by_checks_and_reconciled(staged)


def test_day_and_times_from_three_columns_become_the_local_instants(staged: dict) -> None:
    appointments = staged_table("mypractice-nz", "appointment")
    first = appointments.filter(pl.col("source_id") == "A1-1").row(0, named=True)
    # Client 1's first visit: 3 March 2026 10:00–10:45 in Auckland (NZDT, UTC+13).
    assert first["starts_local"] == dt.datetime(2026, 3, 3, 10, 0)
    assert first["starts_at"].replace(tzinfo=None) == dt.datetime(2026, 3, 2, 21, 0)
    assert first["ends_at"] - first["starts_at"] == dt.timedelta(minutes=45)
    providers = staged_table("mypractice-nz", "practitioner")
    assert first["practitioner_id"] in providers["canonical_id"].to_list()  # referenced by provider code


def test_macrons_arrive_intact_and_a_cp1252_redelivery_is_detected(tmp_path: Path) -> None:
    practice = write_mypractice_export(tmp_path / "export", clients=4, seed=1, defects=False)
    warehouse = Warehouse(tmp_path / "w.duckdb")
    load_raw_resource(warehouse, SYSTEM, "locations", practice.out_dir, "trial")
    path = practice.out_dir / "patients.csv"
    text = path.read_text(encoding="utf-8").replace("Auckland", "Mangere Brid\u00e9", 1)
    path.write_bytes(text.encode("cp1252"))  # an older MyPractice writing the Windows code page
    load_raw_resource(warehouse, SYSTEM, "patients", practice.out_dir, "trial")
    with warehouse.connect() as con:
        names = con.execute("select location_name, _source_encoding from raw_mypractice.locations").fetchall()
        cities = con.execute("select distinct city, _source_encoding from raw_mypractice.patients").fetchall()
    assert ("Harbour Clinic Tāmaki", "utf-8") in names
    assert {city for city, _e in cities} == {"Auckland", "Mangere Bridé"} and {e for _c, e in cities} == {"cp1252"}
