"""Running a vendor export's `<system>_stage` job once for a module's tests, and what every such
end-to-end test asserts (tests/tabular_sources/test_<system>_end_to_end.py): the defects of the ground
truth flagged as expected, and a run that blocks only on failed checks with every row reconciled."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from pipeline_helpers import register_customer, staged_outcome_tables

from customers import MigrationHome
from migration_assets.definitions import defs
from migration_assets.partitions import add_customer_partition
from store import TableRef, Warehouse, read_partition
from synthetic.template import TemplateSummary

# How each defect kind of synthetic/template.py is detected where the system differs from the template:
# the country's identifier (test_template_end_to_end.EXPECTED has the NZ NHI).
IDENTIFIER_ISSUE = {
    "NZ": ("issue", "nhi", "invalid_identifier"),
    "AU": ("issue", "medicare_number", "invalid_identifier"),
    "UK": ("issue", "nhs_number", "invalid_identifier"),
}


def run_stage(
    home: Path, customer: str, dump: Path, *, system: str, country: str
) -> tuple[dg.ExecuteInProcessResult, dict[str, pl.DataFrame]]:
    """Register `customer` (system, country, `dump` as its trial and live delivery) in the migration home
    `home` and run `<system>_stage` for its trial partition as a real Dagster run; its result and the
    staged partition's outcome tables (rejects, field issues, merges, check findings and results)."""
    with pytest.MonkeyPatch.context() as patch, dg.instance_for_test() as instance:
        patch.setenv("MIGRATION_HOME", str(home))
        register_customer(home, customer, dump, country=country, system=system)
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
    return result, staged_outcome_tables(home, customer)


def assert_blocked_only_by_checks_and_reconciled(
    result: dg.ExecuteInProcessResult, tables: dict[str, pl.DataFrame]
) -> None:
    """The run's only failed step is a blocking check (the defects fail checks), and reconciliation
    passed: every delivered row staged, merged or rejected with a reason."""
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.event_specific_data.error.cls_name for e in failures] == ["DagsterAssetCheckFailedError"]
    reconciliation = tables["check_result"].filter(pl.col("check_name") == "reconciliation")
    assert reconciliation.height and reconciliation["passed"].all(), reconciliation


def staged_table(home: Path, customer: str, entity: str) -> pl.DataFrame:
    """One staged entity table of the customer's trial partition."""
    warehouse = Warehouse.for_customer(MigrationHome(home).customer_dir(customer))
    with warehouse.connect(read_only=True) as con:
        return read_partition(con, TableRef("staged", entity), "trial")


def stage_export(
    tmp_path_factory: pytest.TempPathFactory,
    write: Callable[..., TemplateSummary],
    *,
    system: str,
    country: str,
    clients: int,
    seed: int,
) -> dict:
    """A module fixture's body: `write` a synthetic export with defects (clients, seed) and run
    `<system>_stage` on it once. Returns the export's summary, its ground-truth defects, the run's result,
    the outcome tables, the migration home and the customer id."""
    practice = write(tmp_path_factory.mktemp(system), clients=clients, seed=seed)
    home = tmp_path_factory.mktemp(f"home-{system}")
    customer = f"{system}-{country.lower()}"
    result, tables = run_stage(home, customer, practice.out_dir, system=system, country=country)
    defects = json.loads(practice.truth_file.read_text(encoding="utf-8"))["defects"]
    return {
        "practice": practice,
        "defects": defects,
        "result": result,
        "tables": tables,
        "home": home,
        "customer": customer,
    }
