"""EntityMetadata, AttributeMetadata, OptionSet and EntityKeyMetadata as the Web API returns them."""
# Shapes from research/dataverse.md §6.3.

from __future__ import annotations

from typing import Any

from .. import constants as c
from .keys import AlternateKey
from .schema import METADATA_TYPES, TYPE_NAMES, AttributeDef, TableDef, label, stable_id


def entity(table: TableDef) -> dict[str, Any]:
    """One EntityDefinitions row."""
    return {
        "@odata.type": "#Microsoft.Dynamics.CRM.EntityMetadata",
        "MetadataId": table.metadata_id,
        "LogicalName": table.logical,
        "SchemaName": table.schema_name,
        "EntitySetName": table.entity_set,
        "LogicalCollectionName": table.entity_set,
        "CollectionSchemaName": table.schema_name + "s",
        "PrimaryIdAttribute": table.pk,
        "PrimaryNameAttribute": table.primary_name,
        "ObjectTypeCode": table.object_type_code,
        "OwnershipType": table.ownership if table.ownership != "None" else "None",
        "IsActivity": table.is_activity,
        "IsCustomEntity": table.custom,
        "IsPrivate": False,
        "IsIntersect": False,
        "HasNotes": table.has_notes,
        "HasActivities": table.logical in ("account", "contact", "invoice"),
        "IsValidForAdvancedFind": True,
        "CanCreateAttributes": _managed(table.can_create_attributes, "cancreateattributes"),
        "IsCustomizable": _managed(table.is_customizable, "iscustomizable"),
        "ChangeTrackingEnabled": False,
        "DisplayName": label(table.schema_name),
        "DisplayCollectionName": label(table.schema_name + "s"),
        "Description": label(""),
    }


def _managed(value: bool, name: str) -> dict[str, Any]:
    """A BooleanManagedProperty: the value, and (for a system table) that a customiser cannot change it."""
    return {"Value": value, "CanBeChanged": False, "ManagedPropertyLogicalName": name}


def attribute(table: TableDef, attr: AttributeDef) -> dict[str, Any]:
    """One AttributeMetadata row (type-specific properties included, OptionSet only on $expand)."""
    body: dict[str, Any] = {
        "@odata.type": f"#{c.NAMESPACE}.{METADATA_TYPES.get(attr.type, 'AttributeMetadata')}",
        "MetadataId": attr.metadata_id,
        "LogicalName": attr.name,
        "SchemaName": attr.schema_name,
        "EntityLogicalName": table.logical,
        "AttributeType": attr.type,
        "AttributeTypeName": {"Value": TYPE_NAMES.get(attr.type, "VirtualType")},
        "IsCustomAttribute": attr.custom,
        "IsPrimaryId": attr.name == table.pk,
        "IsPrimaryName": attr.name == table.primary_name,
        "IsValidForCreate": attr.create,
        "IsValidForUpdate": attr.update,
        "IsValidForRead": attr.read,
        "RequiredLevel": {
            "Value": attr.required,
            "CanBeChanged": attr.custom,
            "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
        },
        "DisplayName": label(attr.display),
        "Description": label(""),
    }
    if attr.type in ("String", "Memo"):
        body["MaxLength"] = attr.max_length
        body["FormatName"] = {"Value": attr.format or "Text"}
    if attr.type in ("Integer", "Decimal", "Double", "Money", "BigInt"):
        body["MinValue"] = attr.min_value
        body["MaxValue"] = attr.max_value
    if attr.type in ("Decimal", "Double", "Money"):
        body["Precision"] = attr.precision
    if attr.type == "Integer":
        body["Format"] = attr.format or "None"
    if attr.type == "DateTime":
        body["Format"] = attr.format
        body["DateTimeBehavior"] = {"Value": "DateOnly" if attr.format == "DateOnly" else "UserLocal"}
    if attr.is_lookup or attr.type == "PartyList":
        body["Targets"] = list(attr.targets)
    return body


