"""`make demo-two-hops`: the demo practice from Cliniko into Gensolve, then from Gensolve into an emulated
Dynamics 365 org, as Dagster runs — and the trace of one patient across both hops.

Two customers in the migration home ($MIGRATION_HOME, else ./var) and the instance in $DAGSTER_HOME:

- `demo-hop-gpm`: the demo practice's Cliniko dump → `cliniko_stage` → `gensolve_migrate` into its embedded
  Gensolve database (`customers/demo-hop-gpm/gensolve-trial.duckdb`);
- `demo-hop-d365`: source `{from_customer: demo-hop-gpm}` — `gensolve_stage` snapshots that database into its own
  extracts (source/extract, which records the first hop's partition and runs) and stages it; then
  `dynamics_migrate` loads it into the Entra ID + Dataverse emulators started here on loopback.

It prints the reconciliation of each hop (delivered → staged → written) and `practice-migrate trace` of one
patient: the Cliniko record, its Gensolve row and its Dynamics contact, with the runs, times and operators
of both hops (ids only, no values). Trial runs throughout: the open ERROR findings of the demo practice's
injected defects are accepted at launch, as `make demo` does for its sandbox loads, and checks those defects
fail are printed as findings. Exit 0 when both hops ran and every client staged from Cliniko reached Gensolve,
was read back out of it and reached Dynamics.
"""

from __future__ import annotations

import os
import shutil
import sys

import yaml

from customers import MigrationHome, default_home
from customers.endpoints import ALLOWED_HOSTS_ENV, EMULATOR_HOSTS, secret_env_name
from practice_migrate.demo import (
    DEMO_CLIENTS,
    DEMO_DEFECT_RATE,
    DEMO_FALLBACK_OWNER,
    DEMO_SEED,
    _checks_of,
    _outcome,
)

