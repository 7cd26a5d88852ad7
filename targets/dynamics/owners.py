"""Owner resolution: practitioners matched to enabled Dynamics users by email, else the fallback owner.

Users are provisioned from Entra ID and never created by the migration (research/dataverse.md §7.5);
a practitioner with no enabled user by the same email (case-insensitive) has their records owned by
the customer's fallback owner, and the report lists who fell back, why, and with how many records. A matched
user must also be able to own every table their records go to: a real org refuses to assign a record to a
user without its Read privilege (403 0x80040231, research/dataverse.md §5.3), so `check_roles` asks the org
for each user's `prvRead<Entity>`, table by table: the records of the tables a user cannot own go to the
fallback owner (outcome `some_tables`, the tables and privileges in the reason), the others stay with the user;
a user who can own none of them falls back entirely (`no_role`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

OUTCOMES = ("matched", "some_tables", "disabled", "unmatched", "no_email", "no_role")
# Outcomes whose practitioner keeps the matched user as owner (of every table, or of the tables it can own).
OWNING_OUTCOMES = ("matched", "some_tables")
REASONS = {
    "disabled": "the user is disabled",
    "unmatched": "no user with this e-mail",
    "no_email": "no e-mail in the source",
}


class OwnerResolutionError(Exception):
    """The fallback owner is not an enabled user of the target: no record could get an owner."""


@dataclass(frozen=True)
class OwnerResolution:
    owners: dict[str, str]  # practitioner canonical id → systemuser GUID (matched only)
    fallback_owner: str  # systemuser GUID
    disabled_users: frozenset[str]
    practitioners: pl.DataFrame  # practitioner_id, email, outcome, systemuser_id, reason
    # practitioner → tables whose records the fallback owner gets although the practitioner has a user
    fallback_tables: dict[str, frozenset[str]] = field(default_factory=dict)


async def fetch_users(client: object) -> pl.DataFrame:
    """systemuserid, email (lower-cased), isdisabled of every user of the target org."""
    rows = await client.get_all(  # type: ignore[attr-defined]
        "systemusers", select=["systemuserid", "internalemailaddress", "isdisabled"]
    )
    return pl.DataFrame(
        [
            {
                "systemuser_id": r["systemuserid"],
                "email": (r.get("internalemailaddress") or "").strip().lower() or None,
                "isdisabled": bool(r.get("isdisabled")),
            }
            for r in rows
        ],
        schema={"systemuser_id": pl.String, "email": pl.String, "isdisabled": pl.Boolean},
    )


def resolve(practitioners: pl.DataFrame, users: pl.DataFrame, fallback_email: str) -> OwnerResolution:
    """Match `practitioners` (canonical_id, email) to `users`; raise when the fallback is unusable."""
    enabled = users.filter(~pl.col("isdisabled") & pl.col("email").is_not_null())
    fallback = enabled.filter(pl.col("email") == fallback_email.strip().lower())
    if fallback.is_empty():
        raise OwnerResolutionError(
            "fallback_owner_email is not an enabled user of the target org: create or enable that user, or change "
            "fallback_owner_email in the customer's configuration"
        )
    by_email = {e: u for u, e in users.select("systemuser_id", "email").drop_nulls().iter_rows()}
    disabled = set(users.filter(pl.col("isdisabled"))["systemuser_id"].to_list())
    rows, owners = [], {}
    for practitioner_id, email in practitioners.select("canonical_id", "email").iter_rows():
        address = (email or "").strip().lower()
        user = by_email.get(address) if address else None
        outcome = (
            "no_email"
            if not address
            else "unmatched"
            if user is None
            else "disabled"
            if user in disabled
            else "matched"
        )
        if outcome == "matched":
            owners[practitioner_id] = user
        rows.append(
            {
                "practitioner_id": practitioner_id,
                "email": email,
                "outcome": outcome,
                "systemuser_id": user,
                "reason": REASONS.get(outcome),
            }
        )
    table = pl.DataFrame(rows, schema=PRACTITIONER_SCHEMA)
    return OwnerResolution(owners, fallback["systemuser_id"][0], frozenset(disabled), table)


PRACTITIONER_SCHEMA = {
    "practitioner_id": pl.String,
    "email": pl.String,
    "outcome": pl.String,
    "systemuser_id": pl.String,
    "reason": pl.String,
}


def privilege_entity(definition: dict) -> str:
    """The entity part of a table's privilege names: the activity tables share `Activity`, notes are `Note`,
    every other table uses its SchemaName (e.g. `prvReadContact`)."""
    if definition.get("IsActivity"):
        return "Activity"
    return "Note" if definition.get("LogicalName") == "annotation" else str(definition["SchemaName"])


async def check_roles(client: object, resolution: OwnerResolution, tables: list[str]) -> OwnerResolution:
    """The resolution with each matched user checked per table of `tables` (its `prvRead<Entity>`): the tables a
    user cannot own fall back (outcome `some_tables`), a user who can own none of them falls back entirely
    (`no_role`); the reason names the missing privileges and their tables."""
    privileges: dict[str, list[str]] = {}
    for table in tables:
        definition = await client.entity_definition(table)  # type: ignore[attr-defined]
        privileges.setdefault(f"prvRead{privilege_entity(definition)}", []).append(table)
    lacking: dict[str, list[str]] = {}
    cannot_own: dict[str, set[str]] = {}
    for user in sorted(set(resolution.owners.values())):
        for privilege, owned in privileges.items():
            if not await client.user_holds(user, privilege):  # type: ignore[attr-defined]
                lacking.setdefault(user, []).append(f"{privilege} ({', '.join(owned)})")
                cannot_own.setdefault(user, set()).update(owned)
    if not lacking:
        return resolution
    none_owned = {user for user, owned in cannot_own.items() if owned >= set(tables)}
    reasons = {
        user: "the user's roles lack "
        + "; ".join(missing)
        + ("" if user in none_owned else ": those records are owned by the fallback owner")
        for user, missing in lacking.items()
    }
    outcomes = {user: "no_role" if user in none_owned else "some_tables" for user in lacking}
    practitioners = resolution.practitioners.with_columns(
        pl.col("systemuser_id").replace_strict(reasons, default=None).alias("_lacking"),
        pl.col("systemuser_id").replace_strict(outcomes, default=None).alias("_outcome"),
    ).with_columns(
        pl.when(pl.col("outcome") == "matched")
        .then(pl.coalesce("_outcome", "outcome"))
        .otherwise(pl.col("outcome"))
        .alias("outcome"),
        pl.when(pl.col("outcome") == "matched")
        .then(pl.coalesce("_lacking", "reason"))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    )
    owners = {p: u for p, u in resolution.owners.items() if u not in none_owned}
    fallback_tables = {p: frozenset(cannot_own[u]) for p, u in owners.items() if u in cannot_own}
    return replace(
        resolution,
        owners=owners,
        practitioners=practitioners.drop("_lacking", "_outcome"),
        fallback_tables=fallback_tables,
    )


def fallback_counts(resolution: OwnerResolution, owned: pl.DataFrame) -> pl.DataFrame:
    """Records per practitioner that will be owned by the fallback owner (`owned`: table, ownerid)."""
    resolved = set(resolution.owners)
    partly = [(p, t) for p, tables in resolution.fallback_tables.items() for t in tables]
    partly_frame = pl.DataFrame(partly, schema={"ownerid": pl.String, "table": pl.String}, orient="row").with_columns(
        pl.lit(True).alias("_falls")
    )
    fell_back = (
        owned.join(partly_frame, on=["ownerid", "table"], how="left")
        .filter(pl.col("ownerid").is_null() | ~pl.col("ownerid").is_in(list(resolved)) | pl.col("_falls").is_not_null())
        .drop("_falls")
    )
    return (
        fell_back.with_columns(pl.col("ownerid").fill_null("(no practitioner)"))
        .group_by("ownerid", "table")
        .len("records")
        .sort("ownerid", "table")
    )
