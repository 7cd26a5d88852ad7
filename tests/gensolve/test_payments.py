"""Payments reach the import schema (mapped and loaded) from a source that stages them (TM3, SYNTHETIC
export): every staged payment is a gpm_payment row with its invoice, client, amount and currency; a source
without payments (Cliniko) leaves the table empty (tests/gensolve/test_golden_rows.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from pipeline_helpers import register_customer, run_pipeline

from customers import MigrationHome
from store import TableRef, read_partition
from synthetic.tm3 import write_tm3_export
from targets.base import Partition
from targets.registry import get_target


def test_every_staged_payment_is_a_gpm_payment_row(tmp_path: Path) -> None:
    practice = write_tm3_export(tmp_path / "tm3", clients=30, seed=5)
    config = register_customer(tmp_path / "home", "tm3-gensolve", practice.out_dir, country="AU", system="tm3")
    run_pipeline(tmp_path / "home", config, "trial")
    home = MigrationHome(tmp_path / "home")
    part = Partition(home, home.load("tm3-gensolve"), "trial")
    target = get_target("gensolve")
    prepared = target.prepare(part)
    with part.warehouse.connect(read_only=True) as con:
        staged = read_partition(con, TableRef("staged", "payment"), "trial")
        mapped = read_partition(con, TableRef("gensolve", "gpm_payment"), "trial")
    assert staged.height > 0
    assert prepared.rows["gpm_payment"] == staged.height
    expected = staged.select(
        "canonical_id",
        pl.col("invoice_id").alias("invoice_key"),
        pl.col("client_id").alias("client_key"),
        "amount",
        "currency",
    ).sort("canonical_id")
    assert mapped.select(expected.columns).sort("canonical_id").to_dicts() == expected.to_dicts()

    # ... and they land in the embedded Gensolve database under Oracle's rules (TIMESTAMP WITH TIME ZONE, NUMBER(12,2)).
    assert target.plan(part, apply=True).ready
    loaded = target.load(part, "run-payments", "pytest").table("gpm_payment")
    assert (loaded.written, loaded.rejected) == (staged.height, 0)
