"""Practitioners' specialty and practitioner type onto their matched System User records (issue #22 item 5).

The schema plan creates `new_specialty` and `new_practitionertype` on systemuser (custom_tables.USER_COLUMNS) when
the target sets `practitioner_relationships`; the load writes each matched practitioner's canonical `specialty` and
`profession` (the practitioner type) there. A value the source does not have is not sent, so a value the org
already holds stays. The user exists before the migration: every write is ledgered as an update with the
pre-image of these two columns, so a rollback puts the org's own values back (rollback.ORG_UPDATES), and a second
run with the same values writes nothing. Two practitioner records matched to one user (the same e-mail) write the
first by canonical id; the others are counted `shared_user`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass

from targets import ledger
from targets.dynamics.custom_tables import USER_COLUMNS
from targets.dynamics.errors import DataverseError
from targets.dynamics.tables import TargetTable

# What the ledger and a rollback see: only the columns the migration writes on a user.
USERS = TargetTable("systemuser", "systemusers", "systemuserid", USER_COLUMNS, keyed=False)
SOURCE_FIELDS = {"new_specialty": "specialty", "new_practitionertype": "profession"}


@dataclass
class UserDetailsLoad:
    """Counts of one write of practitioner details onto users (no values)."""

    updated: int = 0
    unchanged: int = 0
    without_details: int = 0
    shared_user: int = 0
    failed: int = 0


def bodies(practitioners: list[dict], owners: dict[str, str]) -> tuple[dict[str, tuple[str, dict]], UserDetailsLoad]:
    """practitioner canonical id → (systemuser id, body) for matched practitioners with a specialty or type."""
    result = UserDetailsLoad()
    out: dict[str, tuple[str, dict]] = {}
    users_taken: set[str] = set()
    for row in sorted(practitioners, key=lambda r: str(r["canonical_id"])):
        user = owners.get(str(row["canonical_id"]))
        if user is None:
            continue
        body = {column: row.get(field) for column, field in SOURCE_FIELDS.items() if row.get(field)}
        if not body:
            result.without_details += 1
        elif user in users_taken:
            result.shared_user += 1
        else:
            users_taken.add(user)
            out[str(row["canonical_id"])] = (user, body)
    return out, result


async def write_user_details(
    client: object,
    con_factory: object,
    run_kind: str,
    run_id: str,
    operator: str,
    practitioners: list[dict],
    owners: dict[str, str],
    target: str,
) -> UserDetailsLoad:
    """Patch each matched practitioner's details onto the user, ledgered with the pre-image first."""
    todo, result = bodies(practitioners, owners)
    with con_factory() as con:  # type: ignore[operator]
        known = ledger.known_state(con, run_kind, target, USERS.name)
    last = {k: (h, s) for k, _, h, s, _ in known.iter_rows()}
    digests = {k: hashlib.sha256(json.dumps(b, sort_keys=True).encode()).hexdigest() for k, (_, b) in todo.items()}
    unchanged = [
        ledger.Operation(USERS.name, k, todo[k][0], "unchanged", "practitioner", None, d)
        for k, d in digests.items()
        if last.get(k) == (d, "loaded")
    ]
    changed = {k: v for k, v in todo.items() if last.get(k) != (digests[k], "loaded")}
    result.unchanged = len(unchanged)
    select = [USERS.primary_key, *(c.name for c in USER_COLUMNS)]
    found = await client.get_by_ids(USERS.entity_set, USERS.primary_key, [u for u, _ in changed.values()], select)  # type: ignore[attr-defined]
    images = {str(r[USERS.primary_key]).lower(): r for r in found}
    intents = [
        ledger.Operation(USERS.name, k, u, "update", "practitioner", None, digests[k], pre_image=images.get(u.lower()))
        for k, (u, _) in changed.items()
    ]
    with con_factory() as con:  # type: ignore[operator]
        ledger.intend(con, run_kind, target, run_id, operator, intents)

    async def send(key: str, user: str, body: dict) -> ledger.Operation:
        try:
            await client.patch(USERS.entity_set, user, body, if_match="*")  # type: ignore[attr-defined]
        except DataverseError as exc:
            return ledger.Operation(
                USERS.name, key, user, "failed", "practitioner", None, digests[key], exc.status, exc.code, exc.message
            )
        return ledger.Operation(USERS.name, key, user, "update", "practitioner", None, digests[key], 204)

    done = await asyncio.gather(*(send(k, u, b) for k, (u, b) in changed.items()))
    result.updated = sum(op.operation == "update" for op in done)
    result.failed = sum(op.operation == "failed" for op in done)
    with con_factory() as con:  # type: ignore[operator]
        ledger.record(con, run_kind, target, run_id, operator, [*unchanged, *done])
    return result
