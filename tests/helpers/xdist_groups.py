"""Which tests run on the same pytest-xdist worker under `make test` (`-n 2 --dist loadgroup`).

A worker builds every session- and module-scoped fixture it needs for itself: two test modules that read one
expensive session fixture (a Dagster workflow, a staged practice, the first Gensolve hop) on two workers would
pay for it twice. So each module is one group, and modules that share a session fixture of the project's own
conftest files (transitively: a fixture reading such a fixture counts too) are one group; a test that names an
`xdist_group` itself keeps it. Under plain `pytest` (no xdist) the marks change nothing.

pytest-xdist 3.8's own `loadgroup` appends the group to each test's node id, which pytest 9 no longer lets a
plugin change (the id is structured): every test would be its own group. So the workers, which see the
fixtures, write test id → group to a file the main process names (`GROUPS_FILE_ENV`), and the main process
schedules with `GroupFileScheduling`, which reads it once every worker has collected.

The generated practices of tests/conftest.py are the exception: seconds to build, read by a dozen modules of
minutes each. Tying those modules to one worker would leave the other idle, so each worker generates its own.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

# Where the workers write test id → group for the main process (set by the main process before it starts them).
GROUPS_FILE_ENV = "PRACTICE_TESTS_XDIST_GROUPS"

# Session fixtures cheap enough for each worker to build (module docstring), as 'where defined::name'.
BUILT_ON_EVERY_WORKER = frozenset({"tests::defective_practice", "tests::clean_practices"})

# Seconds one worker spends on the modules that take minutes (`--durations`, fixtures included, quiet two-core
# machine), which decide when the suite ends: a group of them handed out last keeps one worker busy for minutes
# while the other has nothing left. Groups are handed out by their modules' sum, the longest first; every
# other module counts DEFAULT_MODULE_SECONDS (most take a few seconds; a group of many counts as long).
MODULE_SECONDS: dict[str, float] = {
    "tests/gensolve_source/test_two_hops_dagster.py": 160,  # ten Dagster runs over two hops
    "tests/dynamics_load/test_queue_after_crash.py": 170,  # the daemon, its code server, three `dagster` processes
    "tests/orchestration/test_definitions.py": 140,  # `dg check defs` in a subprocess
    "tests/delta_pickup/test_delta_pickup.py": 125,  # the `workflow_runs` fixture: every job run once
    "tests/gensolve_source/test_demo_two_hops.py": 90,  # `make demo-two-hops` on 25 clients
    "tests/proposals/test_propose.py": 40,  # the Gensolve export and five exports' benchmarks
    "tests/proposals/test_confirmation.py": 70,  # proposal, gate, staging and confirmation as Dagster runs
}
DEFAULT_MODULE_SECONDS = 10.0


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def _shared_session_fixtures(item: pytest.Item) -> set[str]:
    """The project's session-scoped fixtures `item` reads, directly or through other fixtures, as
    'where defined::name'. pytest's and plugins' own (tmp_path_factory, ...) have an empty base id and are
    cheap: they do not tie modules together."""
    # `fixturenames` is the closure of every fixture the test needs; `_fixtureinfo` is where pytest keeps their
    # definitions (no public accessor; pytest-xdist's own fixtures use it too).
    definitions = item._fixtureinfo.name2fixturedefs  # type: ignore[attr-defined]
    shared = set()
    for name in item.fixturenames:
        for fixturedef in definitions.get(name, ()):
            fixture = f"{fixturedef.baseid}::{name}"
            if fixturedef.scope == "session" and fixturedef.baseid and fixture not in BUILT_ON_EVERY_WORKER:
                shared.add(fixture)
    return shared


def assign_groups(items: Sequence[pytest.Item]) -> dict[str, str]:
    """Mark every test without an `xdist_group` with its group (module docstring) and write test id → group
    where `GROUPS_FILE_ENV` says; returns module → group."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for item in items:
        module = root(_module(item))
        for fixture in _shared_session_fixtures(item):
            parent[root(fixture)] = module
    # A group's name is its first module in sorted order: the same on every worker whatever the union order.
    members: dict[str, list[str]] = {}
    for module in {_module(item) for item in items}:
        members.setdefault(root(module), []).append(module)
    group_of = {module: min(modules) for modules in members.values() for module in modules}
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group_of[_module(item)]))
    if target := os.environ.get(GROUPS_FILE_ENV):
        groups = {item.nodeid: _group_name(item) for item in items}
        # Both workers write the same content; a whole file replaces the other's at once.
        partial = Path(f"{target}.{os.getpid()}")
        partial.write_text(json.dumps(groups), encoding="utf-8")
        partial.replace(target)
    return group_of


def _group_name(item: pytest.Item) -> str:
    names = sorted(
        {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
    )
    return "_".join(names)


class GroupFileScheduling(LoadScopeScheduling):
    """`--dist loadgroup` with the groups the workers wrote (module docstring): a group is one work unit, handed
    out whole to one worker, in the order the workers collected (`--no-loadscope-reorder`)."""

    def __init__(self, config: pytest.Config, log: object, groups_file: Path) -> None:
        super().__init__(config, log)
        self._groups_file = groups_file
        self._groups: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self._groups is None:  # first called once every worker has collected (and written the file)
            self._groups = json.loads(self._groups_file.read_text(encoding="utf-8"))
        return self._groups.get(nodeid) or nodeid.split("::", 1)[0]


def group_seconds(group_of: dict[str, str]) -> dict[str, float]:
    """Each group's expected seconds on one worker: its modules' MODULE_SECONDS, DEFAULT_MODULE_SECONDS each
    for the others."""
    seconds: Counter[str] = Counter()
    for module, group in group_of.items():
        seconds[group] += MODULE_SECONDS.get(module, DEFAULT_MODULE_SECONDS)
    return dict(seconds)


def longest_groups_first(items: list[pytest.Item], group_of: dict[str, str]) -> None:
    """Reorder `items` in place: the longest groups first (`group_seconds`: the modules of minutes, the groups
    of several modules sharing a long fixture), equal ones in collection order, each group's tests in collection
    order. pytest-xdist hands groups out in this order (`--no-loadscope-reorder`), so the longest work starts
    first instead of at the end on one worker while the other has nothing left."""
    seconds = group_seconds(group_of)
    position = {id(item): n for n, item in enumerate(items)}
    first: dict[str, int] = {}
    for n, item in enumerate(items):
        first.setdefault(group_of[_module(item)], n)

    def rank(item: pytest.Item) -> tuple[float, int, int]:
        group = group_of[_module(item)]
        return -seconds[group], first[group], position[id(item)]

    items.sort(key=rank)
