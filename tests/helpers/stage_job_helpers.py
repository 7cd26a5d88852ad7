"""Run a source system's `<system>_stage` job for one customer as a real Dagster run (one per test module)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest
from pipeline_helpers import register_customer, staged_outcome_tables

from migration_assets.definitions import defs
from migration_assets.partitions import add_customer_partition


@contextmanager
def staged_by_dagster(system: str, customer: str, dump_dir: Path, home: Path, country: str) -> Iterator[dict]:
    """Register `dump_dir` as `customer`'s trial delivery in `home`, run `<system>_stage` and yield the run's
    result, the home and the staged outcome tables (rejects, field issues, merges, check findings/results)."""
    with pytest.MonkeyPatch.context() as patch, dg.instance_for_test() as instance:
        patch.setenv("MIGRATION_HOME", str(home))
        register_customer(home, customer, dump_dir, country=country, system=system)
        add_customer_partition(instance, customer)
        result = (
            defs()
            .resolve_job_def(f"{system}_stage")
            .execute_in_process(
                partition_key=dg.MultiPartitionKey({"customer": customer, "run": "trial"}),
                instance=instance,
                raise_on_error=False,
            )
        )
        yield {"result": result, "home": home, "tables": staged_outcome_tables(home, customer)}


# How each defect kind of the neutral small practice (synthetic/template.py) is detected once staged:
# (where, field or check, code or rule). A system's test overrides the kinds its raw columns name
# (mojibake and placeholder dates are read issues on the extract's own column).
SMALL_PRACTICE_EXPECTED: dict[str, tuple[str, str | None, str | None]] = {
    "invalid_email": ("issue", "email", "invalid_email"),
    "invalid_phone": ("issue", "mobile_phone", "invalid_phone"),
    "invalid_identifier": ("issue", "nhi", "invalid_identifier"),
    "future_date_of_birth": ("check", "birth_dates", "date_of_birth:in_future"),
    "no_contact_method": ("check", "contact_method", "no_email_or_phone"),
    "duplicate_client": ("merge", None, "name_and_date_of_birth"),
    "orphan_appointment": ("reject", "client_id", "missing_reference"),
    "dst_gap_appointment": ("reject", "starts_at", "dst_gap"),
    "ends_before_start": ("check", "times", "ends_before_start"),
    "invoice_lines_mismatch": ("check", "lines_sum", "total_differs_from_lines"),
}
