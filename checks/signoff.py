"""Signoff of a trial and the gate live loads pass: the rules, as plain Python.

A trial can be signed off only when its latest iteration had no failing ERROR check (ERROR findings are
blocking, checks/blocking.py) and was staged with the mapping that is current now. A live load runs only
when a signoff exists whose mapping versions equal the current ones: changing a mapping after signoff
invalidates it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from checks.iterations import Iteration


@dataclass(frozen=True)
class MappingVersions:
    source: str  # the customer's source spec (with overrides)
    target: str  # the target spec (e.g. mappings/dynamics365.yaml)

    def as_metadata(self) -> dict[str, str]:
        return {"mapping/source_version": self.source, "mapping/target_version": self.target}


def signoff_problems(iteration: Iteration | None, current: MappingVersions) -> list[str]:
    """Why the latest trial cannot be signed off (empty: it can)."""
    if iteration is None:
        return ["no trial has been staged for this customer: run the trial first"]
    problems = []
    if iteration.errors:
        problems.append(
            f"trial iteration {iteration.iteration} has {iteration.errors} failing ERROR checks (blocking: "
            "an accepted trial load does not lift them): fix the data or the mapping and run the trial again"
        )
    if iteration.spec_version != current.source:
        problems.append(
            f"the source mapping changed since trial iteration {iteration.iteration} "
            f"({iteration.spec_version} → {current.source}): run the trial again"
        )
    return problems


def live_gate(signoff: Mapping[str, object] | None, current: MappingVersions) -> str | None:
    """Why a live load must not run (None: it may). `signoff` is the latest signoff's metadata."""
    if signoff is None:
        return "no signoff of the trial is recorded for this customer: materialise signoff/trial_signoff first"
    if not signoff.get("approved"):
        return "the latest signoff of the trial is not an approval"
    if signoff.get("trial_errors"):
        return "the signed-off trial had failing ERROR checks"
    stale = [name for name, value in current.as_metadata().items() if signoff.get(name) != value]
    if stale:
        return (
            f"the mapping changed after signoff ({', '.join(stale)}): run the trial again and sign it off "
            "before the live load"
        )
    return None
