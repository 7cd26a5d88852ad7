"""Owner resolution: practitioners matched to enabled Dynamics users by email, else the fallback owner.

Users are provisioned from Entra ID and never created by the migration (research/dataverse.md §7.5);
a practitioner with no enabled user by the same email (case-insensitive) has their records owned by
the customer's fallback owner, and the report lists who fell back, why, and with how many records. A matched
user must also be able to own every table their records go to: a real org refuses to assign a record to a
user without its Read privilege (403 0x80040231, research/dataverse.md §5.3), so `check_roles` asks the org
for each user's `prvRead<Entity>`, table by table: the records of the tables a user cannot own go to the
fallback owner (outcome `some_tables`, the tables and privileges in the reason), the others stay with the user;
a user who can own none of them falls back entirely (`no_role`). The application user must also reach the owner:
its `prvCreate<Entity>` and `prvAssign<Entity>` at a depth covering the owner's business unit (PrivilegeDepth:
Basic its own records, Local its business unit, Deep that unit and those below, Global all), else a real org refuses
the write with 403 0x80040220. A user without a licence (`islicensed` false) or whose access mode is Administrative
or Read cannot own records (emulators/dataverse/README.md "Security roles, teams and owners").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

OUTCOMES = ("matched", "some_tables", "disabled", "unlicensed", "access_mode", "unmatched", "no_email", "no_role")
# Outcomes whose practitioner keeps the matched user as owner (of every table, or of the tables it can own).
OWNING_OUTCOMES = ("matched", "some_tables")
REASONS = {
    "disabled": "the user is disabled",
    "unlicensed": "the user has no licence (islicensed is false)",
    "access_mode": "the user's access mode (Administrative or Read) cannot own records",
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
    # systemuser GUID → its business unit (what the application user's privilege depth must reach)
    user_units: dict[str, str] = field(default_factory=dict)


# systemuser accessmode: Administrative (1) and Read (2) users cannot own business records; Non-interactive (4) users
# (application users) need no licence.
CANNOT_OWN_ACCESS_MODES = (1, 2)
NON_INTERACTIVE = 4
USER_SCHEMA = {
    "systemuser_id": pl.String,
    "email": pl.String,
    "isdisabled": pl.Boolean,
    "islicensed": pl.Boolean,
    "accessmode": pl.Int64,
    "business_unit": pl.String,
}


async def fetch_users(client: object) -> pl.DataFrame:
    """systemuserid, email (lower-cased), isdisabled, islicensed, accessmode and business unit of every user of the
    target org."""
    rows = await client.get_all(  # type: ignore[attr-defined]
        "systemusers",
        select=[
            "systemuserid",
            "internalemailaddress",
            "isdisabled",
            "islicensed",
            "accessmode",
            "_businessunitid_value",
        ],
    )
    return pl.DataFrame(
        [
            {
                "systemuser_id": r["systemuserid"],
                "email": (r.get("internalemailaddress") or "").strip().lower() or None,
                "isdisabled": bool(r.get("isdisabled")),
                "islicensed": bool(r.get("islicensed")),
                "accessmode": int(r.get("accessmode") or 0),
                "business_unit": (r.get("_businessunitid_value") or "").lower() or None,
            }
            for r in rows
        ],
        schema=USER_SCHEMA,
    )


def _able(users: pl.DataFrame) -> pl.Expr:
    """Users who may own records: enabled, licensed (or non-interactive), an access mode that owns records."""
    licensed = pl.col("islicensed") | (pl.col("accessmode") == NON_INTERACTIVE)
    return ~pl.col("isdisabled") & licensed & ~pl.col("accessmode").is_in(list(CANNOT_OWN_ACCESS_MODES))


def resolve(practitioners: pl.DataFrame, users: pl.DataFrame, fallback_email: str) -> OwnerResolution:
    """Match `practitioners` (canonical_id, email) to `users`; raise when the fallback is unusable."""
    enabled = users.filter(_able(users) & pl.col("email").is_not_null())
    fallback = enabled.filter(pl.col("email") == fallback_email.strip().lower())
    if fallback.is_empty():
        raise OwnerResolutionError(
            "fallback_owner_email is not an enabled user of the target org that can own records (licensed, access "
            "mode Read-Write): create, enable or license that user, or change fallback_owner_email in the customer's "
            "configuration"
        )
    by_email = {e: u for u, e in users.select("systemuser_id", "email").drop_nulls().iter_rows()}
    disabled = set(users.filter(pl.col("isdisabled"))["systemuser_id"].to_list())
    unlicensed = set(
        users.filter(~pl.col("islicensed") & (pl.col("accessmode") != NON_INTERACTIVE))["systemuser_id"].to_list()
    )
    wrong_mode = set(users.filter(pl.col("accessmode").is_in(list(CANNOT_OWN_ACCESS_MODES)))["systemuser_id"].to_list())
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
            else "access_mode"
            if user in wrong_mode
            else "unlicensed"
            if user in unlicensed
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
    units = {u.lower(): b for u, b in users.select("systemuser_id", "business_unit").drop_nulls().iter_rows()}
    return OwnerResolution(owners, fallback["systemuser_id"][0], frozenset(disabled), table, user_units=units)


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
    """The resolution with each matched user checked per table of `tables`: the user's `prvRead<Entity>`, and the
    application user's `prvCreate<Entity>` / `prvAssign<Entity>` at a depth reaching the user's business unit. The
    tables a user cannot own fall back (outcome `some_tables`), a user who can own none of them falls back entirely
    (`no_role`); the reason names the missing privileges and their tables.

    Raises:
        OwnerResolutionError: The fallback owner itself cannot own some table (nothing could be assigned there).
    """
    entities: dict[str, list[str]] = {}
    for table in tables:
        definition = await client.entity_definition(table)  # type: ignore[attr-defined]
        entities.setdefault(privilege_entity(definition), []).append(table)
    reach = await _CallerReach.of(client, list(entities))
    lacking: dict[str, list[str]] = {}
    cannot_own: dict[str, set[str]] = {}
    for user in sorted(set(resolution.owners.values()) | {resolution.fallback_owner}):
        unit = resolution.user_units.get(user.lower())
        read_missing = []
        for entity, owned in entities.items():
            listed = ", ".join(owned)
            if not await client.user_holds(user, f"prvRead{entity}"):  # type: ignore[attr-defined]
                read_missing.append(f"prvRead{entity} ({listed})")
                cannot_own.setdefault(user, set()).update(owned)
            for missing in reach.missing(entity, user, unit):
                lacking.setdefault(user, []).append(f"{missing} ({listed})")
                cannot_own.setdefault(user, set()).update(owned)
        if read_missing:
            lacking.setdefault(user, []).insert(0, "the user's roles lack " + "; ".join(read_missing))
    if resolution.fallback_owner in lacking:
        raise OwnerResolutionError(
            "the fallback owner cannot own records of "
            + ", ".join(sorted(cannot_own[resolution.fallback_owner]))
            + ": "
            + "; ".join(lacking.pop(resolution.fallback_owner))
            + " — grant those privileges through a security role, or change fallback_owner_email"
        )
    if not lacking:
        return resolution
    none_owned = {user for user, owned in cannot_own.items() if owned >= set(tables)}
    reasons = {
        user: "; ".join(missing) + ("" if user in none_owned else ": those records are owned by the fallback owner")
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


class _CallerReach:
    """What the application user (WhoAmI) can create and assign: the depth of its `prvCreate<Entity>` and
    `prvAssign<Entity>`, its business unit and the units below it."""

    def __init__(self, caller: str, unit: str, below: set[str], depths: dict[str, str | None]) -> None:
        self.caller, self.unit, self.below, self.depths = caller, unit, below, depths

    @classmethod
    async def of(cls, client: object, entities: list[str]) -> _CallerReach:
        me = await client.whoami()  # type: ignore[attr-defined]
        caller, unit = str(me["UserId"]).lower(), str(me["BusinessUnitId"]).lower()
        units = await client.get_all(  # type: ignore[attr-defined]
            "businessunits", select=["businessunitid", "_parentbusinessunitid_value"]
        )
        children: dict[str, list[str]] = {}
        for row in units:
            parent = (row.get("_parentbusinessunitid_value") or "").lower()
            children.setdefault(parent, []).append(str(row["businessunitid"]).lower())
        below, todo = set(), [unit]
        while todo:
            found = todo.pop()
            below.add(found)
            todo += children.get(found, [])
        depths = {
            name: await client.privilege_depth(caller, name)  # type: ignore[attr-defined]
            for entity in entities
            for name in (f"prvCreate{entity}", f"prvAssign{entity}")
        }
        return cls(caller, unit, below, depths)

    def missing(self, entity: str, user: str, unit: str | None) -> list[str]:
        """Why the application user cannot give `user` (in business unit `unit`) records of `entity`."""
        same = user.lower() == self.caller
        reasons = []
        for name in (f"prvCreate{entity}", f"prvAssign{entity}"):
            depth = self.depths[name]
            if depth is None:
                reasons.append(f"the application user lacks {name}")
            elif not (depth == "Global" or same or (depth == "Local" and unit == self.unit)) and not (
                depth == "Deep" and unit in self.below
            ):
                reasons.append(
                    f"the application user's {name} is at {depth} depth, which does not reach the user's business unit"
                )
        return reasons


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
