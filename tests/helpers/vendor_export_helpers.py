"""One synthetic vendor export run through its system's `<system>_stage` job, as a real Dagster run for one
partition, and the assertions every vendor-export system's end-to-end test makes on that run
(tests/tabular_sources/test_<system>_end_to_end.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import dagster as dg
import polars as pl
import pytest
from pipeline_helpers import assert_defects_found, defect_findings, register_customer, staged_outcome_tables

from migration_assets.definitions import defs
from migration_assets.partitions import add_customer_partition
from synthetic.template import TemplateSummary

ExportWriter = Callable[..., TemplateSummary]


@contextmanager
def staged_export(
    system: str, write_export: ExportWriter, factory: pytest.TempPathFactory, *, country: str, clients: int = 30
) -> Iterator[dict]:
    """Write the system's synthetic export (with defects), register a customer of `country` for it and run
    `<system>_stage` for its trial partition; yields the export's summary, the run's result and the staged
    outcome tables."""
    practice = write_export(factory.mktemp(system), clients=clients, seed=3)
    home = factory.mktemp(f"home-{system}")
    customer = f"{system}-{country.lower()}"
    with pytest.MonkeyPatch.context() as patch, dg.instance_for_test() as instance:
        patch.setenv("MIGRATION_HOME", str(home))
        register_customer(home, customer, practice.out_dir, country=country, system=system)
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
        yield {"practice": practice, "result": result, "tables": staged_outcome_tables(home, customer)}


def assert_every_defect_caught(staged: dict, expected: dict[str, tuple[str, str | None, str | None]]) -> None:
    """Precision and recall 1.0 on the export's ground truth, each defect flagged as `expected` says."""
    practice: TemplateSummary = staged["practice"]
    defects = json.loads(practice.truth_file.read_text())["defects"]
    assert {d["kind"] for d in defects} == set(expected)  # every kind injected, so every expectation is tested
    assert_defects_found(defect_findings(staged["tables"]), defects, expected)


def assert_blocked_only_by_checks_and_reconciled(staged: dict) -> None:
    """The run stops only where a blocking check failed (the defects), and every delivered row reconciles."""
    failures = [e for e in staged["result"].all_events if e.is_step_failure]
    assert [e.event_specific_data.error.cls_name for e in failures] == ["DagsterAssetCheckFailedError"]
    reconciliation = staged["tables"]["check_result"].filter(pl.col("check_name") == "reconciliation")
    assert reconciliation.height and reconciliation["passed"].all(), reconciliation
