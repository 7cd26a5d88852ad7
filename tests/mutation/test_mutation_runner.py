"""`make mutation`'s forked runner (bench/mutation.py `ForkedPytest`) decides a mutant as a new pytest process
does: a mutant the targeted tests kill fails in the forked child, a surviving one passes, the worker is left
unmutated for the next run, and what the fork cannot decide (a timeout) is decided by a new process."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from bench.mutation import (
    RESULTS,
    TARGETS,
    ForkedPytest,
    Mutant,
    _pytest,
    _unsafe_threads,
    list_mutants,
    reason_key,
    survivor_key,
)

# A small transform module with both kinds of mutant in its last measurement (bench/mutation.json).
MODULE = "mappings/transforms/values.py"
TIMEOUT = 600.0


def _a_survivor_and_a_killed_mutant() -> tuple[Mutant, Mutant]:
    entry = json.loads(RESULTS.read_text(encoding="utf-8"))["modules"][MODULE]
    mutants = list_mutants(MODULE)
    assert entry["mutants"] == len(mutants), "values.py changed since it was measured: run `make mutation` on it"
    survived = {reason_key(s["code"], s["mutation"]) for s in entry["survivors"]}
    keys = [survivor_key(m) for m in mutants]
    # A key two mutants share (the same change twice on one line) cannot say which of them survived.
    survivor = next(m for m, key in zip(mutants, keys, strict=True) if key in survived and keys.count(key) == 1)
    killed = next(m for m, key in zip(mutants, keys, strict=True) if key not in survived)
    return survivor, killed


@pytest.fixture(scope="module")
def runner() -> Iterator[ForkedPytest]:
    with ForkedPytest(TARGETS[MODULE]) as started:
        assert started.forks, "the worker found threads it cannot fork without"
        yield started


def test_a_forked_run_decides_a_mutant_as_a_new_process_does(runner: ForkedPytest) -> None:
    survivor, killed = _a_survivor_and_a_killed_mutant()
    fallbacks = runner.fallbacks
    assert runner.run(None, TIMEOUT)[0] == "passed"
    assert runner.run(killed, TIMEOUT)[0] == "failed"
    assert runner.run(survivor, TIMEOUT)[0] == "passed"
    # The killed mutant lived in its child only: the worker's next clean run passes again.
    assert runner.run(None, TIMEOUT)[0] == "passed"
    assert runner.fallbacks == fallbacks  # every outcome above came from a forked child
    assert _pytest(runner.tests, killed, TIMEOUT)[0] == "failed"
    assert _pytest(runner.tests, survivor, TIMEOUT)[0] == "passed"


def test_a_forked_run_that_times_out_is_decided_by_a_new_process(runner: ForkedPytest) -> None:
    fallbacks = runner.fallbacks
    assert runner.run(None, 0.01)[0] == "timeout"
    assert runner.fallbacks == fallbacks + 1
    assert runner.run(None, TIMEOUT)[0] == "passed"  # the worker carries on after a child was ended
    assert runner.fallbacks == fallbacks + 1


def test_a_thread_of_its_own_makes_a_worker_unsafe_to_fork() -> None:
    before = _unsafe_threads()
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="held")
    thread.start()
    try:
        assert len(_unsafe_threads()) == len(before) + 1
    finally:
        release.set()
        thread.join()
    assert len(_unsafe_threads()) == len(before)
