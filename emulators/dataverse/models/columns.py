"""Shorthand constructors for column definitions and the system columns every table carries."""

from __future__ import annotations

from typing import Any

from .schema import AttributeDef, TableDef

INT_MIN, INT_MAX = -2_147_483_648, 2_147_483_647
DECIMAL_LIMIT = 100_000_000_000.0
MONEY_LIMIT = 922_337_203_685_477.0
PRIORITY = {0: "Low", 1: "Normal", 2: "High"}


def text(name: str, length: int = 100, **kw: Any) -> AttributeDef:
    return AttributeDef(name, "String", max_length=length, format=kw.pop("format", "Text"), **kw)


def memo(name: str, length: int = 2000, **kw: Any) -> AttributeDef:
    return AttributeDef(name, "Memo", max_length=length, format="TextArea", **kw)


def integer(name: str, low: int = INT_MIN, high: int = INT_MAX, **kw: Any) -> AttributeDef:
    return AttributeDef(name, "Integer", min_value=low, max_value=high, format="None", **kw)


def decimal(name: str, precision: int = 2, **kw: Any) -> AttributeDef:
    return AttributeDef(name, "Decimal", min_value=-DECIMAL_LIMIT, max_value=DECIMAL_LIMIT, precision=precision, **kw)


def money(name: str, **kw: Any) -> AttributeDef:
    return AttributeDef(name, "Money", min_value=-MONEY_LIMIT, max_value=MONEY_LIMIT, precision=2, **kw)


def day(name: str, **kw: Any) -> AttributeDef:
    """A DateOnly column (Edm.Date on the wire)."""
    return AttributeDef(name, "DateTime", format="DateOnly", **kw)


def instant(name: str, **kw: Any) -> AttributeDef:
    """A DateAndTime column (Edm.DateTimeOffset, stored in UTC)."""
    return AttributeDef(name, "DateTime", format="DateAndTime", **kw)


def flag(name: str, **kw: Any) -> AttributeDef:
    return AttributeDef(name, "Boolean", options={0: "No", 1: "Yes"}, **kw)


def choice(name: str, options: dict[int, str], **kw: Any) -> AttributeDef:
    return AttributeDef(name, "Picklist", options=dict(options), **kw)


def lookup(name: str, *targets: str, kind: str = "Lookup", **kw: Any) -> AttributeDef:
    return AttributeDef(name, kind, targets=tuple(targets), **kw)


def guid(name: str, **kw: Any) -> AttributeDef:
    return AttributeDef(name, "Uniqueidentifier", **kw)


def read_only(attr: AttributeDef) -> AttributeDef:
    """Computed or platform-set: ignored when sent on create or update."""
    attr.create = False
    attr.update = False
    return attr


def primary_key(name: str) -> AttributeDef:
    # research/dataverse.md §2.3: the PK may be supplied on create, never changed afterwards.
    return guid(name, update=False, required="SystemRequired")


def states(states: dict[int, tuple[str, int, dict[int, str]]], *, state_on_create: bool = True) -> list[AttributeDef]:
    """statecode/statuscode from ``{state: (state name, default status, {status: label})}``.

    ``state_on_create`` is statecode's IsValidForCreate: False on contact and the activities (their table
    reference pages); a value sent anyway is ignored (README "Tables that refuse custom columns")."""
    state_options = {value: name for value, (name, _, _) in states.items()}
    status_options: dict[int, str] = {}
    status_state: dict[int, int] = {}
    for state, (_, _, statuses) in states.items():
        status_options.update(statuses)
        status_state.update(dict.fromkeys(statuses, state))
    defaults = {state: default for state, (_, default, _) in states.items()}
    return [
        AttributeDef(
            "statecode",
            "State",
            required="SystemRequired",
            options=state_options,
            default_state=defaults,
            create=state_on_create,
        ),
        AttributeDef("statuscode", "Status", options=status_options, status_state=status_state),
    ]


def system_columns(ownership: str) -> list[AttributeDef]:
    """createdon/modifiedon/… and the owner columns that depend on the table's ownership type."""
    columns = [
        AttributeDef("versionnumber", "BigInt", create=False, update=False),
        read_only(instant("createdon")),
        read_only(instant("modifiedon")),
        read_only(lookup("createdby", "systemuser")),
        read_only(lookup("modifiedby", "systemuser")),
        read_only(lookup("createdonbehalfby", "systemuser")),
        read_only(lookup("modifiedonbehalfby", "systemuser")),
        # research/dataverse.md §7.1: "Date and time that the record was migrated", create-only.
        instant("overriddencreatedon", update=False),
        integer("importsequencenumber", update=False),
    ]
    if ownership == "UserOwned":
        columns += [
            lookup(
                "ownerid",
                "systemuser",
                "team",
                kind="Owner",
                required="SystemRequired",
                nav={"systemuser": "ownerid", "team": "ownerid"},
            ),
            read_only(lookup("owningbusinessunit", "businessunit")),
            read_only(lookup("owninguser", "systemuser")),
            read_only(lookup("owningteam", "team")),
        ]
    elif ownership == "OrganizationOwned":
        columns.append(read_only(lookup("organizationid", "organization")))
    return columns


def currency_columns() -> list[AttributeDef]:
    """Tables with money columns carry their currency and its exchange rate."""
    return [lookup("transactioncurrencyid", "transactioncurrency"), read_only(decimal("exchangerate", 10))]


def address(prefix: str) -> list[AttributeDef]:
    return [
        text(f"{prefix}_line1", 250),
        text(f"{prefix}_line2", 250),
        text(f"{prefix}_line3", 250),
        text(f"{prefix}_city", 80),
        text(f"{prefix}_stateorprovince", 50),
        text(f"{prefix}_postalcode", 20),
        text(f"{prefix}_country", 80),
    ]


def build_table(definition: TableDef, *columns: AttributeDef | list[AttributeDef]) -> TableDef:
    """Assemble a table: primary key, the given columns, then its system columns."""
    attrs: list[AttributeDef] = [primary_key(definition.pk)]
    for column in columns:
        attrs.extend(column if isinstance(column, list) else [column])
    attrs.extend(system_columns(definition.ownership))
    definition.attributes = {a.name: a for a in attrs}
    return definition.finish()
