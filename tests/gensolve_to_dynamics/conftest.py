"""One Entra + Dataverse emulator pair for the Gensolve → Dynamics extras, reset before each test."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dynamics_load_helpers import (
    CUSTOMER,
    DATAVERSE_OPTIONS,
    SECRET_ENV,
    SEED,
    TIME_SCALE,
    dump_users,
    seed_users,
    target_block,
)
from pipeline_helpers import register_customer, run_pipeline

from customers import MigrationHome
from emulators.launcher import RunningEmulators, emulator_fixture
from synthetic import generate_practice
from targets.dynamics import flow

gd_emulators = emulator_fixture(name="gd_emulators", time_scale=TIME_SCALE, dataverse_options=DATAVERSE_OPTIONS)


@pytest.fixture
def org(gd_emulators: RunningEmulators) -> Iterator[RunningEmulators]:
    """The shared emulators, freshly seeded (no custom tables or columns)."""
    gd_emulators.dataverse_control.reset()
    yield gd_emulators


@pytest.fixture(scope="module")
def staged_home(tmp_path_factory: pytest.TempPathFactory, gd_emulators: RunningEmulators) -> Path:
    """A migration home with a small NZ practice staged and mapped onto the Dataverse tables (never loaded); the
    trial target is the emulator pair, with the practitioner relationships and a Sales Professional licence."""
    practice = generate_practice(
        tmp_path_factory.mktemp("gd-dump"), country="NZ", clients=30, defect_rate=0.0, seed=SEED
    )
    home = tmp_path_factory.mktemp("gd-home") / "home"
    target = target_block(gd_emulators.endpoints)
    target["trial"] = {**target["trial"], "licence_tier": "sales_professional", "practitioner_relationships": True}
    config = register_customer(home, CUSTOMER, practice.out_dir, target=target)
    outcome = run_pipeline(home, config)
    assert not outcome.blocking_failures, [r.definition.name for r in outcome.blocking_failures]
    flow.prepare(flow.Partition(MigrationHome(home), config, "trial"))
    (home / "users.json").write_text(json.dumps(dump_users(practice.out_dir)), encoding="utf-8")
    return home


@pytest.fixture
def part(staged_home: Path, tmp_path: Path, org: RunningEmulators, monkeypatch: pytest.MonkeyPatch) -> flow.Partition:
    """This test's own copy of the staged home as the customer's trial partition; the practice's users are in the
    org and the secret only in the environment."""
    home = tmp_path / "home"
    shutil.copytree(staged_home, home)
    seed_users(org.dataverse_control, json.loads((home / "users.json").read_text(encoding="utf-8")))
    monkeypatch.setenv(SECRET_ENV, org.endpoints.client_secret)
    migration_home = MigrationHome(home)
    return flow.Partition(migration_home, migration_home.load(CUSTOMER), "trial")
