"""One mapping for NZ, AU and UK practices; ACC conditions keep their ACC45 number."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from pipeline_helpers import register_customer, run_pipeline

from customers import MigrationHome
from synthetic import generate_practice
from targets.base import Partition
from targets.gensolve.target import TARGET, embedded_path


@pytest.mark.parametrize("country", ["AU", "UK"])
def test_au_and_uk_practices_load_without_a_rejected_row(tmp_path: Path, country: str) -> None:
    generate_practice(tmp_path / "dump", country=country, clients=30, defect_rate=0.0, seed=3)
    config = register_customer(tmp_path / "home", f"gensolve-{country.lower()}", tmp_path / "dump", country=country)
    run_pipeline(tmp_path / "home", config, "trial")
    home = MigrationHome(tmp_path / "home")
    part = Partition(home, home.load(config.customer_id), "trial")
    TARGET.prepare(part)
    TARGET.plan(part, apply=True)
    loaded = TARGET.load(part, "run-1", "tester")
    assert loaded.written > 0 and loaded.rejected == 0
    assert TARGET.verify(part).clean


def test_an_acc_condition_carries_its_acc45_number_and_the_checklist_compares_it(partition: Partition) -> None:
    with partition.warehouse.connect() as con:
        first, second = [
            r[0]
            for r in con.execute("select canonical_id from staged.condition order by canonical_id limit 2").fetchall()
        ]
        # the two published forms (research/sources.md §1.2): ZZ99999 and 11 digits
        con.execute(
            "update staged.condition set claim_type = 'acc', claim_number = 'AB12345' where canonical_id = ?", [first]
        )
        con.execute(
            "update staged.condition set claim_type = 'acc', claim_number = '12345678901' where canonical_id = ?",
            [second],
        )
    TARGET.prepare(partition)
    TARGET.plan(partition, apply=True)
    TARGET.load(partition, "run-1", "tester")
    with duckdb.connect(str(embedded_path(partition))) as con:
        rows = con.execute(
            "select mig_key, claim_type, acc45_number, claim_reference from gpm_condition where claim_type = 'ACC' "
            "order by mig_key"
        ).fetchall()
        assert rows == [(first, "ACC", "AB12345", None), (second, "ACC", "12345678901", None)]
        con.execute("update gpm_condition set acc45_number = 'AB12346' where mig_key = ?", [first])
    acc = next(i for i in TARGET.checklist(partition, datetime(2100, 1, 1, tzinfo=UTC)) if i.name == "acc_claims")
    assert acc.compared == 2 and acc.mismatches == (first,)
