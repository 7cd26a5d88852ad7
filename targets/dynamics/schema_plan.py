"""The schema plan: the custom columns and alternate keys the mapping needs, compared with the org.

Building the plan only reads metadata. It renders a numbered checklist a person approves; applying
it is a separate, explicit step that creates the missing columns and keys through the metadata API
and waits for every key index to become Active (research/dataverse.md §6). Loads are refused while
any item is missing.

The plan proposes only what the org allows: a table whose metadata says `CanCreateAttributes` false
(Note on a real org) gets no column or key — a mapping that needs one there is `refused`, with the
reason. The standard columns the loader writes are checked against their `IsValidForCreate` /
`IsValidForUpdate`; one the org would ignore or refuse is `refused` too. A refused item cannot be
applied: the mapping (targets/dynamics/tables.py) has to change.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from checks.html import render_report
from targets.dynamics.business_logic import BYPASS_PRIVILEGE, GRANT_HINT, needs_privilege
from targets.dynamics.custom_tables import (
    CustomTable,
    Lookup,
    entity_metadata,
    licence_limit,
    relationship_metadata,
)
from targets.dynamics.errors import TerminalError
from targets.dynamics.tables import KEY_LENGTH, SOURCE_KEY, Column, TargetTable

SOLUTION = "practicemigration"
KEY_WAIT_SECONDS = 600.0  # an index over a large table can take minutes (§6.2)


def key_schema_name(table: str) -> str:
    return f"new_{table}_sourcesystemid_key"


@dataclass(frozen=True)
class PlanItem:
    number: int
    table: str
    kind: str  # "table" | "lookup" | "column" | "key" | "business logic" | "licence"
    name: str
    detail: str
    # "present" | "missing" | "pending" (key index not Active yet) | "refused" (the org does not allow it) |
    # "warning" (ready, but a person should know: the org's own logic will run)
    status: str
    column: Column | None = field(default=None, compare=False)
    custom_table: CustomTable | None = field(default=None, compare=False)
    lookup: Lookup | None = field(default=None, compare=False)

    @property
    def ready(self) -> bool:
        return self.status in {"present", "warning"}


@dataclass(frozen=True)
class PlanExtras:
    """What the plan creates beyond the mapped tables (targets/dynamics/custom_tables.py): custom tables, and the
    customer's licence tier their count is held against (`target.<run>.licence_tier`)."""

    custom_tables: tuple[CustomTable, ...] = ()
    licence_tier: str | None = None


class LicenceLimitError(Exception):
    """Applying the plan would take the org past its licence's custom-table limit; nothing was created."""


@dataclass(frozen=True)
class SchemaPlan:
    items: list[PlanItem]

    @property
    def missing(self) -> list[PlanItem]:
        return [i for i in self.items if not i.ready]

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def licence_refusal(self) -> PlanItem | None:
        """The licence item when the plan's custom tables would exceed the tier's limit."""
        return next((i for i in self.items if i.kind == "licence" and i.status == "refused"), None)

    def markdown(self) -> str:
        lines = [
            "# Schema plan",
            "",
            f"{len(self.items)} items, {len(self.missing)} to create or wait for.",
            "",
            "| # | table | kind | name | detail | status |",
            "|---|---|---|---|---|---|",
        ]
        lines += [f"| {i.number} | {i.table} | {i.kind} | `{i.name}` | {i.detail} | {i.status} |" for i in self.items]
        return "\n".join(lines) + "\n"

    def html(self) -> str:
        return render_report("schema_plan.html.j2", "targets.dynamics", title="Schema plan", plan=self)


def _detail(column: Column) -> str:
    if column.kind == "picklist":
        return "Picklist: " + ", ".join(f"{v} {label}" for v, label in column.options)
    size = f" ({column.max_length})" if column.max_length else ""
    return {
        "string": "String",
        "memo": "Memo",
        "date": "Date (DateOnly)",
        "datetime": "DateTime",
        "money": "Money",
        "decimal": "Decimal",
        "int": "Integer",
        "bool": "Boolean",
    }[column.kind] + size


def _managed_value(entity: dict, name: str) -> bool:
    """A BooleanManagedProperty of EntityMetadata (``{"Value": …}``); absent means allowed."""
    value = entity.get(name)
    return bool(value.get("Value", True)) if isinstance(value, dict) else True


def _written_columns(table: TargetTable) -> list[tuple[Column, bool, bool]]:
    """The standard columns the loader writes: (column, written on create, written on update). Plain values and
    lookups go in the upsert body (updates leave create-only ones out); state and status in a later update."""
    written = []
    for column in table.columns:
        if column.custom or column.computed or column.kind in {"party", "file"}:
            continue
        if column.kind in {"state", "status"}:
            written.append((column, False, True))
        else:
            written.append((column, True, not column.create_only))
    return written


