"""`make demo`: a synthetic NZ practice through the raw and staged layers in a real Dagster run.

Generates a few hundred clients with injected defects, registers the customer (configuration and
dynamic partition), runs the Cliniko job for `<customer>|trial` on the instance in $DAGSTER_HOME,
then prints the checklist per entity, the reconciliation and where the approval report is.
Exit 0 when the pipeline ran: failing checks are findings for the practice, not crashes.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import yaml

DEMO_CUSTOMER = "demo-physio"
DEMO_CLIENTS = 400
DEMO_DEFECT_RATE = 0.01
DEMO_SEED = 20261122


def _write_config(home: Path, dump_dir: Path) -> Path:
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / f"{DEMO_CUSTOMER}.yaml"
    config = {
        "customer_id": DEMO_CUSTOMER,
        "name": "Harbourside Physiotherapy (demo)",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": {"system": "cliniko", "trial": {"dump": str(dump_dir)}, "live": {"dump": str(dump_dir)}},
        "fallback_owner_email": "migration.owner@example.co.nz",
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _staging_job():
    from migration_assets.definitions import defs
    from migration_assets.jobs import staging_job_name

    return defs().resolve_job_def(staging_job_name("cliniko"))


def main() -> int:
    import dagster as dg

    from customers import MigrationHome, default_home
    from migration_assets.partitions import add_customer_partition
    from store import Warehouse, read_partition
    from store.warehouse import TableRef
    from synthetic import generate_practice

    home = MigrationHome(default_home())
    os.environ.setdefault("MIGRATION_HOME", str(home.root))
    dump_dir = home.root / "dumps" / DEMO_CUSTOMER / "trial"
    print(
        f"1/4  Generating a synthetic NZ practice ({DEMO_CLIENTS} clients, defects at {DEMO_DEFECT_RATE:.0%}) "
        f"→ {dump_dir}"
    )
    generated = generate_practice(
        dump_dir, country="NZ", clients=DEMO_CLIENTS, defect_rate=DEMO_DEFECT_RATE, seed=DEMO_SEED
    )
    print(
        f"     {sum(generated.counts.values())} records in {len(generated.counts)} resources, "
        f"{generated.defects} injected defects (ground truth: {generated.truth_file})"
    )

    instance = dg.DagsterInstance.get()
    config = home.register(_write_config(home.root, dump_dir))
    added = add_customer_partition(instance, config.customer_id)
    print(
        f"2/4  Registered customer {config.customer_id} ({'partition added' if added else 'partition exists'}) "
        f"in {home.config_path(config.customer_id)}"
    )

    partition = dg.MultiPartitionKey({"customer": DEMO_CUSTOMER, "run": "trial"})
    print(f"3/4  Running job cliniko_stage for partition {partition} on the instance in {instance.root_directory}")
    # The run's own log is in the Dagster UI; the console shows only this summary.
    quiet = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    result = _staging_job().execute_in_process(
        partition_key=partition, instance=instance, raise_on_error=False, run_config=quiet
    )
    run_id = result.run_id

    warehouse = Warehouse.for_customer(home.customer_dir(DEMO_CUSTOMER))
    with warehouse.connect(read_only=True) as con:
        checks = read_partition(con, TableRef("audit", "check_result"), "trial")
        reconciliation = read_partition(con, TableRef("staged", "reconciliation"), "trial")
    if checks.is_empty() or checks["run_id"][0] != run_id:
        for event in result.all_events:
            if event.is_step_failure:
                print(f"step {event.step_key} failed: {event.event_specific_data.error.message}", file=sys.stderr)
        print(
            f"The run {run_id} did not reach the checklist; see its logs in the Dagster UI (`make dev`).",
            file=sys.stderr,
        )
        return 1
    print(f"4/4  Run {run_id}: {'succeeded' if result.success else 'stopped by blocking checks (findings below)'}\n")
    print(f"{'entity':<26}{'delivered':>10}{'staged':>8}{'merged':>8}{'rejected':>9}   checklist")
    for entity in reconciliation["entity"].unique(maintain_order=True).to_list():
        counts = reconciliation.filter(reconciliation["entity"] == entity).sum()
        rows = checks.filter(checks["entity"] == entity)
        errors = rows.filter(~rows["passed"] & (rows["severity"] == "ERROR"))["check_name"].to_list()
        warns = rows.filter(~rows["passed"] & (rows["severity"] == "WARN"))["check_name"].to_list()
        verdict = (
            "all passed"
            if not errors and not warns
            else "; ".join([f"ERROR {', '.join(errors)}"] * bool(errors) + [f"WARN {', '.join(warns)}"] * bool(warns))
        )
        print(
            f"{entity:<26}{counts['considered'][0]:>10}{counts['staged'][0]:>8}{counts['merged'][0]:>8}"
            f"{counts['rejected'][0]:>9}   {verdict}"
        )
    total = reconciliation.select("considered", "staged", "merged", "rejected").sum().row(0)
    print(
        f"\nReconciliation: {total[0]} delivered = {total[1]} staged + {total[2]} merged + {total[3]} rejected "
        f"({'exact' if total[0] == sum(total[1:]) else 'MISMATCH'})"
    )
    failed = checks.filter(~checks["passed"])
    print(
        f"Checks: {checks.height} run, {checks.height - failed.height} passed, "
        f"{(failed['severity'] == 'ERROR').sum()} ERROR and {(failed['severity'] == 'WARN').sum()} WARN findings"
    )
    report = home.reports_dir(DEMO_CUSTOMER, "trial") / "approval-report.html"
    for row in failed.sort("severity").rows(named=True):
        counts = ", ".join(f"{k} {v}" for k, v in json.loads(row["breakdown"]).items())
        print(f"  {row['severity']:<5} {row['entity']}.{row['check_name']}: {counts}")
    print(f"\nApproval report (the practice's review, with a sample of records per entity): {report}")
    print("Open the Dagster UI on the same instance with `make dev` (http://127.0.0.1:3000).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
