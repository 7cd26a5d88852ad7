"""Owner resolution: practitioners matched to enabled Dynamics users by email, else the fallback owner.

Users are provisioned from Entra ID and never created by the migration (research/dataverse.md §7.5);
a practitioner with no enabled user by the same email (case-insensitive) has their records owned by
the customer's fallback owner, and the report lists who fell back, why, and with how many records. A matched
user must also be able to own every table their records go to: a real org refuses to assign a record to a
user without its Read privilege (403 0x80040231, research/dataverse.md §5.3), so `check_roles` asks the org
for each user's `prvRead<Entity>` and sends the records of one who lacks any to the fallback owner too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

OUTCOMES = ("matched", "disabled", "unmatched", "no_email", "no_role")
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
    practitioners: pl.DataFrame  # practitioner_id, email, outcome, systemuser_id


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
    """The resolution with every matched user who cannot own one of `tables` (lacks its `prvRead<Entity>`)
    moved to the fallback owner, outcome `no_role` and the missing privileges as the reason."""
    privileges: dict[str, list[str]] = {}
    for table in tables:
        definition = await client.entity_definition(table)  # type: ignore[attr-defined]
        privileges.setdefault(f"prvRead{privilege_entity(definition)}", []).append(table)
    lacking: dict[str, list[str]] = {}
    for user in sorted(set(resolution.owners.values())):
        for privilege, owned in privileges.items():
            if not await client.user_holds(user, privilege):  # type: ignore[attr-defined]
                lacking.setdefault(user, []).append(f"{privilege} ({', '.join(owned)})")
    if not lacking:
        return resolution
    reasons = {user: "the user's roles lack " + "; ".join(missing) for user, missing in lacking.items()}
    practitioners = resolution.practitioners.with_columns(
        pl.col("systemuser_id").replace_strict(reasons, default=None).alias("_lacking")
    ).with_columns(
        pl.when(pl.col("_lacking").is_not_null()).then(pl.lit("no_role")).otherwise(pl.col("outcome")).alias("outcome"),
        pl.coalesce("_lacking", "reason").alias("reason"),
    )
    owners = {p: u for p, u in resolution.owners.items() if u not in lacking}
    return replace(resolution, owners=owners, practitioners=practitioners.drop("_lacking"))


def fallback_counts(resolution: OwnerResolution, owned: pl.DataFrame) -> pl.DataFrame:
    """Records per practitioner that will be owned by the fallback owner (`owned`: table, ownerid)."""
    resolved = set(resolution.owners)
    fell_back = owned.filter(pl.col("ownerid").is_null() | ~pl.col("ownerid").is_in(list(resolved)))
    return (
        fell_back.with_columns(pl.col("ownerid").fill_null("(no practitioner)"))
        .group_by("ownerid", "table")
        .len("records")
        .sort("ownerid", "table")
    )