def _refusal(column: Column, attribute: dict | None, on_create: bool, on_update: bool) -> str | None:
    if attribute is None:
        return "the org has no such column"
    if on_create and attribute.get("IsValidForCreate") is False:
        return "IsValidForCreate is false: the org ignores or refuses it on create"
    if on_update and attribute.get("IsValidForUpdate") is False:
        return "IsValidForUpdate is false: mark it create-only"
    return None


async def _business_logic_items(client: object, run_business_logic: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(name, detail, status) of the pre-flight on the org's own logic: a warning when the customer lets some of
    it run, and, for each application user, whether it holds the privilege the bypass headers need."""
    items = []
    if run_business_logic:
        kinds = ", ".join(run_business_logic)
        items.append(
            (
                "run_business_logic",
                f"not bypassed ({kinds}): the org's own plug-ins or flows run on every record this load writes "
                "and may contact patients (DESIGN.md §6); bypassed only when the customer's target sets none",
                "warning",
            )
        )
    if needs_privilege(run_business_logic):
        for client_id, response in await client.as_each_user("GET", "WhoAmI"):  # type: ignore[attr-defined]
            user_id = response.json()["UserId"]
            if await client.user_holds(user_id, BYPASS_PRIVILEGE):  # type: ignore[attr-defined]
                items.append((f"{BYPASS_PRIVILEGE} ({client_id})", "held by the application user", "present"))
            else:
                detail = f"application user {client_id} (systemuser {user_id}) lacks it: {GRANT_HINT}"
                items.append((f"{BYPASS_PRIVILEGE} ({client_id})", detail, "missing"))
    return items


async def build_plan(
    client: object,
    tables: list[TargetTable],
    extra_columns: dict[str, list[Column]],
    extras: PlanExtras | None = None,
) -> SchemaPlan:
    """Compare what `tables` (plus `extra_columns` per table, e.g. custom fields, also on tables not loaded such
    as systemuser) and `extras` (custom tables, held against the licence tier) need with the org, and check
    the application users may send the business-logic bypass headers (the connection's `run_business_logic`
    says what the customer lets run)."""
    items: list[PlanItem] = []
    extras = extras or PlanExtras()

    def add(
        table: str,
        kind: str,
        name: str,
        detail: str,
        status: str,
        column: Column | None = None,
        custom_table: CustomTable | None = None,
        lookup: Lookup | None = None,
    ) -> None:
        items.append(PlanItem(len(items) + 1, table, kind, name, detail, status, column, custom_table, lookup))

    for table in tables:
        entity = await client.entity_definition(table.name)  # type: ignore[attr-defined]
        attributes = {a["LogicalName"]: a for a in await client.attributes(table.name)}  # type: ignore[attr-defined]
        keys = {k["SchemaName"].lower(): k for k in await client.keys(table.name)}  # type: ignore[attr-defined]
        takes_columns = _column_items(
            table.name, entity, attributes, [*table.custom_columns, *extra_columns.get(table.name, [])], add
        )
        not_allowed = f"; the org allows no new column on {table.name} (CanCreateAttributes false)"
        for column, on_create, on_update in _written_columns(table):
            reason = _refusal(column, attributes.get(column.name), on_create, on_update)
            if reason:
                add(table.name, "column", column.name, f"standard column written by the load: {reason}", "refused")
        if table.keyed:
            key = keys.get(key_schema_name(table.name))
            detail = f"alternate key on {SOURCE_KEY} (length {KEY_LENGTH})"
            if key is None:
                status = "missing" if takes_columns else "refused"
                add(
                    table.name,
                    "key",
                    key_schema_name(table.name),
                    detail + ("" if takes_columns else not_allowed),
                    status,
                )
            else:
                status = "present" if key.get("EntityKeyIndexStatus") == "Active" else "pending"
                add(table.name, "key", key_schema_name(table.name), detail, status)
    loaded = {t.name for t in tables}
    for name, columns in extra_columns.items():
        if name in loaded or not columns:
            continue
        entity = await client.entity_definition(name)  # type: ignore[attr-defined]
        attributes = {a["LogicalName"]: a for a in await client.attributes(name)}  # type: ignore[attr-defined]
        _column_items(name, entity, attributes, columns, add)
    new_tables = []
    for custom in extras.custom_tables:
        if not await _custom_table_items(client, custom, add):
            new_tables.append(custom.name)
    if extras.custom_tables or extras.licence_tier:
        await _licence_item(client, extras.licence_tier, new_tables, add)
    run_business_logic = client.connection.run_business_logic  # type: ignore[attr-defined]
    for name, detail, status in await _business_logic_items(client, run_business_logic):
        add("(org)", "business logic", name, detail, status)
    return SchemaPlan(items)


def _column_items(table: str, entity: dict, attributes: dict, columns: list[Column], add: object) -> bool:
    """Plan items of the custom `columns` of `table`: present, missing, or refused where the table's metadata
    allows no new column (research/dataverse.md §6.1). Returns whether it allows them."""
    takes_columns = _managed_value(entity, "CanCreateAttributes") and _managed_value(entity, "IsCustomizable")
    not_allowed = f"; the org allows no new column on {table} (CanCreateAttributes false)"
    for column in columns:
        if column.name in attributes:
            add(table, "column", column.name, _detail(column), "present", column)  # type: ignore[operator]
        elif takes_columns:
            add(table, "column", column.name, _detail(column), "missing", column)  # type: ignore[operator]
        else:
            add(table, "column", column.name, _detail(column) + not_allowed, "refused", column)  # type: ignore[operator]
    return takes_columns


async def _custom_table_items(client: object, custom: CustomTable, add: object) -> bool:
    """The items of one custom table (the table, its lookups, columns and key); whether the org has it."""
    try:
        await client.entity_definition(custom.name)  # type: ignore[attr-defined]
    except TerminalError as exc:
        if exc.status != 404:
            raise
        exists = False
    else:
        exists = True
    attributes = {a["LogicalName"] for a in await client.attributes(custom.name)} if exists else set()  # type: ignore[attr-defined]
    keys = {k["SchemaName"].lower(): k for k in await client.keys(custom.name)} if exists else {}  # type: ignore[attr-defined]
    status = "present" if exists else "missing"
    add(custom.name, "table", custom.name, f"custom table (user-owned): {custom.description}", status, None, custom)  # type: ignore[operator]
    for lookup in custom.lookups:
        found = "present" if lookup.name in attributes else "missing"
        detail = f"Lookup to {lookup.target}: {lookup.description}"
        add(custom.name, "lookup", lookup.name, detail, found, None, custom, lookup)  # type: ignore[operator]
    for column in custom.custom_columns:
        found = "present" if column.name in attributes else "missing"
        add(custom.name, "column", column.name, _detail(column), found, column)  # type: ignore[operator]
    key = keys.get(key_schema_name(custom.name))
    detail = f"alternate key on {SOURCE_KEY} (length {KEY_LENGTH})"
    key_status = "missing" if key is None else "present" if key.get("EntityKeyIndexStatus") == "Active" else "pending"
    add(custom.name, "key", key_schema_name(custom.name), detail, key_status)  # type: ignore[operator]
    return exists


async def _licence_item(client: object, tier: str | None, new_tables: list[str], add: object) -> None:
    """The org's custom tables plus the ones the plan creates, against the tier's limit (custom_tables.py)."""
    existing = await client.custom_entities()  # type: ignore[attr-defined]
    limit = licence_limit(tier)
    total = len(existing) + len(new_tables)
    counts = f"{len(existing)} custom tables in the org + {len(new_tables)} to create = {total}"
    listed = f" (in the org: {', '.join(existing)})" if existing else ""
    if tier is None:
        status = "warning" if new_tables else "present"
        detail = f"{counts}; no licence_tier configured for this target, so the limit is not checked"
    elif limit is None:
        status, detail = "present", f"{counts}; {tier} sets no custom-table limit"
    elif total > limit:
        status = "refused"
        detail = f"{counts}, over the {limit} custom tables {tier} allows{listed}"
    else:
        status, detail = "present", f"{counts}, within the {limit} custom tables {tier} allows"
    add("(org)", "licence", f"custom tables ({tier or 'no tier'})", detail, status)  # type: ignore[operator]


def _label(text: str) -> dict:
    return {
        "@odata.type": "Microsoft.Dynamics.CRM.Label",
        "LocalizedLabels": [
            {"@odata.type": "Microsoft.Dynamics.CRM.LocalizedLabel", "Label": text, "LanguageCode": 1033}
        ],
    }


def attribute_metadata(column: Column) -> dict:
    """The metadata-API body that creates `column` (research/dataverse.md §6.1)."""
    schema_name = column.name
    common = {
        "SchemaName": schema_name,
        "DisplayName": _label(column.description or column.name),
        "RequiredLevel": {
            "Value": "None",
            "CanBeChanged": True,
            "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
        },
    }
    kind = column.kind
    if kind == "string":
        return {
            "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
            "AttributeType": "String",
            "AttributeTypeName": {"Value": "StringType"},
            "MaxLength": column.max_length or 100,
            "FormatName": {"Value": "Text"},
            **common,
        }
    if kind == "memo":
        return {
            "@odata.type": "Microsoft.Dynamics.CRM.MemoAttributeMetadata",
            "AttributeType": "Memo",
            "AttributeTypeName": {"Value": "MemoType"},
            "Format": "TextArea",
            "MaxLength": column.max_length or 2000,
            **common,
        }
    if kind in {"date", "datetime"}:
        return {
            "@odata.type": "Microsoft.Dynamics.CRM.DateTimeAttributeMetadata",
            "AttributeType": "DateTime",
            "AttributeTypeName": {"Value": "DateTimeType"},
            "Format": "DateOnly" if kind == "date" else "DateAndTime",
            **common,
        }
    if kind == "money":
        return {
            "@odata.type": "Microsoft.Dynamics.CRM.MoneyAttributeMetadata",
            "AttributeType": "Money",
            "AttributeTypeName": {"Value": "MoneyType"},
            "PrecisionSource": 2,
            **common,
        }
    if kind == "decimal":
        return {
            "@odata.type": "Microsoft.Dynamics.CRM.DecimalAttributeMetadata",
            "AttributeType": "Decimal",
            "AttributeTypeName": {"Value": "DecimalType"},
            "Precision": 4,
            **common,
        }
    if kind == "int":
        return {
            "@odata.type": "Microsoft.Dynamics.CRM.IntegerAttributeMetadata",
            "AttributeType": "Integer",
            "AttributeTypeName": {"Value": "IntegerType"},
            "Format": "None",
            **common,
        }
    if kind == "bool":
        return {
            "@odata.type": "Microsoft.Dynamics.CRM.BooleanAttributeMetadata",
            "AttributeType": "Boolean",
            "AttributeTypeName": {"Value": "BooleanType"},
            "OptionSet": {
                "@odata.type": "Microsoft.Dynamics.CRM.BooleanOptionSetMetadata",
                "TrueOption": {"Value": 1, "Label": _label("Yes")},
                "FalseOption": {"Value": 0, "Label": _label("No")},
            },
            **common,
        }
    if kind == "picklist":
        return {
            "@odata.type": "Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
            "AttributeType": "Picklist",
            "AttributeTypeName": {"Value": "PicklistType"},
            "OptionSet": {
                "@odata.type": "Microsoft.Dynamics.CRM.OptionSetMetadata",
                "IsGlobal": False,
                "OptionSetType": "Picklist",
                "Options": [{"Value": v, "Label": _label(text)} for v, text in column.options],
            },
            **common,
        }
    raise ValueError(f"no column type for kind {kind!r}")


async def apply_plan(client: object, plan: SchemaPlan, *, key_wait_seconds: float = KEY_WAIT_SECONDS) -> list[PlanItem]:
    """Create every missing custom table, lookup and column, then every missing key, then wait until all keys are
    Active. Returns the items it created.

    Raises:
        LicenceLimitError: The plan's custom tables would exceed the licence tier's limit; nothing is created.
    """
    refusal = plan.licence_refusal
    if refusal is not None:
        raise LicenceLimitError(f"schema plan item {refusal.number}: {refusal.detail}; nothing was created")
    created = []
    for item in plan.items:
        if item.kind == "table" and item.status == "missing" and item.custom_table is not None:
            await client.create_entity(entity_metadata(item.custom_table), solution=SOLUTION)  # type: ignore[attr-defined]
            created.append(item)
    for item in plan.items:
        if item.kind == "lookup" and item.status == "missing" and item.custom_table and item.lookup:
            metadata = relationship_metadata(item.custom_table, item.lookup)
            await client.create_relationship(metadata, solution=SOLUTION)  # type: ignore[attr-defined]
            created.append(item)
    for item in plan.items:
        if item.kind == "column" and item.status == "missing" and item.column is not None:
            await client.create_attribute(item.table, attribute_metadata(item.column), solution=SOLUTION)  # type: ignore[attr-defined]
            created.append(item)
    for item in plan.items:
        if item.kind == "key" and item.status == "missing":
            await client.create_key(item.table, item.name, [SOURCE_KEY], solution=SOLUTION)  # type: ignore[attr-defined]
            created.append(item)
    waits = {}
    for item in plan.items:
        if item.kind == "key" and item.status in {"missing", "pending"}:
            waits.setdefault(item.table, []).append(item.name)
    await asyncio.gather(
        *(
            client.wait_for_keys_active(table, names, timeout=key_wait_seconds)  # type: ignore[attr-defined]
            for table, names in waits.items()
        )
    )
    return created
