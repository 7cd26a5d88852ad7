"""Every check the pipeline defines is seen failing (issue 23 item 2).

``FAILING_CASES`` maps each asset-check name of the Dagster definitions to the tests that feed it input making
it fail and assert its reason code and count. The meta-tests below fail when a check is defined without a
failing case, when an entry names a check that no longer exists, or when a named test is not collected — so a
new check (a raw table's, a new target's) arrives with one line here and one test.

A check name is the unit: the same name on several assets (``schema`` on every staged entity, ``readback``
on every Dynamics table) runs the same rule, shown failing once.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import dagster as dg
import pytest

from migration_assets.definitions import defs

ROOT = Path(__file__).resolve().parents[2]
_APPROVAL = "tests/checks/test_approval_checks_fail.py::test_an_approval_check_fails_with_its_reason_and_count"
_TARGET = "tests/dynamics_load/test_target_checks_fail.py"

FAILING_CASES: dict[str, tuple[str, ...]] = {
    # staged/<entity>: the approval checklist (checks/checklist.py)
    "schema": (f"{_APPROVAL}[schema]",),
    "reconciliation": (f"{_APPROVAL}[reconciliation]",),
    "future_history": (f"{_APPROVAL}[future_history]",),
    "references": (f"{_APPROVAL}[references]",),
    "rejects": (f"{_APPROVAL}[rejects]",),
    "field_issues": (f"{_APPROVAL}[field_issues]",),
    "duplicates": (f"{_APPROVAL}[duplicates]",),
    "birth_dates": (f"{_APPROVAL}[birth_dates]",),
    "contact_method": (f"{_APPROVAL}[contact_method]",),
    "times": (f"{_APPROVAL}[times]",),
    "attended_in_future": (f"{_APPROVAL}[attended_in_future]",),
    "lines_sum": (f"{_APPROVAL}[lines_sum]",),
    "files_verified": (f"{_APPROVAL}[files_verified]",),
    # raw_<system>/<resource>
    "undeclared_fields": (
        "tests/checks/test_rollup_and_raw_checks_fail.py::test_a_field_the_spec_does_not_declare_fails_undeclared_fields",
    ),
    # source/extract: files of the delivery no spec knows
    "undeclared_files": ("tests/pipeline/test_delivered_coverage.py::test_checks_warn_with_names_and_counts_only",),
    # mapping/proposal: the mapping gate (issue 19)
    "mapping_confirmed": (
        "tests/proposals/test_confirmation.py::test_an_unconfirmed_proposal_blocks_staging_until_a_person_confirms",
    ),
    # dynamics/*: the target's checks
    "schema_ready": (
        "tests/dynamics_load/test_load_flow.py::"
        "test_full_load_waits_for_the_schema_plan_then_lands_everything_verified_and_audited",
    ),
    "owners_resolved": (
        "tests/dynamics_load/test_owners_and_isolation.py::"
        "test_a_load_without_an_enabled_fallback_owner_raises_and_sends_nothing[disabled]",
    ),
    "loaded": (
        "tests/dynamics_load/test_load_faults.py::"
        "test_one_record_dataverse_refuses_fails_alone_and_is_not_retried_for_ever",
    ),
    "readback": (
        "tests/dynamics_load/test_load_flow.py::test_the_read_back_reports_a_document_cut_short_in_the_target",
        "tests/dynamics_load/test_golden_practice.py::test_a_changed_mapping_expression_fails_the_read_back",
        "tests/gensolve/test_golden_rows.py::test_a_changed_mapping_expression_fails_the_read_back_and_the_golden_rows",
    ),
    "orphans": (f"{_TARGET}::test_activities_regarding_a_contact_gone_from_the_target_are_orphans",),
    "disabled_owners": (f"{_TARGET}::test_records_owned_by_a_user_disabled_after_the_load_are_reported",),
    "dangling_lookups": (f"{_TARGET}::test_invoices_whose_price_list_the_org_no_longer_has_fail_dangling_lookups",),
    "delta_applied": (f"{_TARGET}::test_a_reported_change_that_did_not_reach_the_target_fails_delta_applied",),
    # gensolve/post_migration: the checklist a practice moving into Gensolve asks for
    "checklist": (
        "tests/gensolve/test_checklist.py::"
        "test_checklist_passes_then_catches_a_changed_balance_and_a_missing_future_appointment",
        # dynamics/post_migration: ACC-billed totals per client (targets/dynamics/acc.py)
        "tests/gensolve_to_dynamics/test_acc_billing.py::"
        "test_acc_invoices_keep_payer_claim_and_condition_and_totals_reconcile_per_client",
    ),
    # dynamics/post_migration: the load's checks rolled into one verdict
    "passed": (
        "tests/checks/test_rollup_and_raw_checks_fail.py::test_the_post_migration_verdict_fails[an_error_check_failed]",
    ),
}


@pytest.fixture(scope="module")
def defined_checks() -> dict[str, list[str]]:
    """Check name → the assets that carry it, from the code location's definitions."""
    with dg.instance_for_test():
        graph = defs().resolve_asset_graph()
        found: dict[str, list[str]] = defaultdict(list)
        for key in graph.asset_check_keys:
            found[key.name].append(key.asset_key.to_user_string())
    return dict(found)


def test_every_defined_check_has_a_failing_case(defined_checks: dict[str, list[str]]) -> None:
    without = {name: sorted(assets)[:3] for name, assets in defined_checks.items() if name not in FAILING_CASES}
    assert not without, f"checks without a failing-case test (write one, then add it to FAILING_CASES): {without}"
    stale = sorted(set(FAILING_CASES) - set(defined_checks))
    assert not stale, f"FAILING_CASES names checks the definitions no longer have: {stale}"


def test_every_failing_case_is_a_collected_test() -> None:
    wanted = {test for tests in FAILING_CASES.values() for test in tests}
    files = sorted({test.split("::")[0] for test in wanted})
    assert all((ROOT / f).is_file() for f in files), [f for f in files if not (ROOT / f).is_file()]
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert collected.returncode == 0, collected.stdout[-2000:] + collected.stderr[-2000:]
    ids = {line.strip() for line in collected.stdout.splitlines() if "::" in line}
    assert not wanted - ids, f"named in FAILING_CASES but not collected: {sorted(wanted - ids)}"
