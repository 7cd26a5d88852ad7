"""Owner resolution: practitioners matched to enabled Dynamics users by email, else the fallback owner.

Users are provisioned from Entra ID and never created by the migration (research/dataverse.md §7.5);
a practitioner with no enabled user by the same email (case-insensitive) has their records owned by
the customer's fallback owner, and the report lists who fell back with how many records.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

OUTCOMES = ("matched", "disabled", "unmatched", "no_email")


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
        rows.append({"practitioner_id": practitioner_id, "email": email, "outcome": outcome, "systemuser_id": user})
    table = pl.DataFrame(
        rows,
        schema={"practitioner_id": pl.String, "email": pl.String, "outcome": pl.String, "systemuser_id": pl.String},
    )
    return OwnerResolution(owners, fallback["systemuser_id"][0], frozenset(disabled), table)


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
