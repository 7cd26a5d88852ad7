"""Fixtures for the Dynamics load tests: real Entra + Dataverse emulators over TLS and a staged practice.

The practice is generated and staged (raw → staged → `dynamics.*`) once per session; every test works on
its own copy of that migration home, against an org reset to its seeded state, with the dump's users
provisioned and the client secret only in the environment.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dynamics_load_helpers import (
    CLIENTS,
    CUSTOMER,
    DATAVERSE_OPTIONS,
    SECRET_ENV,
    SEED,
    TIME_SCALE,
    dump_users,
    ready,
    seed_users,
    target_block,
)
from pipeline_helpers import register_customer, run_pipeline

from customers import MigrationHome
from emulators.launcher import RunningEmulators, start_emulators
from synthetic import GenerationSummary, generate_practice
from targets.dynamics import flow


@pytest.fixture(scope="session")
def dataverse_pair() -> Iterator[RunningEmulators]:
    """The Entra + Dataverse pair the staged customer's trial target points at."""
    with start_emulators(time_scale=TIME_SCALE, dataverse_options=DATAVERSE_OPTIONS) as running:
        yield running


@pytest.fixture(scope="session")
def load_practice(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """A defect-free NZ practice (clients, appointments, notes with files, invoices, letters)."""
    return generate_practice(
        tmp_path_factory.mktemp("dynamics-load-dump"), country="NZ", clients=CLIENTS, defect_rate=0.0, seed=SEED
    )


@pytest.fixture(scope="session")
def staged_template(
    tmp_path_factory: pytest.TempPathFactory, load_practice: GenerationSummary, dataverse_pair: RunningEmulators
) -> Path:
    """A migration home with the practice staged and mapped onto the Dataverse tables (never loaded)."""
    home = tmp_path_factory.mktemp("dynamics-load-template") / "home"
    config = register_customer(home, CUSTOMER, load_practice.out_dir, target=target_block(dataverse_pair.endpoints))
    outcome = run_pipeline(home, config)
    assert not outcome.blocking_failures, [r.definition.name for r in outcome.blocking_failures]
    summary, _ = flow.prepare(flow.Partition(MigrationHome(home), config, "trial"))
    assert summary.tables["contact"].rows > 0
    return home


@pytest.fixture
def org(
    dataverse_pair: RunningEmulators, load_practice: GenerationSummary, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningEmulators]:
    """The org freshly seeded (schema additions kept: `ready` re-applies what is missing), without
    faults, with the dump's users provisioned; the secret in the environment only."""
    control = dataverse_pair.dataverse_control
    control.reset(keep_metadata=True)
    seed_users(control, dump_users(load_practice.out_dir))
    monkeypatch.setenv(SECRET_ENV, dataverse_pair.endpoints.client_secret)
    yield dataverse_pair
    control.clear_faults()


@pytest.fixture
def part(staged_template: Path, tmp_path: Path, org: RunningEmulators) -> flow.Partition:
    """This test's own copy of the staged migration home, as the trial partition of the customer."""
    home = tmp_path / "home"
    shutil.copytree(staged_template, home)
    migration_home = MigrationHome(home)
    return flow.Partition(migration_home, migration_home.load(CUSTOMER), "trial")


@pytest.fixture
def ready_part(part: flow.Partition) -> flow.Partition:
    """The partition with its schema plan applied and owners resolved."""
    ready(part)
    return part
