"""Client ↔ practitioner relationships into the junction custom table `new_clientpractitioner` (issue #22 item 5).

One owner per contact cannot say that a client is seen by several practitioners: each (client, practitioner) pair
with a booking that was not cancelled becomes one row — lookups to the client's contact and to the practitioner's
matched System User, first and last appointment date, number of appointments. Rows are keyed by
`<client canonical id>|<practitioner canonical id>` (in the `new_sourcesystemid` key after the customer id,
payloads.source_key) and written by their
deterministic primary key, hash-compared with the ledger like every other record (a second run writes nothing),
and removed by a rollback. A pair whose practitioner has no matched user has nobody to point at: it is not written
and counted as `no_user` (the owner report says why the practitioner has no user).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass

import duckdb
import polars as pl

from targets import ledger
from targets.dynamics.custom_tables import CLIENT_PRACTITIONER
from targets.dynamics.errors import DataverseError
from targets.dynamics.payloads import record_guid, source_key
from targets.dynamics.tables import ORIGIN, SOURCE_KEY, TargetTable

TABLE = CLIENT_PRACTITIONER.name
# What a rollback deletes these rows through (targets/dynamics/rollback.py ORG_RECORDS): only the migration
# creates them.
TARGET_TABLE = TargetTable(TABLE, CLIENT_PRACTITIONER.entity_set, CLIENT_PRACTITIONER.primary_key, (), keyed=False)


@dataclass
class RelationshipLoad:
    """Counts of one junction-table load (no values)."""

    pairs: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    no_user: int = 0
    failed: int = 0


def pairs(con: duckdb.DuckDBPyConnection, run_kind: str) -> pl.DataFrame:
    """client_id, practitioner_id, first_seen, last_seen, appointments of every pair with a booking not cancelled."""
    return con.sql(
        "select client_id, practitioner_id, min(starts_at)::date as first_seen, max(starts_at)::date as last_seen, "
        "count(*) as appointments from staged.appointment where run_kind = ? and client_id is not null "
        "and practitioner_id is not null and coalesce(status, '') <> 'cancelled' "
        "group by client_id, practitioner_id order by client_id, practitioner_id",
        params=[run_kind],
    ).pl()


def payload(customer_id: str, row: dict, user: str, practitioner_name: str | None) -> tuple[str, str, dict]:
    """(key, primary key, body) of one pair."""
    key = f"{row['client_id']}|{row['practitioner_id']}"
    guid = record_guid(customer_id, TABLE, key)
    contact = record_guid(customer_id, "contact", str(row["client_id"]))
    body = {
        CLIENT_PRACTITIONER.primary_key: guid,
        "new_name": f"Client of {practitioner_name or 'practitioner'}"[:200],
        SOURCE_KEY: source_key(customer_id, key),
        ORIGIN: key,
        "new_firstseen": row["first_seen"].isoformat() if row["first_seen"] else None,
        "new_lastseen": row["last_seen"].isoformat() if row["last_seen"] else None,
        "new_appointments": int(row["appointments"]),
        "new_clientid@odata.bind": f"/contacts({contact})",
        "new_practitionerid@odata.bind": f"/systemusers({user})",
    }
    return key, guid, body


async def load_relationships(
    client: object,
    con_factory: object,
    customer_id: str,
    run_kind: str,
    run_id: str,
    operator: str,
    owners: dict[str, str],
    names: dict[str, str],
    target: str,
) -> RelationshipLoad:
    """Write the partition's pairs whose practitioner has a user; the ledger records every write first as an
    intent (a killed load leaves it open), then with its outcome."""
    result = RelationshipLoad()
    with con_factory() as con:  # type: ignore[operator]
        rows = pairs(con, run_kind)
        known = ledger.known_state(con, run_kind, target, TABLE)
    last = {k: (h, s) for k, _, h, s, _ in known.iter_rows()}
    result.pairs = rows.height
    todo: list[tuple[str, str, dict, str]] = []
    unchanged: list[ledger.Operation] = []
    for row in rows.iter_rows(named=True):
        user = owners.get(str(row["practitioner_id"]))
        if user is None:
            result.no_user += 1
            continue
        key, guid, body = payload(customer_id, row, user, names.get(str(row["practitioner_id"])))
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        if last.get(key) == (digest, "loaded"):
            unchanged.append(ledger.Operation(TABLE, key, guid, "unchanged", "appointment", None, digest))
        else:
            todo.append((key, guid, body, digest))
    result.unchanged = len(unchanged)
    kinds = {key: "update" if key in last else "create" for key, _, _, _ in todo}
    intents = [ledger.Operation(TABLE, k, g, kinds[k], "appointment", None, d) for k, g, _, d in todo]
    with con_factory() as con:  # type: ignore[operator]
        ledger.intend(con, run_kind, target, run_id, operator, intents)

    async def send(key: str, guid: str, body: dict, digest: str) -> ledger.Operation:
        try:
            await client.patch(CLIENT_PRACTITIONER.entity_set, guid, body)  # type: ignore[attr-defined]
        except DataverseError as exc:
            return ledger.Operation(
                TABLE, key, guid, "failed", "appointment", None, digest, exc.status, exc.code, exc.message
            )
        return ledger.Operation(TABLE, key, guid, kinds[key], "appointment", None, digest, 204)

    done = await asyncio.gather(*(send(*item) for item in todo))
    result.created = sum(op.operation == "create" for op in done)
    result.updated = sum(op.operation == "update" for op in done)
    result.failed = sum(op.operation == "failed" for op in done)
    with con_factory() as con:  # type: ignore[operator]
        ledger.record(con, run_kind, target, run_id, operator, [*unchanged, *done])
    return result
