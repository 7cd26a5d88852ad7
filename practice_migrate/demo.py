"""`make demo`: a synthetic NZ practice through staging and into an emulated Dynamics 365 org and into
Gensolve's embedded import database, in real Dagster runs.

Generates a few hundred clients with injected defects, starts the Entra ID and Dataverse emulators on
loopback (the trial target; the practice's users provisioned), registers the customer (configuration
and dynamic partition), runs the Cliniko job for `<customer>|trial` on the instance in $DAGSTER_HOME
and prints the checklist per entity and the reconciliation; then runs `dynamics_migrate` (schema plan
applied, owners resolved, load, read-back; a progress bar per table) and runs it again to show that
unchanged data sends no write; then stages the same practice for a second customer whose target is
Gensolve (embedded) and runs `gensolve_migrate`, printing where its database and reports are. The org
keeps its state under $MIGRATION_HOME/emulators on stable ports and its secret in
$MIGRATION_HOME/dev.env, so `make dev` (`make targets`) brings the same org back for practice. Exit 0
when the pipeline ran: failing checks are findings for the practice, not crashes.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from checks.report_archive import INDEX_FILE, SUMMARY_FILE, iteration_dir, load_dir
from customers import CustomerConfig, MigrationHome
from customers.endpoints import ALLOWED_HOSTS_ENV, EMULATOR_HOSTS
from emulators.provision import provision_practice_users
from practice_migrate.targets import DEMO_CUSTOMER, DEMO_SECRET_ENV

if TYPE_CHECKING:
    from emulators.launcher import EmulatorEndpoints

DEMO_CLIENTS = 400
DEMO_DEFECT_RATE = 0.01
DEMO_SEED = 20261122
DEMO_FALLBACK_OWNER = "migration.owner@example.co.nz"
# The same practice into Gensolve's embedded import database (no Oracle, no emulator).
GENSOLVE_CUSTOMER = "demo-physio-gpm"
GENSOLVE_TARGET = {
    "system": "gensolve",
    "trial": {"environment": "sandbox", "database": "embedded"},
    "live": {"environment": "production", "database": "embedded"},
}


def _target(endpoints: EmulatorEndpoints) -> dict:
    return {
        "system": "dynamics365",
        "trial": endpoints.dataverse_environment("sandbox", DEMO_SECRET_ENV),
        "live": {"environment": "production", "url": "https://production.invalid"},
    }


def _write_config(home: Path, dump_dir: Path, target: dict, customer_id: str = DEMO_CUSTOMER) -> Path:
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / f"{customer_id}.yaml"
    config = {
        "customer_id": customer_id,
        "name": "Harbourside Physiotherapy (demo)",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": {"system": "cliniko", "trial": {"dump": str(dump_dir)}, "live": {"dump": str(dump_dir)}},
        "target": target,
        "fallback_owner_email": DEMO_FALLBACK_OWNER,
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _staging_job():
    from migration_assets.definitions import defs
    from migration_assets.jobs import staging_job_name

    return defs().resolve_job_def(staging_job_name("cliniko"))


def main() -> int:
    import shutil

    from customers import default_home
    from practice_migrate import targets

    home = MigrationHome(default_home())
    # A fresh start: the ledger and the org of an earlier demo go together (the org is emptied below).
    targets.stop_background(home.root)
    shutil.rmtree(home.customer_dir(DEMO_CUSTOMER), ignore_errors=True)
    shutil.rmtree(home.customer_dir(GENSOLVE_CUSTOMER), ignore_errors=True)
    shutil.rmtree(targets.state_dir(home.root), ignore_errors=True)
    print("0/9  Starting the Entra ID and Dataverse emulators on 127.0.0.1 (the trial target; kept for `make dev`)")
    # Stable ports and state under the home: `make targets` restarts this very org after the demo.
    # New secrets for a new org: the demo customer's and each practice customer's own app (targets.ensure_secrets).
    with targets.start_persistent(home.root, targets.ensure_secrets(home.root, renew=True)) as running:
        os.environ[DEMO_SECRET_ENV] = running.endpoints.client_secret
        # The demo's targets are the emulators and a placeholder production org: the operator allows them.
        os.environ.setdefault(ALLOWED_HOSTS_ENV, EMULATOR_HOSTS)
        print(f"     Dataverse {running.endpoints.dataverse_url}/api/data/v9.2/ (CA {running.endpoints.ca_file})")
        return _run(home, running)


def set_up(home: MigrationHome, endpoints: EmulatorEndpoints, control: object, dump_dir: Path) -> CustomerConfig:
    """Register the demo customer (its trial target: the emulated org) and provision the practice's users
    in that org; the dump must exist. Shared with the test that practises on the persistent target."""
    config = home.register(_write_config(home.root, dump_dir, _target(endpoints)))
    provision_practice_users(control, dump_dir, DEMO_FALLBACK_OWNER)
    return config


def _run(home: object, running: object) -> int:
    import dagster as dg

    from migration_assets.partitions import add_customer_partition
    from store import Warehouse, read_partition
    from store.warehouse import TableRef
    from synthetic import generate_practice

    os.environ.setdefault("MIGRATION_HOME", str(home.root))  # type: ignore[attr-defined]
    dump_dir = home.root / "dumps" / DEMO_CUSTOMER / "trial"
    print(
        f"1/9  Generating a synthetic NZ practice ({DEMO_CLIENTS} clients, defects at {DEMO_DEFECT_RATE:.0%}) "
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
    config = set_up(home, running.endpoints, running.dataverse_control, dump_dir)  # type: ignore[arg-type, attr-defined]
    added = add_customer_partition(instance, config.customer_id)
    print(
        f"2/9  Registered customer {config.customer_id} ({'partition added' if added else 'partition exists'}) "
        f"in {home.config_path(config.customer_id)}"
    )

    partition = dg.MultiPartitionKey({"customer": DEMO_CUSTOMER, "run": "trial"})
    print(f"3/9  Running job cliniko_stage for partition {partition} on the instance in {instance.root_directory}")
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
    blocking_errors = int((~checks["passed"] & (checks["severity"] == "ERROR")).sum())
    print(
        f"4/9  Run {run_id}: "
        + (
            "succeeded"
            if result.success
            else f"failed — {blocking_errors} ERROR findings are blocking (they block the signoff and the live load)"
        )
        + "\n"
    )
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
    report = (
        iteration_dir(home.reports_dir(DEMO_CUSTOMER, "trial"), int(checks["iteration"][0])) / "approval-report.html"
    )
    for row in failed.sort("severity").rows(named=True):
        counts = ", ".join(f"{k} {v}" for k, v in json.loads(row["breakdown"]).items())
        print(f"  {row['severity']:<5} {row['entity']}.{row['check_name']}: {counts}")
    print(f"\nApproval report (the practice's review, each flagged record named, a sample per entity): {report}")
    print(f"Printable signoff page: {report.parent / 'signoff.html'}")
    accept = int(checks["iteration"][0]) if blocking_errors else 0
    _load(home, running, instance, partition, quiet, accept)
    _gensolve(home, instance, dump_dir, quiet, accept)  # type: ignore[arg-type]
    print(
        "Open the Dagster UI on the same instance and org with `make dev` "
        f"(http://127.0.0.1:{os.environ.get('DAGSTER_PORT') or 3000}): it restarts the emulated org from "
        f"{home.root / 'emulators'} (`make targets`), secrets from {home.root / 'dev.env'}; `make dev-stop` stops it."
    )
    return 0


def _load(home: object, running: object, instance: object, partition: object, quiet: dict, accept: int) -> None:
    """Steps 5–7: load the trial into the emulated org, read it back, and load again (nothing to send). With
    `accept`, the trial iteration whose open ERROR findings the demo accepts for this sandbox load."""
    from migration_assets.definitions import defs
    from practice_migrate.progress_bar import LOGGER, progress_bar
    from targets.registry import get_target

    group = get_target("dynamics365").schema

    control = running.dataverse_control  # type: ignore[attr-defined]
    acceptance = {"accept_findings_of_iteration": accept, "accepted_by": "demo operator"} if accept else {}
    run_config = {
        "loggers": {**quiet["loggers"], LOGGER: {}},
        "ops": {"dynamics__schema_plan": {"config": {"apply": True}}, "dynamics__prepared": {"config": acceptance}},
    }
    print("\n5/9  Running job dynamics_migrate (schema plan applied, owners resolved, load, read-back)")
    if accept:
        print(
            f"     The trial load runs with iteration {accept}'s open ERROR findings accepted at launch "
            "(accept_findings_of_iteration, accepted_by: recorded on dynamics/prepared); a live load never would."
        )
    before = control.stats()
    with progress_bar(defs().resolve_job_def("dynamics_migrate")) as job:
        first = job.execute_in_process(
            partition_key=partition, instance=instance, raise_on_error=False, run_config=run_config
        )
    after = control.stats()
    tables = {
        e.asset_key.path[-1]: e.event_specific_data.materialization.metadata
        for e in first.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key and e.asset_key.path[0] == group
    }
    checks = [e.event_specific_data for e in first.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    print(f"     {'table':<16}{'sent':>8}{'created':>9}{'failed':>8}{'rec/s':>9}")
    for name, meta in tables.items():
        if "created" in meta and meta["considered"].value:
            print(
                f"     {name:<16}{meta['considered'].value:>8}{meta['created'].value:>9}{meta['failed'].value:>8}"
                f"{meta['records_per_second'].value:>9}"
            )
    throttled = sum(after["throttled"].values()) - sum(before["throttled"].values())
    failing = [f"{c.asset_key.to_user_string()}.{c.check_name}" for c in checks if not c.passed]
    reports = home.reports_dir(DEMO_CUSTOMER, "trial")  # type: ignore[attr-defined]
    # Records written: the ledger's count, the same as the run log and the kept report (issue 25 item 6); the org
    # counts write operations, more than records (an activity's final state is a second write).
    written = _kept_summary(reports, first.run_id).get("written", "?")
    print(
        f"     run {first.run_id}: {_outcome(first)}; {written} records written "
        f"({after['records']['written'] - before['records']['written']} write operations in the org), {throttled} "
        f"requests throttled (429); checks: {len(checks) - len(failing)}/{len(checks)} passed"
        + (f" — failing: {', '.join(failing[:6])}" if failing else "")
    )
    print("6/9  Running dynamics_migrate again over the same data (the ledger's hashes say nothing changed)")
    with progress_bar(defs().resolve_job_def("dynamics_migrate")) as job:
        second = job.execute_in_process(
            partition_key=partition, instance=instance, raise_on_error=False, run_config=run_config
        )
    again = control.stats()
    print(
        f"     run {second.run_id}: {_outcome(second)}; {_kept_summary(reports, second.run_id).get('written', '?')} "
        f"records written, {again['records']['written'] - after['records']['written']} write operations in the org "
        "(expected 0)"
    )
    kept = {run.run_id: _kept_summary(reports, run.run_id) for run in (first, second)}
    print(f"7/9  Reports, kept per run (nothing overwritten): {reports.parent / INDEX_FILE}")
    verdict = _checks_of(first).get(("dynamics/post_migration", "passed"))
    folder = load_dir(reports, first.run_id)
    sent = sum(meta["created"].value + meta["updated"].value for meta in tables.values() if "created" in meta)
    reported = kept[first.run_id].get("written", 0)
    print(
        f"     load {first.run_id}: post-migration checklist {'PASSED' if verdict else 'FAILED'}, {reported} records "
        f"written in the report and the run log = {sent} created or updated in the tables above"
        + (f" + {reported - sent} the load adds for them (the invoices' price list)" if reported != sent else "")
    )
    for name in (
        "post-migration.html",
        "schema-plan.html",
        "owner-resolution.html",
        "field-diff.html",
        "audit-log.csv",
    ):
        print(f"     {folder / name}")
    print(
        f"     load {second.run_id}: {kept[second.run_id].get('written', '?')} records written — its own folder; the "
        "first load's reports stay as they were"
    )
    if failing:
        print(
            "     A failing readback on invoices is the demo's injected 'invoice lines do not sum' defect: Dataverse "
            "computes the total from the lines, so the target disagrees with the source (field-diff.html)."
        )
    print("     To undo the load: launch the dynamics_rollback job for partition demo-physio|trial (README: Rollback).")


def _kept_summary(reports: Path, run_id: str) -> dict:
    """The value-free summary a load run kept beside its reports (checks/report_archive.py)."""
    path = load_dir(reports, run_id) / SUMMARY_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _gensolve(home: MigrationHome, instance: object, dump_dir: Path, quiet: dict, accept: int) -> None:
    """Steps 8–9: the same practice into Gensolve Practice Manager (its embedded import database, no Oracle
    needed), as a second customer whose `target.system` is gensolve, through the same factory-built jobs. With
    `accept`, the trial iteration whose open ERROR findings the demo accepts for this sandbox load."""
    import dagster as dg

    from migration_assets.definitions import defs
    from migration_assets.partitions import add_customer_partition
    from practice_migrate.progress_bar import LOGGER, progress_bar
    from targets.base import Partition
    from targets.gensolve.target import embedded_path

    config = home.register(_write_config(home.root, dump_dir, GENSOLVE_TARGET, GENSOLVE_CUSTOMER))
    add_customer_partition(instance, config.customer_id)  # type: ignore[arg-type]
    partition = dg.MultiPartitionKey({"customer": GENSOLVE_CUSTOMER, "run": "trial"})
    print(f"\n8/9  Registered {GENSOLVE_CUSTOMER} (the same dump; target gensolve, embedded) and staged it")
    staged = _staging_job().execute_in_process(
        partition_key=partition, instance=instance, raise_on_error=False, run_config=quiet
    )
    print(f"     run {staged.run_id}: {_outcome(staged)}")
    print("9/9  Running job gensolve_migrate (import schema applied, load, read-back, the Gensolve checklist)")
    iteration = _latest_iteration(home, config) if accept else 0
    acceptance = {"accept_findings_of_iteration": iteration, "accepted_by": "demo operator"} if iteration else {}
    run_config = {
        "loggers": {**quiet["loggers"], LOGGER: {}},
        "ops": {"gensolve__schema_plan": {"config": {"apply": True}}, "gensolve__prepared": {"config": acceptance}},
    }
    with progress_bar(defs().resolve_job_def("gensolve_migrate")) as job:
        result = job.execute_in_process(
            partition_key=partition, instance=instance, raise_on_error=False, run_config=run_config
        )
    loaded = {
        e.asset_key.path[-1]: e.event_specific_data.materialization.metadata
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION" and "created" in e.event_specific_data.materialization.metadata
    }
    written = sum(m["created"].value + m["updated"].value for m in loaded.values())
    failed = sum(m["failed"].value for m in loaded.values())
    checks = _checks_of(result)
    print(
        f"     run {result.run_id}: {_outcome(result)}; {written} rows written into {len(loaded)} import tables, "
        f"{failed} rejected; checks: {sum(checks.values())}/{len(checks)} passed"
    )
    part = Partition(home, config, "trial")
    verdict = checks.get(("gensolve/post_migration", "passed"))
    folder = load_dir(part.reports, result.run_id)
    print(f"     Gensolve database (embedded): {embedded_path(part)}")
    print(f"     post-migration verdict: {'PASSED' if verdict else 'FAILED'} → {folder / 'post-migration.html'}")
    print(f"     Reports, kept per run: {part.reports.parent / INDEX_FILE}")
    print(f"     To undo: launch gensolve_rollback for partition {GENSOLVE_CUSTOMER}|trial.")


def _latest_iteration(home: MigrationHome, config: object) -> int:
    """The customer's latest trial staging iteration (the one whose findings a demo load accepts)."""
    from checks.iterations import latest_iteration
    from store import Warehouse

    # Read-write: the iterations table is created on first use (checks/iterations.py).
    with Warehouse.for_customer(home.customer_dir(config.customer_id)).connect() as con:  # type: ignore[attr-defined]
        iteration = latest_iteration(con, "trial")
    return iteration.iteration if iteration else 0


def _checks_of(result: object) -> dict[tuple[str, str], bool]:
    evaluations = [
        e.event_specific_data
        for e in result.all_events  # type: ignore[attr-defined]
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    return {(c.asset_key.to_user_string(), c.check_name): c.passed for c in evaluations}


def _outcome(result: object) -> str:
    if result.success:  # type: ignore[attr-defined]
        return "succeeded"
    events = result.all_events  # type: ignore[attr-defined]
    blocked = any(
        e.event_type_value == "ASSET_CHECK_EVALUATION"
        and not e.event_specific_data.passed
        and e.event_specific_data.severity.value == "ERROR"
        for e in events
    )
    return "failed: verdict failed (tagged verdict=failed)" if blocked else "FAILED (see the run in the UI)"


if __name__ == "__main__":
    sys.exit(main())
