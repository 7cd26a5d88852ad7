"""The suite's test modules are collected by basename (rootdir-relative imports, no packages under tests/): two
files of the same name in different folders make one of them fail to import, on whichever worker collects both."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_has_its_own_basename() -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        by_name[path.name].append(str(path.relative_to(TESTS)))
    assert len(by_name) > 100  # the walk found the suite
    assert {name: paths for name, paths in by_name.items() if len(paths) > 1} == {}