def option_set(table: TableDef, attr: AttributeDef) -> dict[str, Any] | None:
    """The OptionSet of a Picklist/State/Status/Boolean column."""
    if attr.options is None:
        return None
    kinds = {"Picklist": "Picklist", "State": "State", "Status": "Status", "Boolean": "Boolean"}
    body: dict[str, Any] = {
        "MetadataId": stable_id("optionset", table.logical, attr.name),
        "Name": f"{table.logical}_{attr.name}",
        "IsGlobal": False,
        "OptionSetType": kinds.get(attr.type, "Picklist"),
        "IsCustomOptionSet": attr.custom,
    }
    if attr.type == "Boolean":
        body["TrueOption"] = {"Value": 1, "Label": label(attr.options.get(1, "Yes"))}
        body["FalseOption"] = {"Value": 0, "Label": label(attr.options.get(0, "No"))}
        return body
    options = []
    for value, text in attr.options.items():
        option: dict[str, Any] = {"Value": value, "Label": label(text), "Color": None, "IsManaged": False}
        if attr.type == "State" and attr.default_state:
            option["DefaultStatus"] = attr.default_state.get(value)
            option["InvariantName"] = text
        if attr.type == "Status" and attr.status_state:
            option["State"] = attr.status_state.get(value)
        options.append(option)
    body["Options"] = options
    return body


def key(table: TableDef, alternate_key: AlternateKey, status: str) -> dict[str, Any]:
    """One EntityKeyMetadata row; EntityKeyIndexStatus spelling per research/dataverse.md §6.2."""
    return {
        "MetadataId": alternate_key.metadata_id,
        "SchemaName": alternate_key.schema_name,
        "LogicalName": alternate_key.logical_name,
        "EntityLogicalName": table.logical,
        "KeyAttributes": list(alternate_key.attributes),
        "EntityKeyIndexStatus": status,
        "DisplayName": label(alternate_key.display_name),
        "IsManaged": False,
        "AsyncJob": None,
    }


def relationship(tables: dict[str, TableDef], table: TableDef, attr: AttributeDef, target: str) -> dict[str, Any]:
    """One OneToManyRelationshipMetadata row: the lookup `attr` of `table` pointing at `target`. Of the
    CascadeConfiguration only `Delete` is modelled and returned (README "Relationships and delete")."""
    name, delete = attr.relationships.get(target) or (f"{target}_{table.logical}_{attr.name}", "Restrict")
    referenced = tables.get(target)
    return {
        "@odata.type": f"#{c.NAMESPACE}.OneToManyRelationshipMetadata",
        "MetadataId": stable_id("relationship", name),
        "SchemaName": name,
        "RelationshipType": "OneToManyRelationship",
        "IsCustomRelationship": attr.custom,
        "IsManaged": not attr.custom,
        "IsHierarchical": False,
        "ReferencedEntity": target,
        "ReferencedAttribute": referenced.pk if referenced else f"{target}id",
        "ReferencingEntity": table.logical,
        "ReferencingAttribute": attr.name,
        "ReferencedEntityNavigationPropertyName": name,
        "ReferencingEntityNavigationPropertyName": attr.nav.get(target, attr.name),
        "CascadeConfiguration": {"Delete": delete},
    }


def relationships(tables: dict[str, TableDef]) -> list[dict[str, Any]]:
    """Every one-to-many relationship of the org's lookups (one per lookup and target table)."""
    return [
        relationship(tables, table, attr, target)
        for table in tables.values()
        for attr in table.attributes.values()
        if attr.is_lookup
        for target in attr.targets
    ]


def project(item: dict[str, Any], select: list[str] | None) -> dict[str, Any]:
    """Keep ``MetadataId``, ``@odata.type`` and the selected properties (unknown names are skipped)."""
    if not select:
        return item
    keep = set(select) | {"MetadataId"}
    return {k: v for k, v in item.items() if k in keep or k.startswith("@")}
