"""Two practices in one org (issue 25): a real Dynamics org can host several practices of a group, and their
source systems number records the same way (two Cliniko accounts both have patient 1001). Every key the
migration writes — primary key, `new_sourcesystemid` alternate key, ledger — is per customer, so both load, both
read back whole, and rolling one back leaves the other's records where they were."""

from __future__ import annotations

import polars as pl
import pytest
from dynamics_load_helpers import (
    assert_verified,
    emulator_rows,
    ledger_records,
    load,
    ready,
    staged_counts,
    target_block,
)
from pipeline_helpers import register_customer, run_pipeline

from customers.endpoints import secret_env_name
from emulators.launcher import RunningEmulators
from synthetic import GenerationSummary
from targets.dynamics import flow
from targets.dynamics.tables import SOURCE_KEY, TABLES

SECOND = "secondpractice"


def _keys(running: RunningEmulators, table: str) -> list[str]:
    return [str(r[SOURCE_KEY]) for r in emulator_rows(running, table) if r.get(SOURCE_KEY)]


def test_two_practices_with_the_same_source_ids_load_into_one_org_and_both_read_back(
    ready_part: flow.Partition,
    org: RunningEmulators,
    load_practice: GenerationSummary,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = ready_part
    # The same dump again as a second customer of the same org (its own variable for the org's secret).
    second_secret = secret_env_name(SECOND, "DATAVERSE_SECRET")
    monkeypatch.setenv(second_secret, org.endpoints.client_secret)
    config = register_customer(
        first.home.root, SECOND, load_practice.out_dir, target=target_block(org.endpoints, second_secret)
    )
    outcome = run_pipeline(first.home.root, config)
    assert not outcome.blocking_failures
    second = flow.Partition(first.home, first.home.load(SECOND), "trial")
    flow.prepare(second)
    ready(second)
    with first.warehouse.connect(read_only=True) as a, second.warehouse.connect(read_only=True) as b:
        shared = set(a.sql("select canonical_id from staged.client").pl()["canonical_id"])
        assert shared == set(b.sql("select canonical_id from staged.client").pl()["canonical_id"])  # ids collide

    counts = staged_counts(first)
    assert load(first, "run-a").written > 0
    assert load(second, "run-b").written > 0
    assert_verified(first)
    assert_verified(second)
    for table in ("contact", "invoice", "appointment"):
        keys = _keys(org, table)
        assert len(keys) == len(set(keys)) == 2 * counts[table], table  # one row each, keys distinct
    # Each ledger names its own rows, never the other customer's.
    ours = set(ledger_records(first)["target_id"])
    theirs = set(ledger_records(second)["target_id"])
    assert ours and theirs and not ours & theirs

    # Rolling the first practice back removes its rows only; the second still reads back whole.
    rolled = flow.run(flow.rollback(first, "rollback-a", "pytest"))
    assert rolled.failed == 0
    assert_verified(second)
    # Its invoices still point at a price list the org holds (each practice has its own; the first's went).
    price_lists = {r["pricelevelid"] for r in emulator_rows(org, "pricelevel")}
    used = {r["pricelevelid"]["id"] for r in emulator_rows(org, "invoice") if r.get("pricelevelid")}
    assert used and used <= price_lists
    for table in ("contact", "invoice"):
        pk = TABLES[table].primary_key
        left = {r[pk] for r in emulator_rows(org, table)}
        assert left == set(ledger_records(second).filter(pl.col("target_table") == table)["target_id"]), table


@pytest.mark.parametrize("customer", ["loadpractice", SECOND])
def test_source_key_names_the_customer(customer: str) -> None:
    from targets.dynamics.payloads import source_key

    key = source_key(customer, "cliniko:client:1001")
    assert key != source_key("another", "cliniko:client:1001")
    assert key.endswith("cliniko:client:1001")