FIRST = "demo-hop-gpm"
SECOND = "demo-hop-d365"
SECRET_ENV = secret_env_name(SECOND, "DATAVERSE_SECRET")
TIME_SCALE = 0.05  # the emulated org's latencies and throttling windows, shortened for a demo
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _register(home: MigrationHome, customer_id: str, source: dict, target: dict) -> None:
    inbox = home.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / f"{customer_id}.yaml"
    config = {
        "customer_id": customer_id,
        "name": "Harbourside Physiotherapy (two-hop demo)",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": source,
        "target": target,
        "fallback_owner_email": DEMO_FALLBACK_OWNER,
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    home.register(path)


def _accept(home: MigrationHome, customer_id: str, op: str) -> dict:
    """The launch config of a trial load: the schema applied and the latest iteration's findings accepted."""
    from checks.iterations import latest_iteration
    from store import Warehouse

    with Warehouse.for_customer(home.customer_dir(customer_id)).connect() as con:
        iteration = latest_iteration(con, "trial")
    accepted = {"accept_findings_of_iteration": iteration.iteration, "accepted_by": "demo operator"}
    acceptance = accepted if iteration is not None else {}
    schema = op.split("__")[0]
    return {**QUIET, "ops": {f"{schema}__schema_plan": {"config": {"apply": True}}, op: {"config": acceptance}}}


def _written(result: object) -> int:
    """Rows created or updated by a load run, from its tables' materialisation metadata."""
    total = 0
    for event in result.all_events:  # type: ignore[attr-defined]
        if event.event_type_value == "ASSET_MATERIALIZATION":
            metadata = event.event_specific_data.materialization.metadata
            if "created" in metadata and "updated" in metadata:
                total += metadata["created"].value + metadata["updated"].value
    return total


def _report(result: object) -> str:
    """A run's outcome, and the checks it failed: findings for the practice (the demo practice's injected
    defects fail some), not crashes (practice_migrate/demo.py prints them the same way)."""
    failing = sorted(f"{asset}.{check}" for (asset, check), passed in _checks_of(result).items() if not passed)
    return _outcome(result) + (f" — failing checks: {', '.join(failing[:6])}" if failing else "")


def run(home: MigrationHome, clients: int = DEMO_CLIENTS) -> int:
    """Both hops for a practice of `clients` clients on the current Dagster instance; 0 when they ran."""
    import dagster as dg

    from emulators.launcher import start_emulators
    from emulators.provision import provision_practice_users
    from migration_assets.definitions import defs
    from migration_assets.partitions import add_customer_partition
    from practice_migrate.trace import format_chain, trace
    from store import Warehouse, read_partition
    from store.warehouse import TableRef
    from synthetic import generate_practice
    from targets.base import Partition
    from targets.gensolve.target import embedded_path

    definitions = defs()
    for customer in (FIRST, SECOND):
        shutil.rmtree(home.customer_dir(customer), ignore_errors=True)  # a fresh start: ledgers go with their data
    dump_dir = home.root / "dumps" / FIRST / "trial"
    shutil.rmtree(dump_dir, ignore_errors=True)
    print(f"1/6  Generating the demo practice ({clients} clients, defects at {DEMO_DEFECT_RATE:.0%}) → {dump_dir}")
    generate_practice(dump_dir, country="NZ", clients=clients, defect_rate=DEMO_DEFECT_RATE, seed=DEMO_SEED)
    instance = dg.DagsterInstance.get()
    partition = {c: dg.MultiPartitionKey({"customer": c, "run": "trial"}) for c in (FIRST, SECOND)}

    def launch(job: str, customer: str, config: dict) -> dg.ExecuteInProcessResult:
        return definitions.resolve_job_def(job).execute_in_process(
            partition_key=partition[customer], instance=instance, raise_on_error=False, run_config=config
        )

    gensolve_target = {
        "system": "gensolve",
        "trial": {"environment": "sandbox", "database": "embedded"},
        "live": {"environment": "production", "database": "embedded"},
    }
    _register(home, FIRST, {"system": "cliniko", "trial": {"dump": str(dump_dir)}}, gensolve_target)
    add_customer_partition(instance, FIRST)
    print(f"2/6  Hop 1, {FIRST}: cliniko_stage, then gensolve_migrate into the embedded Gensolve")
    staged = launch("cliniko_stage", FIRST, QUIET)
    loaded = launch("gensolve_migrate", FIRST, _accept(home, FIRST, "gensolve__prepared"))
    print(f"     run {staged.run_id} (stage): {_report(staged)}")
    print(f"     run {loaded.run_id} (load, {_written(loaded)} rows written): {_report(loaded)}")
    print(f"     Gensolve database: {embedded_path(Partition(home, home.load(FIRST), 'trial'))}")

    with start_emulators(time_scale=TIME_SCALE, dataverse_options={"key_activation": {"mode": "immediate"}}) as org:
        os.environ[SECRET_ENV] = org.endpoints.client_secret
        provision_practice_users(org.dataverse_control, dump_dir, DEMO_FALLBACK_OWNER)
        target = {
            "system": "dynamics365",
            "trial": org.endpoints.dataverse_environment("sandbox", SECRET_ENV),
            "live": {"environment": "production", "url": "https://production.invalid"},
        }
        _register(home, SECOND, {"system": "gensolve", "trial": {"from_customer": FIRST}}, target)
        add_customer_partition(instance, SECOND)
        print(f"3/6  Hop 2, {SECOND}: gensolve_stage (source/extract snapshots {FIRST}'s Gensolve, then stages it)")
        second_staged = launch("gensolve_stage", SECOND, QUIET)
        print(f"4/6  dynamics_migrate into the emulated org {org.endpoints.dataverse_url}")
        second_loaded = launch("dynamics_migrate", SECOND, _accept(home, SECOND, "dynamics__prepared"))
        print(f"     run {second_staged.run_id} (stage): {_report(second_staged)}")
        print(f"     run {second_loaded.run_id} (load, {_written(second_loaded)} written): {_report(second_loaded)}")

    def clients_of(customer: str) -> int:
        with Warehouse.for_customer(home.customer_dir(customer)).connect(read_only=True) as con:
            return read_partition(con, TableRef("staged", "client"), "trial").height

    with Warehouse.for_customer(home.customer_dir(SECOND)).connect(read_only=True) as con:
        contacts = con.execute(
            "select count(distinct canonical_id) from ledger.record where run_kind = 'trial' and target_table = "
            "'contact' and status = 'loaded' and canonical_id like 'gensolve:client:%'"
        ).fetchone()[0]
    first_clients, second_clients = clients_of(FIRST), clients_of(SECOND)
    print(
        f"5/6  Clients: {first_clients} staged from Cliniko → {second_clients} read back out of Gensolve and staged "
        f"→ {contacts} Dynamics contacts ({'exact' if first_clients == second_clients == contacts else 'MISMATCH'})"
    )
    with Warehouse.for_customer(home.customer_dir(SECOND)).connect(read_only=True) as con:
        origin = con.execute(
            "select origin_id from staged.client where run_kind = 'trial' order by origin_id limit 1"
        ).fetchone()[0]
    print(f"6/6  practice-migrate trace {SECOND} {origin}")
    print(format_chain(trace(home, SECOND, origin)))
    return 0 if first_clients == second_clients == contacts else 1


def main() -> int:
    home = MigrationHome(default_home())
    os.environ.setdefault("MIGRATION_HOME", str(home.root))
    os.environ.setdefault(ALLOWED_HOSTS_ENV, EMULATOR_HOSTS)  # the demo's target is the loopback emulator
    return run(home)


if __name__ == "__main__":
    sys.exit(main())
