"""The raw layer's `undeclared_fields` check and the post-migration verdict (`passed`) seen failing, through the
plain-Python functions the Dagster checks report (tests/checks/test_check_registry.py points here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pipeline_helpers import resign_manifest

from checks.post_migration import CheckOutcome, summarise, write_report
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import Warehouse
from synthetic import generate_practice
from targets.dynamics.loader import TARGET


def test_a_field_the_spec_does_not_declare_fails_undeclared_fields(tmp_path: Path) -> None:
    dump = generate_practice(tmp_path / "dump", country="AU", clients=5, seed=2).out_dir
    path = dump / "businesses.ndjson"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    # The API grew two fields since the reader was written: one on every record, one on the first only.
    records = [{**r, "booking_url": "https://example.org/book"} for r in records]
    records[0]["loyalty_tier"] = "gold"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    resign_manifest(path)  # delivered like that: only the content gives it away
    system = get_system("cliniko")
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")

    clean = load_raw_resource(warehouse, system, "patients", dump, "trial")
    changed = load_raw_resource(warehouse, system, "businesses", dump, "trial")

    assert clean.undeclared_fields == {}
    # field names and the records carrying them, never their values
    assert changed.undeclared_fields == {"booking_url": len(records), "loyalty_tier": 1}
    assert changed.rows == len(records)  # the records themselves are loaded whole


@pytest.mark.parametrize(
    ("checks", "failing", "warnings"),
    [
        (
            [
                CheckOutcome("dynamics/contact", "loaded", True, "ERROR"),
                CheckOutcome("dynamics/contact", "readback", False, "ERROR", "2 field differences"),
                CheckOutcome("dynamics/appointment", "orphans", False, "ERROR"),
                CheckOutcome("dynamics/appointment", "disabled_owners", False, "WARN"),
            ],
            ["dynamics/appointment.orphans", "dynamics/contact.readback"],
            ["dynamics/appointment.disabled_owners"],
        ),
        ([], [], []),  # a load whose checks never ran has not passed either
    ],
    ids=["an_error_check_failed", "no_checks_ran"],
)
def test_the_post_migration_verdict_fails(
    checks: list[CheckOutcome], failing: list[str], warnings: list[str], tmp_path: Path
) -> None:
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    with warehouse.connect() as con:
        summary = summarise(con, "acme", "Acme Physio", "live", "run-1", checks, TARGET)
    assert not summary.passed
    assert [f"{c.asset}.{c.check}" for c in summary.failing] == failing
    assert [f"{c.asset}.{c.check}" for c in summary.warnings] == warnings
    report = write_report(summary, tmp_path / "reports").read_text(encoding="utf-8")
    assert "FAILED" in report and "PASSED" not in report


def test_the_post_migration_report_says_what_each_check_proves_and_why_a_failed_one_failed(tmp_path: Path) -> None:
    """Issue 25 item 5: 'what it proves' is filled for every row (the check's own description), a failed row adds
    its text verdict (why, how many), and failing checks come first."""
    checks = [
        CheckOutcome(
            "dynamics/contact", "loaded", True, "ERROR", "passed — 40 records checked", "Every record written."
        ),
        CheckOutcome(
            "dynamics/invoice",
            "readback",
            False,
            "ERROR",
            "failed (ERROR · blocking) — 3 findings: totalamount 3",
            "Every record read back equals what was sent.",
            3,
        ),
    ]
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    with warehouse.connect() as con:
        summary = summarise(con, "acme", "Acme Physio", "trial", "run-1", checks, TARGET)
    html = write_report(summary, tmp_path / "reports").read_text(encoding="utf-8")
    rows = html.split("<h2>Checks of the load</h2>")[1].split("</table>")[0].split("<tr>")[2:]
    assert len(rows) == 2 and "readback" in rows[0] and "loaded" in rows[1]  # failing first
    assert "Every record read back equals what was sent." in rows[0] and "Every record written." in rows[1]
    assert "Why it failed:</strong> failed (ERROR · blocking) — 3 findings: totalamount 3" in rows[0]
    assert "Why it failed" not in rows[1]
