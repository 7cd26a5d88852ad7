"""One partition's staging and approval checklist, end to end, as plain Python (the Dagster asset
calls this; so can a test or a notebook)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from checks.blocking import is_blocking, verdict
from checks.checklist import CheckResult, record_results, run_checklist
from checks.iterations import Iteration, dump_checksum, next_iteration, now, record_iteration
from checks.report import ReportContext, write_approval_report
from checks.report_archive import ReportSummary, iteration_dir, record_summary, write_index
from customers import CustomerConfig, MigrationHome
from mappings.spec import MappingSpec, load_spec
from mappings.staging import StageSummary, stage_partition
from mappings.transforms.registry import MappingContext
from sources.registry import get_system
from store import Warehouse


@dataclass(frozen=True)
class ApprovalOutcome:
    spec: MappingSpec
    staging: StageSummary
    results: list[CheckResult]
    report_path: Path
    iteration: Iteration

    @property
    def blocking_failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.passed and is_blocking(r.definition.severity)]


def customer_spec(config: CustomerConfig) -> MappingSpec:
    """The customer's effective mapping: the system's spec with the customer's overrides."""
    return load_spec(get_system(config.source.system).spec_name, config.mapping_overrides)


def _target_spec(config: CustomerConfig) -> MappingSpec:
    """The mapping of the target this customer loads into (Gensolve when none is configured)."""
    from targets.registry import customer_target

    return load_spec(customer_target(config).name)


def stage_and_check(
    home: MigrationHome,
    config: CustomerConfig,
    run_kind: str,
    *,
    run_id: str | None = None,
    as_of: date | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ApprovalOutcome:
    """Map the raw partition onto the canonical model, run the approval checklist on what was
    written, record the results, and render the approval report under the customer's folder."""
    spec = customer_spec(config)
    warehouse = Warehouse.for_customer(home.customer_dir(config.customer_id))
    mapping = MappingContext(
        customer_id=config.customer_id,
        run_kind=run_kind,
        system=config.source.system,
        country=config.country,
        time_zone=config.time_zone,
        site_time_zones=config.site_time_zones(),
        dump_dir=home.source_dir(config, run_kind),
        as_of=as_of,
    )
    checksum = dump_checksum(mapping.dump_dir) if mapping.dump_dir else None
    with warehouse.connect() as con:
        iteration = next_iteration(con, run_kind)
    staging = stage_partition(warehouse, spec, mapping, progress)
    as_of = as_of or datetime.now(UTC).date()
    # Entities the spec declares not migrated are staged empty and checked as such (0 rows).
    results = run_checklist(warehouse, run_kind, spec.system, [*spec.entities, *spec.not_migrated], as_of)
    record_results(
        warehouse,
        run_kind,
        results,
        spec_version=spec.version,
        run_id=run_id,
        iteration=iteration,
        dump_checksum=checksum,
    )
    counts = staging.result.reconciliation.select("considered", "staged", "merged", "rejected").sum().row(0, named=True)
    failing = [r for r in results if not r.passed]
    item = Iteration(
        run_kind,
        iteration,
        run_id,
        checksum,
        spec.version,
        sum(r.definition.severity == "ERROR" for r in failing),
        sum(r.definition.severity == "WARN" for r in failing),
        dict(counts),
        now(),
    )
    reports = home.reports_dir(config.customer_id, run_kind)
    report = write_approval_report(
        warehouse,
        iteration_dir(reports, iteration),
        spec,
        results,
        ReportContext(
            config.customer_id, config.name, run_kind, spec.system, spec.version, run_id, iteration, checksum
        ),
        dump_dir=mapping.dump_dir,
        target_spec=_target_spec(config),
    )
    # The iteration is recorded last: a run killed or failed before this point leaves no iteration a
    # signoff could point at (its number and folder are reused by the next run) and no entry in the index.
    with warehouse.connect() as con:
        record_iteration(con, item)
    record_summary(
        report.parent,
        ReportSummary(
            "iteration",
            run_kind,
            run_id or "",
            item.at.isoformat(timespec="seconds"),
            verdict(not item.errors),
            report.name,
            iteration=iteration,
            errors=item.errors,
            warnings=item.warnings,
            counts={k: int(v) for k, v in item.reconciliation.items()},
        ),
    )
    write_index(reports.parent, config.customer_id, config.name)
    return ApprovalOutcome(spec, staging, results, report, item)
