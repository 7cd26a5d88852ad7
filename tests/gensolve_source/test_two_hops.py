"""Two hops, one lineage: a Cliniko practice → staged → the embedded Gensolve (first hop) →
raw_gensolve → staged → the Dataverse emulator (second hop). Every Cliniko patient that reached
Gensolve reaches Dynamics carrying its Gensolve id and its Cliniko id; each hop reconciles exactly;
running both hops again writes nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dynamics_load_helpers import (
    DATAVERSE_OPTIONS,
    TIME_SCALE,
    assert_verified,
    dump_users,
    ledger_records,
    load,
    migrated_rows,
    ready,
    seed_users,
    target_block,
    writes_between,
)
from pipeline_helpers import register_customer, run_pipeline, staged_frame

from customers import MigrationHome
from customers.endpoints import secret_env_name
from emulators.launcher import RunningEmulators, start_emulators
from practice_migrate.cli import main
from targets.base import Partition
from targets.dynamics import flow
from targets.gensolve.target import TARGET

CUSTOMER = "hop-two"
SECRET_ENV = secret_env_name(CUSTOMER, "DATAVERSE_SECRET")  # the customer's own prefix (customers/endpoints.py)


@pytest.fixture(scope="module")
def org(cliniko_dump: Path) -> Iterator[RunningEmulators]:
    """An Entra + Dataverse emulator pair with the practice's users provisioned (owners match by e-mail,
    which the Gensolve hop keeps)."""
    with start_emulators(time_scale=TIME_SCALE, dataverse_options=DATAVERSE_OPTIONS) as running:
        seed_users(running.dataverse_control, dump_users(cliniko_dump))
        yield running


def _second_hop(home: Path, gensolve_database: Path, org: RunningEmulators) -> flow.Partition:
    """raw_gensolve → staged → `dynamics.*` for the trial partition of the Gensolve-sourced customer."""
    config = register_customer(
        home, CUSTOMER, gensolve_database, target=target_block(org.endpoints, SECRET_ENV), system="gensolve"
    )
    outcome = run_pipeline(home, config, "trial")
    assert not outcome.blocking_failures, [r.definition.name for r in outcome.blocking_failures]
    part = flow.Partition(MigrationHome(home), config, "trial")
    flow.prepare(part)
    return part


def migrated_ids(part: flow.Partition, table: str) -> dict[str, str]:
    """canonical id → target id of the records the ledger holds for `table`."""
    records = ledger_records(part).filter(pl.col("target_table") == table)
    return dict(records.select("canonical_id", "target_id").rows())


def _gensolve_clients(database: Path) -> dict[str, str]:
    """mig_key → mig_origin_id of every client row in the embedded Gensolve."""
    with duckdb.connect(str(database), read_only=True) as con:
        return dict(con.execute("select mig_key, mig_origin_id from gpm_client").fetchall())


def test_every_patient_reaches_dynamics_with_both_ids_and_a_second_run_writes_nothing(
    first_hop: Partition,
    gensolve_database: Path,
    org: RunningEmulators,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_ENV, org.endpoints.client_secret)
    # First hop: exact (every mapped row in the embedded Gensolve, read back equal).
    assert TARGET.verify(first_hop).clean
    cliniko_clients = set(staged_frame(first_hop.home.root, first_hop.config.customer_id, "client")["canonical_id"])
    gensolve_clients = _gensolve_clients(gensolve_database)
    assert set(gensolve_clients.values()) == cliniko_clients

    # Second hop, registered in the first hop's migration home so one trace sees both. Gensolve hands the
    # practice's database over as a delivery: a customer never reads inside another customer's folder.
    home = first_hop.home.root
    delivered = home.parent / "deliveries" / CUSTOMER / gensolve_database.name
    delivered.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(gensolve_database, delivered)
    part = _second_hop(home, delivered, org)
    ready(part)
    load(part, "hop-2")
    assert_verified(part)
    # Referrers are contacts too: only the clients are compared here.
    contacts = {k: v for k, v in migrated_rows(org, part, "contact").items() if k.startswith("gensolve:client:")}
    assert set(contacts) == {f"gensolve:client:{key}" for key in gensolve_clients}
    for key, origin in gensolve_clients.items():
        row = contacts[f"gensolve:client:{key}"]
        assert row["new_sourcesystemid"] == f"{CUSTOMER}/gensolve:client:{key}"  # the customer's own key
        assert row["new_originid"] == origin
    assert {row["new_originid"] for row in contacts.values()} == cliniko_clients

    # The trace from a Cliniko id: Cliniko record → Gensolve row → Dynamics contact, runs and operators.
    key, origin = next(iter(gensolve_clients.items()))
    assert main(["trace", "--home", str(home), CUSTOMER, "cliniko:client:no-such-id"]) == 1
    assert main(["trace", "--home", str(home), CUSTOMER, origin]) == 0
    printed = capsys.readouterr().out.splitlines()
    contact_id = migrated_ids(part, "contact")[f"gensolve:client:{key}"]
    assert printed[0].startswith(
        f"1. cliniko → customer {first_hop.config.customer_id}: client {origin} (source id {origin.split(':')[-1]};"
    )
    assert any(
        line.strip().startswith(f"create gensolve.gpm_client {origin} run hop-1 at ") and line.endswith("by tester")
        for line in printed
    )
    second = next(i for i, line in enumerate(printed) if line.startswith("2. "))
    assert printed[second].startswith(
        f"2. gensolve → customer {CUSTOMER}: client gensolve:client:{key} (source id {key};"
    )
    assert any(
        line.strip().startswith(f"create dynamics365.contact {contact_id} run hop-2 at ") and line.endswith("by pytest")
        for line in printed[second:]
    )

    # Both hops again: nothing is written on either.
    assert TARGET.load(first_hop, "hop-1-again", "tester").written == 0
    before = org.dataverse_control.stats()
    again = _second_hop(home, delivered, org)
    load(again, "hop-2-again")
    after = org.dataverse_control.stats()
    changed = writes_between(before, after)
    assert {k: changed[k] for k in ("created", "updated", "deleted")} == {"created": 0, "updated": 0, "deleted": 0}
