"""The schema plan: the custom columns and alternate keys the mapping needs, compared with the org.

Building the plan only reads metadata. It renders a numbered checklist a person approves; applying
it is a separate, explicit step that creates the missing columns and keys through the metadata API
and waits for every key index to become Active (research/dataverse.md §6). Loads are refused while
any item is missing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from checks.html import render_report
from targets.dynamics.tables import KEY_LENGTH, SOURCE_KEY, Column, TargetTable

SOLUTION = "practicemigration"
KEY_WAIT_SECONDS = 600.0  # an index over a large table can take minutes (§6.2)


def key_schema_name(table: str) -> str:
    return f"new_{table}_sourcesystemid_key"


@dataclass(frozen=True)
class PlanItem:
    number: int
    table: str
    kind: str  # "column" | "key"
    name: str
    detail: str
    status: str  # "present" | "missing" | "pending" (key index not Active yet)
    column: Column | None = field(default=None, compare=False)

    @property
    def ready(self) -> bool:
        return self.status == "present"


@dataclass(frozen=True)
class SchemaPlan:
    items: list[PlanItem]

    @property
    def missing(self) -> list[PlanItem]:
        return [i for i in self.items if not i.ready]

    @property
    def ready(self) -> bool:
        return not self.missing

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


async def build_plan(client: object, tables: list[TargetTable], extra_columns: dict[str, list[Column]]) -> SchemaPlan:
    """Compare what `tables` (plus `extra_columns` per table, e.g. custom fields) need with the org."""
    items: list[PlanItem] = []
    for table in tables:
        attributes = {a["LogicalName"] for a in await client.attributes(table.name)}  # type: ignore[attr-defined]
        keys = {k["SchemaName"].lower(): k for k in await client.keys(table.name)}  # type: ignore[attr-defined]
        for column in [*table.custom_columns, *extra_columns.get(table.name, [])]:
            status = "present" if column.name in attributes else "missing"
            items.append(PlanItem(len(items) + 1, table.name, "column", column.name, _detail(column), status, column))
        if table.keyed:
            key = keys.get(key_schema_name(table.name))
            status = (
                "missing" if key is None else "present" if key.get("EntityKeyIndexStatus") == "Active" else "pending"
            )
            items.append(
                PlanItem(
                    len(items) + 1,
                    table.name,
                    "key",
                    key_schema_name(table.name),
                    f"alternate key on {SOURCE_KEY} (length {KEY_LENGTH})",
                    status,
                )
            )
    return SchemaPlan(items)


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
    """Create every missing column, then every missing key, then wait until all keys are Active.
    Returns the items it created."""
    created = []
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
