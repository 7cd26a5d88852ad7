"""The trial sample on the Gensolve import schema: the stratified clients (targets/sample.py) and everything
that hangs off them, read from the catalogue's key columns — no orphan, nothing of anyone else, all of theirs."""

from __future__ import annotations

import polars as pl
import pytest
from pipeline_helpers import register_customer, run_pipeline

from customers import MigrationHome
from store import TableRef, read_partition
from synthetic import generate_practice
from targets.base import Partition
from targets.gensolve.catalogue import load_catalogue
from targets.registry import get_target

SIZE = 100


@pytest.fixture(scope="module")
def part(tmp_path_factory: pytest.TempPathFactory) -> Partition:
    root = tmp_path_factory.mktemp("gensolve-sample")
    practice = generate_practice(root / "dump", country="NZ", clients=160, defect_rate=0.0, seed=23)
    config = register_customer(root / "home", "gensolve-sample", practice.out_dir)
    run_pipeline(root / "home", config, "trial")
    home = MigrationHome(root / "home")
    return Partition(home, home.load("gensolve-sample"), "trial")


def _mapped(part: Partition) -> dict[str, pl.DataFrame]:
    with part.warehouse.connect(read_only=True) as con:
        return {name: read_partition(con, TableRef("gensolve", name), "trial") for name in load_catalogue().tables}


def test_the_sample_keeps_its_clients_and_everything_hanging_off_them(part: Partition) -> None:
    target = get_target("gensolve")
    target.prepare(part)
    full = _mapped(part)
    prepared = target.prepare(part, sample_clients=SIZE)
    sampled = _mapped(part)
    clients = set(sampled["gpm_client"]["canonical_id"])
    assert len(clients) == SIZE < full["gpm_client"].height
    assert prepared.rows == {name: frame.height for name, frame in sampled.items()}

    catalogue = load_catalogue()
    for table in catalogue.tables.values():
        keys = set(sampled[table.name]["canonical_id"])
        # No orphan: every key column points at a row that is still there.
        for column in table.refs:
            assert set(sampled[table.name][column.name].drop_nulls()) <= set(
                sampled[str(column.ref)]["canonical_id"]
            ), (
                table.name,
                column.name,
            )
        # All of theirs: a row of a sampled client in the full mapping is kept.
        if "client_key" in full[table.name].columns:
            theirs = set(full[table.name].filter(pl.col("client_key").is_in(list(clients)))["canonical_id"])
            assert keys == theirs, table.name
    # Lines follow their invoices; tables that hang off no client stay whole.
    invoices = set(sampled["gpm_invoice"]["canonical_id"])
    assert set(sampled["gpm_invoice_line"]["canonical_id"]) == set(
        full["gpm_invoice_line"].filter(pl.col("invoice_key").is_in(list(invoices)))["canonical_id"]
    )
    assert full["gpm_invoice_line"].height > sampled["gpm_invoice_line"].height > 0
    for whole in ("gpm_vendor", "gpm_site", "gpm_practitioner", "gpm_custom_field"):
        assert sampled[whole].height == full[whole].height, whole
    named = set(sampled["gpm_client"]["referrer_key"].drop_nulls()) | set(
        sampled["gpm_condition"]["referrer_key"].drop_nulls()
    )
    assert set(sampled["gpm_referrer"]["canonical_id"]) == named
