"""The order `make test`'s workers hand groups out in (tests/helpers/xdist_groups.py): the longest first."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from xdist_groups import DEFAULT_MODULE_SECONDS, MODULE_SECONDS, group_seconds, longest_groups_first

LONG = "tests/gensolve_source/test_two_hops_dagster.py"
LONGER = "tests/dynamics_load/test_queue_after_crash.py"


def _items(*nodeids: str) -> list[pytest.Item]:
    return [SimpleNamespace(nodeid=n) for n in nodeids]  # type: ignore[misc]


def test_a_group_counts_its_modules_seconds() -> None:
    group_of = {LONG: LONG, "tests/a/test_one.py": "tests/a/test_one.py", "tests/a/test_two.py": "tests/a/test_one.py"}
    assert group_seconds(group_of) == {LONG: MODULE_SECONDS[LONG], "tests/a/test_one.py": 2 * DEFAULT_MODULE_SECONDS}


def test_the_longest_groups_are_handed_out_first_each_in_collection_order() -> None:
    assert MODULE_SECONDS[LONGER] > MODULE_SECONDS[LONG] > 3 * DEFAULT_MODULE_SECONDS
    group_of = {
        "tests/a/test_one.py": "tests/a/test_one.py",
        "tests/a/test_two.py": "tests/a/test_one.py",
        "tests/a/test_three.py": "tests/a/test_one.py",
        "tests/b/test_alone.py": "tests/b/test_alone.py",
        LONG: LONG,
        LONGER: LONGER,
    }
    items = _items(
        "tests/b/test_alone.py::test_b",
        "tests/a/test_one.py::test_1",
        f"{LONG}::test_x",
        "tests/a/test_two.py::test_2",
        f"{LONGER}::test_y",
        f"{LONG}::test_z",
        "tests/a/test_three.py::test_3",
    )
    longest_groups_first(items, group_of)
    assert [i.nodeid for i in items] == [
        f"{LONGER}::test_y",
        f"{LONG}::test_x",
        f"{LONG}::test_z",
        "tests/a/test_one.py::test_1",  # three modules of DEFAULT_MODULE_SECONDS
        "tests/a/test_two.py::test_2",
        "tests/a/test_three.py::test_3",
        "tests/b/test_alone.py::test_b",
    ]
