"""Shared fixtures: synthetic practices, migration homes and Dagster instances (all under tmp)."""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import pytest

from customers.endpoints import ALLOWED_HOSTS_ENV, EMULATOR_HOSTS
from synthetic import GenerationSummary, generate_practice

if TYPE_CHECKING:
    from workflow_runs import WorkflowRuns

# The operator's allow-list for the emulators' hosts, set before any configuration is read (subprocesses
# inherit it).
os.environ[ALLOWED_HOSTS_ENV] = EMULATOR_HOSTS

warnings.filterwarnings("ignore", category=dg.PreviewWarning)
warnings.filterwarnings("ignore", category=dg.BetaWarning)

# Small enough to run in seconds, large enough that every defect kind occurs more than once.
PRACTICE_CLIENTS = 300
DEFECT_RATE = 0.02


def pytest_configure(config: pytest.Config) -> None:
    """The main process of `--dist loadgroup` names the file its workers write their groups to
    (tests/helpers/xdist_groups.py); the workers inherit the variable when they start."""
    if config.getoption("dist", "no") == "loadgroup" and not hasattr(config, "workerinput"):
        from xdist_groups import GROUPS_FILE_ENV

        folder = Path(tempfile.mkdtemp(prefix="xdist-groups-"))
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
        os.environ[GROUPS_FILE_ENV] = str(folder / "groups.json")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadgroup` scheduled by the groups the workers wrote (tests/helpers/xdist_groups.py)."""
    from xdist_groups import GROUPS_FILE_ENV, GroupFileScheduling

    if config.getoption("dist") == "loadgroup" and (groups_file := os.environ.get(GROUPS_FILE_ENV)):
        return GroupFileScheduling(config, log, Path(groups_file))
    return None


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook turns the marks into its groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """One pytest-xdist group per module, modules sharing a session fixture together, and on an xdist worker
    (whose collection the scheduler hands out in order) the longest groups first (tests/helpers/xdist_groups.py)."""
    from xdist_groups import assign_groups, longest_groups_first

    group_of = assign_groups(items)
    if hasattr(config, "workerinput"):
        longest_groups_first(items, group_of)


@pytest.fixture(scope="session")
def defective_practice(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """An NZ practice with every defect kind injected, and its ground truth."""
    out = tmp_path_factory.mktemp("dump-nz-defects")
    return generate_practice(out, country="NZ", clients=PRACTICE_CLIENTS, defect_rate=DEFECT_RATE, seed=11)


@pytest.fixture(scope="session")
def clean_practices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GenerationSummary]:
    """Defect-free practices for each country flavour (DST days in three hemispheres' zones)."""
    return {
        country: generate_practice(tmp_path_factory.mktemp(f"dump-{country}"), country=country, clients=120, seed=5)
        for country in ("NZ", "AU", "UK")
    }


@pytest.fixture(scope="session")
def workflow_runs(defective_practice: GenerationSummary, tmp_path_factory: pytest.TempPathFactory) -> WorkflowRuns:
    """Every job of the code location run once on one real instance (tests/helpers/workflow_runs.py): the
    delta workflow, the defect detection and the privacy scan read these runs instead of repeating them."""
    from workflow_runs import run_workflow

    return run_workflow(tmp_path_factory.mktemp("workflow"), defective_practice)


@pytest.fixture
def migration_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MIGRATION_HOME", str(home))
    return home


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as inst:
        yield inst
