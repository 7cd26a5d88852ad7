"""The trial sample: N clients covering every appointment type, status, practitioner, referrer kind and
custom field in use, with everything that hangs off them and nothing that hangs off anyone else."""

from __future__ import annotations

import polars as pl
import pytest
from pipeline_helpers import register_customer, run_pipeline

from customers import MigrationHome
from store import TableRef, Warehouse, read_partition
from synthetic import generate_practice
from targets.dynamics import flow
from targets.sample import stratified_sample

SIZE = 120


@pytest.fixture(scope="module")
def part(tmp_path_factory: pytest.TempPathFactory) -> flow.Partition:
    root = tmp_path_factory.mktemp("sample")
    practice = generate_practice(root / "dump", country="AU", clients=500, defect_rate=0.0, seed=17)
    config = register_customer(root / "home", "sample-au", practice.out_dir, country="AU")
    run_pipeline(root / "home", config)
    return flow.Partition(MigrationHome(root / "home"), config, "trial")


def _tables(part: flow.Partition, *names: str, schema: str = "dynamics") -> dict[str, pl.DataFrame]:
    with part.warehouse.connect(read_only=True) as con:
        return {name: read_partition(con, TableRef(schema, name), "trial") for name in names}


def test_the_sample_covers_every_stratum_and_keeps_only_what_hangs_off_it(part: flow.Partition) -> None:
    staged = _tables(part, "client", "appointment", "referrer", "custom_field_value", schema="staged")
    _summary, kept = flow.prepare(part, SIZE)
    assert kept is not None
    mapped = _tables(part, "contact", "appointment", "task", "email", "annotation", "invoice", "invoicedetail")
    clients = set(mapped["contact"].filter(pl.col("canonical_id").str.contains(":client:"))["canonical_id"])
    assert len(clients) == SIZE
    assert kept["contact"] == mapped["contact"].height

    # Coverage: every value in use is reached through some sampled client.
    appointments = staged["appointment"].filter(pl.col("client_id").is_in(list(clients)))
    for column in ("appointment_type", "status", "practitioner_id"):
        assert set(appointments[column].drop_nulls()) == set(staged["appointment"][column].drop_nulls()), column
    kinds = staged["client"].join(staged["referrer"], left_on="referrer_id", right_on="canonical_id", how="left")
    sampled_kinds = kinds.filter(pl.col("canonical_id").is_in(list(clients)))
    assert set(sampled_kinds["referral_type"].drop_nulls()) == set(kinds["referral_type"].drop_nulls())
    values = staged["custom_field_value"].filter(pl.col("value_text").is_not_null())
    sampled_values = values.filter(pl.col("client_id").is_in(list(clients)))
    assert set(sampled_values["definition_id"]) == set(values["definition_id"])

    # Everything that hangs off the sample, and nothing else: no orphan in any mapped table.
    contacts = set(mapped["contact"]["canonical_id"])
    for table in ("appointment", "task", "email"):
        assert set(mapped[table]["regardingobjectid"].drop_nulls()) <= clients, table
    assert set(mapped["annotation"]["objectid"].drop_nulls()) <= contacts
    assert set(mapped["invoice"]["customerid"]) <= clients
    assert set(mapped["invoicedetail"]["invoiceid"]) <= set(mapped["invoice"]["canonical_id"])
    # ... and all of it: every staged appointment of a sampled client is still there.
    kept_appointments = mapped["appointment"].height + mapped["task"].height
    assert kept_appointments == appointments.height


def test_the_same_partition_gives_the_same_sample_and_the_size_is_bounded(part: flow.Partition) -> None:
    warehouse: Warehouse = part.warehouse
    with warehouse.connect(read_only=True) as con:
        first = stratified_sample(con, "trial", SIZE, "seed")
        again = stratified_sample(con, "trial", SIZE, "seed")
        other = stratified_sample(con, "trial", SIZE, "another seed")
        assert first == again and len(set(first)) == SIZE
        assert first != other
        for size in (99, 501):
            with pytest.raises(ValueError, match="between 100 and 500"):
                stratified_sample(con, "trial", size, "seed")


def test_without_a_sample_every_client_is_prepared(part: flow.Partition) -> None:
    _summary, kept = flow.prepare(part, None)
    assert kept is None
    staged = _tables(part, "client", schema="staged")["client"]
    contacts = _tables(part, "contact")["contact"]
    assert contacts.filter(pl.col("canonical_id").str.contains(":client:")).height == staged.height
