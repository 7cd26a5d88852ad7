"""Helpers for the Dynamics load integration tests: emulator options, users, the flow steps, counts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from customers import CustomerConfig
from customers.endpoints import secret_env_name
from emulators.launcher import EmulatorEndpoints, RunningEmulators
from store import TableRef, partition_count, table_exists
from targets.dynamics import flow
from targets.dynamics.loader import SCHEMA
from targets.dynamics.tables import TABLES

# The emulators' clock runs 100× faster (a 300 s throttling window lasts 3 s) and charge no simulated
# service time; keys go Active at once so a schema plan applied is a schema plan ready.
TIME_SCALE = 0.01
DATAVERSE_OPTIONS: dict[str, Any] = {"cost_model": False, "key_activation": {"mode": "immediate"}}
CUSTOMER = "loadpractice"
CLIENTS = 40
SEED = 3
FALLBACK_EMAIL = "owner@example.org"  # what pipeline_helpers.register_customer writes
SECRET_ENV = secret_env_name(CUSTOMER, "DATAVERSE_SECRET")
OPERATOR = "pytest"


def target_block(endpoints: EmulatorEndpoints, secret_env: str = SECRET_ENV) -> dict[str, Any]:
    """A customer's `target:` section whose trial environment is this emulator pair (secret by env name)."""
    return {
        "system": "dynamics365",
        "trial": endpoints.dataverse_environment("sandbox", secret_env),
        "live": {"environment": "production", "url": "https://production.invalid", "tenant_id": endpoints.tenant_id},
    }


def retarget(part: flow.Partition, running: RunningEmulators, secret_env: str) -> flow.Partition:
    """The same partition with the customer's trial target moved to another emulator pair."""
    data = part.config.model_dump(mode="json")
    data["target"] = target_block(running.endpoints, secret_env)
    return flow.Partition(part.home, CustomerConfig.model_validate(data), part.run_kind)


def dump_users(dump_dir: Path) -> list[dict[str, Any]]:
    """The practice's users as the dump holds them (`users.ndjson`)."""
    lines = (dump_dir / "users.ndjson").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def seed_users(
    control: Any,
    users: Iterable[dict[str, Any]],
    *,
    skip: Iterable[str] = (),
    disable: Iterable[str] = (),
    fallback: str | None = "enabled",
) -> dict[str, str]:
    """Add the dump's users to the org as Entra would provision them: e-mail upper-cased (matching must
    ignore case), disabled when the practice deactivated them or their e-mail is in `disable`, left out
    when in `skip`; plus the fallback owner (`enabled`, `disabled` or None for absent).

    Returns lower-cased e-mail → systemuserid.
    """
    skip = {s.lower() for s in skip}
    disable = {d.lower() for d in disable}
    seeded: dict[str, str] = {}
    for user in users:
        email = (user.get("email") or "").strip()
        if not email or email.lower() in skip:
            continue
        row = control.add_user(
            firstname=user.get("first_name") or "User",
            lastname=user.get("last_name") or "Practice",
            internalemailaddress=email.upper(),
            isdisabled=(not user.get("user_active", True)) or email.lower() in disable,
        )
        seeded[email.lower()] = str(row["systemuserid"])
    if fallback is not None:
        row = control.add_user(
            firstname="Fallback",
            lastname="Owner",
            internalemailaddress=FALLBACK_EMAIL,
            isdisabled=fallback == "disabled",
        )
        seeded[FALLBACK_EMAIL] = str(row["systemuserid"])
    return seeded


def ready(part: flow.Partition) -> None:
    """Schema plan applied and owners resolved: what a load needs first."""
    plan = flow.run(flow.schema_plan(part, apply=True))
    assert plan.ready, [f"{i.table}.{i.name}" for i in plan.missing]
    flow.run(flow.resolve_owners(part))


def load(part: flow.Partition, run_id: str, **options: Any) -> flow.LoadOutcome:
    options.setdefault("clock_scale", TIME_SCALE)
    return flow.run(flow.load(part, run_id, OPERATOR, **options))


def staged_counts(part: flow.Partition, tables: Iterable[str] | None = None) -> dict[str, int]:
    """Rows per mapped table (`dynamics.<table>`) of the partition."""
    names = list(tables) if tables is not None else flow.tables_to_load(part)
    with part.warehouse.connect(read_only=True) as con:
        return {t: partition_count(con, TableRef(SCHEMA, t), part.run_kind) for t in names}


def ledger_operations(part: flow.Partition, run_id: str | None = None) -> pl.DataFrame:
    """The partition's audit log (`ledger.operation`), optionally of one run (empty before any load)."""
    with part.warehouse.connect(read_only=True) as con:
        if not table_exists(con, TableRef("ledger", "operation")):
            return pl.DataFrame()
        frame = con.sql(
            "select * from ledger.operation where run_kind = ? order by recorded_at", params=[part.run_kind]
        ).pl()
    return frame.filter(pl.col("run_id") == run_id) if run_id is not None else frame


def ledger_records(part: flow.Partition) -> pl.DataFrame:
    with part.warehouse.connect(read_only=True) as con:
        return con.sql("select * from ledger.record where run_kind = ?", params=[part.run_kind]).pl()


def writes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    """Write activity the emulator saw between two `stats()` snapshots: records created/updated/deleted
    and bulk or `$batch` requests."""
    delta = {k: after["records"][k] - before["records"][k] for k in ("created", "updated", "deleted")}
    for name, count in after["operations"].items():
        if count != before["operations"].get(name, 0):
            delta[f"requests:{name}"] = count - before["operations"].get(name, 0)
    return delta


def canonical_key(row: dict[str, Any]) -> str:
    """The canonical id in a migrated row's `new_sourcesystemid` (`<customer>/<canonical id>`, payloads.source_key)."""
    return str(row["new_sourcesystemid"]).split("/", 1)[1]


def emulator_rows(running: RunningEmulators, table: str) -> list[dict[str, Any]]:
    return running.dataverse_control.dump_table(table)


def migrated_rows(running: RunningEmulators, part: flow.Partition, table: str) -> dict[str, dict[str, Any]]:
    """Rows of `table` the migration wrote, by canonical id: the ledger's target id (the row's primary key)
    finds them, so this works on tables without a source-key column too (annotation)."""
    keys = dict(ledger_records(part).filter(pl.col("target_table") == table).select("target_id", "canonical_id").rows())
    pk = TABLES[table].primary_key
    return {keys[r[pk]]: r for r in emulator_rows(running, table) if r[pk] in keys}


def assert_verified(part: flow.Partition, tables: list[str] | None = None) -> None:
    """Read-back of every table: all found, nothing missing or different, checksums equal."""
    counts = staged_counts(part, tables)
    results = flow.run(flow.verify(part, tables))
    assert [r.table for r in results] == list(counts)
    for r in results:
        assert r.expected == counts[r.table], r.table
        assert r.found == counts[r.table], r.table
        assert r.missing == [], r.table
        assert r.differences == 0, (r.table, {k: s.examples for k, s in r.fields.items() if s.different})
        assert r.orphaned == [], r.table
        assert r.expected_checksum == r.actual_checksum, r.table
