"""Gensolve as an extracted source: a customer whose source is another customer's embedded Gensolve is
snapshotted by the extraction step, then picked up as a delta — a changed client and a new appointment
as changed rows, a deleted note by its missing id — and the probe the delta sensor asks says how many
rows wait. A landed `.duckdb` database is a delivery the dump-arrival sensor runs once it holds still."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster_defs import evaluate_dump_arrival
from gensolve_hops import change_practice, register_hop_customer
from progress_lines import ManualClock, by_what, counts, recording

from customers import MigrationHome
from sources.gensolve.extraction import CHANGES_FILE, changes_waiting, delta_changes, take_snapshot
from sources.gensolve.location import GensolveExtractionError
from sources.gensolve.settings import SNAPSHOT_DATABASE
from targets.base import Partition
from targets.gensolve.target import embedded_path

CUSTOMER = "hop-extract"


@pytest.fixture
def home(first_hop: Partition, tmp_path: Path) -> MigrationHome:
    """A copy of the first hop's home (its embedded Gensolve is changed here) with the extracted customer."""
    root = tmp_path / "home"
    shutil.copytree(first_hop.home.root, root)
    register_hop_customer(root, CUSTOMER, first_hop.config.customer_id)
    return MigrationHome(root)


def test_a_full_snapshot_then_a_delta_of_exactly_the_changes(home: MigrationHome, first_hop: Partition) -> None:
    config = home.load(CUSTOMER)
    location = config.source_for("trial")
    extracts = home.extracts_dir(CUSTOMER, "trial")
    lines, recorded = recording("gensolve", ManualClock())
    full = take_snapshot(location, extracts, lines=lines)
    assert full.kind == "full" and full.snapshot.name == "0001" and full.delta is None
    # A progress line per table (issue 25 item 2): rows read of the rows it holds.
    closing = {what: table_lines[-1] for what, table_lines in by_what(recorded).items()}
    assert {what: counts(line) for what, line in closing.items()} == {
        f"extract gensolve/{table}": (rows, rows) for table, rows in full.rows.items()
    }
    assert (full.snapshot / SNAPSHOT_DATABASE).is_file()
    assert home.source_dir(config, "trial") == full.snapshot
    assert full.rows["gpm_client"] == full.changed["gpm_client"] > 0
    assert full.high_water_mark.startswith("sha256:")
    # Nothing changed yet: the probe says so without a new snapshot.
    assert changes_waiting(location, full.high_water_mark, extracts) == 0

    source = embedded_path(Partition(home, home.load(first_hop.config.customer_id), "trial"))
    touched = change_practice(source)
    assert changes_waiting(location, full.high_water_mark, extracts) == 3

    delta = take_snapshot(location, extracts)
    assert delta.kind == "delta" and delta.snapshot.name == "0002" and delta.since == full.high_water_mark
    assert delta.changed == {"gpm_client": 1, "gpm_appointment": 1}
    assert delta.tombstones == {"gpm_clinical_note": 1}
    assert delta.rows["gpm_appointment"] == full.rows["gpm_appointment"] + 1
    assert delta.rows["gpm_clinical_note"] == full.rows["gpm_clinical_note"] - 1
    assert delta.delta is not None and (delta.delta / CHANGES_FILE).is_file()
    changed, deleted = delta_changes(delta.delta)
    assert changed == {("gpm_client", touched["client"]), ("gpm_appointment", touched["appointment"])}
    assert deleted == {("gpm_clinical_note", touched["clinical_note"])}
    assert home.source_dir(config, "trial") == delta.snapshot
    assert changes_waiting(location, delta.high_water_mark, extracts) == 0
    # No new change: the next extraction is an empty delta with the same mark.
    quiet = take_snapshot(location, extracts)
    assert quiet.change_count == 0 and quiet.high_water_mark == delta.high_water_mark


def test_a_hop_names_another_customer_with_an_embedded_database(home: MigrationHome, first_hop: Partition) -> None:
    location = home.load(CUSTOMER).source_for("trial")
    with pytest.raises(GensolveExtractionError, match="no embedded Gensolve database for its live run"):
        take_snapshot(location, home.extracts_dir(CUSTOMER, "live"))
    mine = type(location)(from_customer=CUSTOMER)
    with pytest.raises(GensolveExtractionError, match="expected another customer"):
        take_snapshot(mine, home.extracts_dir(CUSTOMER, "trial"))


def test_a_landed_gensolve_database_runs_once_it_holds_still(first_hop: Partition, tmp_path: Path) -> None:
    home = tmp_path / "home"
    customer = home / "landing" / "landed-gensolve"
    (customer / "trial").mkdir(parents=True)
    config = {
        "customer_id": "landed-gensolve",
        "name": "Landed Physio",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": {"system": "gensolve", "trial": {"dump": "placeholder"}},
        "fallback_owner_email": "owner@example.org",
    }
    (customer / "customer.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    delivered = customer / "trial" / "gensolve-trial.duckdb"
    delivered.write_bytes(b"still copying")
    with dg.instance_for_test() as instance:
        copying = evaluate_dump_arrival(instance, home)
        assert not copying.run_requests
        assert "gensolve-trial.duckdb: not a readable DuckDB database yet" in copying.skip_reason.skip_message
        shutil.copyfile(embedded_path(first_hop), delivered)
        first = evaluate_dump_arrival(instance, home, copying.cursor)
        assert not first.run_requests and "runs when the next look finds them unchanged" in str(first.skip_reason)
        settled = evaluate_dump_arrival(instance, home, first.cursor)
        assert [r.job_name for r in settled.run_requests] == ["gensolve_stage"]
        registered = MigrationHome(home).load("landed-gensolve")
        assert registered.dump_dir("trial") == delivered.resolve()
        assert not evaluate_dump_arrival(instance, home, settled.cursor).run_requests
