"""What "blocking" means, defined once (issue 25 item 3); the check flags, the gates, the reports, the operator
guide and the demo all use these words.

An ERROR finding is blocking: while a partition's latest staging has one open, the trial cannot be signed off
and the live load does not run. A trial load into the sandbox runs with open ERROR findings only when the
operator accepts them at launch — naming the trial iteration whose findings they reviewed and who accepts —
and that acceptance is recorded with the load. WARN findings are for review and never block.

A load's own ERROR checks (loaded, read-back, orphans…) roll up into its post-migration verdict; a failed
verdict fails the load run and tags it `verdict=failed`, so no run with a failed verdict shows as a success.
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.iterations import Iteration

BLOCKING_SEVERITY = "ERROR"
# The run tag every staging and load run carries, so the run list filters by it (`verdict=failed`).
VERDICT_TAG = "verdict"
PASSED, FAILED = "passed", "failed"
# The sentence the reports, check descriptions, operator guide and demo repeat.
BLOCKING_RULE = (
    "ERROR findings are blocking: they block the signoff and the live load. A trial load into the sandbox "
    "runs with open ERROR findings only when the operator accepts them at launch (accept_findings_of_iteration "
    "and accepted_by), which is recorded with the load. WARN findings are for review and never block."
)


def is_blocking(severity: str) -> bool:
    return severity == BLOCKING_SEVERITY


def severity_label(severity: str) -> str:
    """How a check's severity reads in a flag, a report row or the demo: what failing it means."""
    return "ERROR · blocking" if is_blocking(severity) else f"{severity} · for review"


def verdict(passed: bool) -> str:
    return PASSED if passed else FAILED


@dataclass(frozen=True)
class Acceptance:
    """An operator's acceptance, given at launch, of one trial iteration's open ERROR findings."""

    iteration: int
    accepted_by: str


@dataclass(frozen=True)
class LoadDecision:
    allowed: bool
    reason: str  # why it is refused, or on what terms it runs
    iteration: int  # the staging iteration the load reads (0: none staged)
    open_errors: int  # failing ERROR checks of that iteration
    accepted: Acceptance | None = None  # set when the load runs on an acceptance


def load_decision(run_kind: str, iteration: Iteration | None, acceptance: Acceptance | None) -> LoadDecision:
    """Whether a load of the partition's latest staging may run, by the rule above. The live load also needs a
    valid signoff (checks.signoff.live_gate)."""
    if iteration is None:
        return LoadDecision(False, f"no {run_kind} staging is recorded for this partition: run the staging first", 0, 0)
    number, errors = iteration.iteration, iteration.errors
    if not errors:
        return LoadDecision(True, f"{run_kind} iteration {number} has no open ERROR findings", number, 0)
    blocked = f"{run_kind} iteration {number} has {errors} failing ERROR checks (blocking)"
    if run_kind != "trial":
        return LoadDecision(
            False, f"{blocked}: the live load does not run; fix the data or the mapping and stage again", number, errors
        )
    if acceptance is None or not acceptance.accepted_by.strip():
        return LoadDecision(
            False,
            f"{blocked}: a trial load runs only when launched with accept_findings_of_iteration={number} and "
            "accepted_by (who reviewed the approval report)",
            number,
            errors,
        )
    if acceptance.iteration != number:
        return LoadDecision(
            False,
            f"{blocked}: the acceptance names iteration {acceptance.iteration}, not the latest ({number}); "
            "review the latest approval report and accept its findings",
            number,
            errors,
        )
    return LoadDecision(
        True,
        f"{blocked}, accepted by {acceptance.accepted_by.strip()} for this trial load",
        number,
        errors,
        acceptance,
    )
