"""The schema registry: standard tables plus the custom columns created through the metadata API."""

from __future__ import annotations

import dataclasses
from typing import Any

from .. import constants as c
from .. import exceptions as e
from . import cascades
from .columns import DECIMAL_LIMIT, INT_MAX, INT_MIN, MONEY_LIMIT, build_table, lookup, states, text
from .schema import AttributeDef, TableDef, stable_id
from .standard_tables import standard_tables
from .store import Store

# research/dataverse.md §6.1: the column types the migration creates, by metadata @odata.type.
CREATABLE = {
    "StringAttributeMetadata": "String",
    "MemoAttributeMetadata": "Memo",
    "IntegerAttributeMetadata": "Integer",
    "DecimalAttributeMetadata": "Decimal",
    "DoubleAttributeMetadata": "Double",
    "MoneyAttributeMetadata": "Money",
    "DateTimeAttributeMetadata": "DateTime",
    "BooleanAttributeMetadata": "Boolean",
    "PicklistAttributeMetadata": "Picklist",
}
STRING_MAX, MEMO_MAX = 4000, 1_048_576
# Object type codes of custom tables start at 10 000 (system tables lie below).
FIRST_CUSTOM_TYPE_CODE = 10_000
# A custom table's state model: Active/Inactive, as every table created through the metadata API has.
CUSTOM_STATES = {0: ("Active", 1, {1: "Active"}), 1: ("Inactive", 2, {2: "Inactive"})}
OWNERSHIP_TYPES = {"UserOwned", "OrganizationOwned"}


def label_text(value: Any, default: str) -> str:
    """The first localized label of a Label payload."""
    if isinstance(value, dict):
        for item in value.get("LocalizedLabels") or []:
            if isinstance(item, dict) and item.get("Label"):
                return str(item["Label"])
    return default


class Schema:
    """Table definitions by logical name and by entity set name."""

    def __init__(self, store: Store, multiple_overrides: dict[str, bool]) -> None:
        self.store = store
        self.multiple_overrides = multiple_overrides
        self.tables: dict[str, TableDef] = {}
        self.by_set: dict[str, TableDef] = {}
        self.reload()

    def reload(self) -> None:
        """Standard definitions plus every persisted custom table and column."""
        self.tables = standard_tables()
        for _, payload in sorted(self.store.meta_all("table").items()):
            table = _custom_table(payload, len(self.tables))
            self.tables[table.logical] = table
        self.by_set = {t.entity_set: t for t in self.tables.values()}
        for name, meta in sorted(self.store.meta_all("attribute").items()):
            entity = name.split(".", 1)[0]
            if entity in self.tables:
                self.tables[entity].add(AttributeDef(**restore_options(dict(meta))))
                cascades.apply(self.tables[entity])

    def entity_set(self, name: str) -> TableDef:
        table = self.by_set.get(name)
        if table is None:
            raise e.ResourceNotFound(segment=name)
        return table

    def table(self, logical: str) -> TableDef:
        table = self.tables.get(logical)
        if table is None:
            raise e.ObjectDoesNotExist(entity="EntityMetadata", id=logical)
        return table

    def table_by_key(self, key: str | dict[str, Any]) -> TableDef:
        """``EntityDefinitions(<MetadataId>)`` or ``EntityDefinitions(LogicalName='contact')``."""
        if isinstance(key, str):
            for table in self.tables.values():
                if table.metadata_id == key:
                    return table
            raise e.ObjectDoesNotExist(entity="EntityMetadata", id=key)
        name = str(key.get("LogicalName", "")).lower()
        if "LogicalName" not in key or name not in self.tables:
            raise e.ObjectDoesNotExist(entity="EntityMetadata", id=name or str(key))
        return self.tables[name]

    def supports_multiple(self, table: TableDef) -> bool:
        """CreateMultiple/UpdateMultiple/UpsertMultiple support (research/dataverse.md §3.2, §12 switch)."""
        return self.multiple_overrides.get(table.logical, table.supports_multiple)

    # -- custom tables and lookups (powerapps-docs "Create and update table definitions using the Web API",
    # "Create and update table relationships using the Web API") --------------------------------------------

    def create_table(self, payload: dict[str, Any]) -> TableDef:
        """A custom table from an EntityMetadata payload: SchemaName with a prefix, OwnershipType, and exactly one
        StringAttributeMetadata with IsPrimaryName true ("The entity must include the definition for the primary
        name attribute"). Entity set: the logical name + "s" (the page's new_bankaccount → new_bankaccounts).

        Raises:
            InvalidArgument: No prefixed SchemaName, an unknown OwnershipType, no primary name column.
            DuplicateEntitySchemaName: The table exists already.
        """
        if not isinstance(payload, dict):
            raise e.InvalidArgument(detail="Expected an EntityMetadata object.")
        schema_name = str(payload.get("SchemaName") or "")
        if not schema_name or "_" not in schema_name:
            raise e.InvalidArgument(detail="A custom entity needs a SchemaName with a customization prefix.")
        if str(payload.get("OwnershipType") or "") not in OWNERSHIP_TYPES:
            raise e.InvalidArgument(detail="OwnershipType must be UserOwned or OrganizationOwned.")
        primary = [a for a in payload.get("Attributes") or [] if isinstance(a, dict) and a.get("IsPrimaryName")]
        if len(primary) != 1 or "StringAttributeMetadata" not in str(primary[0].get("@odata.type", "")):
            raise e.InvalidArgument(detail="The entity must include one primary name StringAttributeMetadata.")
        logical = schema_name.lower()
        if logical in self.tables or f"{logical}s" in self.by_set:
            raise e.DuplicateEntitySchemaName(name=schema_name)
        table = _custom_table(payload, len(self.tables))
        self.tables[logical] = table
        self.by_set[table.entity_set] = table
        self.store.meta_put("table", logical, payload)
        return table

    def create_relationship(self, payload: dict[str, Any]) -> AttributeDef:
        """A one-to-many relationship: its Lookup becomes a column of the referencing table whose navigation
        property (the bind name) is the lookup's logical name.

        Raises:
            InvalidArgument: Not a OneToManyRelationshipMetadata with ReferencedEntity, ReferencingEntity, Lookup.
            ObjectDoesNotExist: Either table does not exist.
            CannotCreateAttributes / DuplicateAttributeSchemaName: as for any new column.
        """
        if not isinstance(payload, dict):
            raise e.InvalidArgument(detail="Expected a OneToManyRelationshipMetadata object.")
        odata_type = str(payload.get("@odata.type", ""))
        look = payload.get("Lookup")
        if "OneToManyRelationshipMetadata" not in odata_type or not isinstance(look, dict):
            raise e.InvalidArgument(detail="Expected a OneToManyRelationshipMetadata with a Lookup.")
        referenced = self.table(str(payload.get("ReferencedEntity") or "").lower())
        referencing = self.table(str(payload.get("ReferencingEntity") or "").lower())
        schema_name = str(look.get("SchemaName") or "")
        name = _new_column_name(referencing, schema_name)
        attr = lookup(name, referenced.logical)
        attr.relationships[referenced.logical] = (
            str(payload.get("SchemaName") or cascades.relationship_name(referencing.logical, name, referenced.logical)),
            _delete_behaviour(payload),
        )
        attr.custom = True
        attr.schema_name = schema_name
        attr.display = label_text(look.get("DisplayName"), schema_name)
        attr.metadata_id = stable_id("attribute", referencing.logical, name)
        referencing.add(attr)
        self.store.meta_put("attribute", f"{referencing.logical}.{name}", _to_meta(attr))
        return attr

    # -- custom columns (research/dataverse.md §6.1) -------------------------------------------------------

    def create_attribute(self, table: TableDef, payload: dict[str, Any]) -> AttributeDef:
        """Add a column from an AttributeMetadata payload.

        Raises:
            InvalidArgument: Missing SchemaName or an unsupported @odata.type.
            DuplicateAttributeSchemaName: The column exists already.
            CannotCreateAttributes: The table's CanCreateAttributes is false.
        """
        if not table.can_create_attributes:
            raise e.CannotCreateAttributes(entity=table.logical)
        odata_type = str(payload.get("@odata.type", "")).lstrip("#").rsplit(".", 1)[-1]
        kind = CREATABLE.get(odata_type)
        if kind is None:
            raise e.InvalidArgument(detail=f"Creating attributes of type '{odata_type or 'unknown'}' is not supported.")
        schema_name = str(payload.get("SchemaName") or "")
        logical = _new_column_name(table, schema_name)
        attr = AttributeDef(
            name=logical,
            type=kind,
            required=str((payload.get("RequiredLevel") or {}).get("Value", "None")),
            custom=True,
            schema_name=schema_name,
            display=label_text(payload.get("DisplayName"), schema_name),
            metadata_id=stable_id("attribute", table.logical, logical),
        )
        _apply_type_properties(attr, payload)
        table.add(attr)
        self.store.meta_put("attribute", f"{table.logical}.{logical}", _to_meta(attr))
        return attr

    def delete_attribute(self, table: TableDef, attribute_id: str) -> None:
        """Remove a custom column (standard columns cannot be deleted)."""
        for attr in list(table.attributes.values()):
            if attr.metadata_id == attribute_id.lower() or attr.name == attribute_id.lower():
                if not attr.custom:
                    raise e.OperationNotSupported(detail=f"The attribute {attr.name} is not a custom attribute.")
                del table.attributes[attr.name]
                self.store.meta_put("attribute", f"{table.logical}.{attr.name}", None)
                return
        raise e.ObjectDoesNotExist(entity="AttributeMetadata", id=attribute_id)


def _new_column_name(table: TableDef, schema_name: str) -> str:
    """The logical name of a new custom column (or lookup) on `table`.

    Raises:
        CannotCreateAttributes: The table's CanCreateAttributes is false.
        InvalidArgument: No SchemaName with a customization prefix.
        DuplicateAttributeSchemaName: The column exists already.
    """
    if not table.can_create_attributes:
        raise e.CannotCreateAttributes(entity=table.logical)
    if not schema_name or "_" not in schema_name:
        raise e.InvalidArgument(detail="A custom attribute needs a SchemaName with a customization prefix.")
    logical = schema_name.lower()
    if logical in table.attributes:
        raise e.DuplicateAttributeSchemaName(name=schema_name, entity=table.logical)
    return logical


def _custom_table(payload: dict[str, Any], count: int) -> TableDef:
    """The TableDef of a custom table's EntityMetadata payload (validated by Schema.create_table)."""
    logical = str(payload["SchemaName"]).lower()
    primary = next(a for a in payload.get("Attributes") or [] if isinstance(a, dict) and a.get("IsPrimaryName"))
    primary_name = str(primary["SchemaName"]).lower()
    ownership = str(payload["OwnershipType"])
    definition = TableDef(
        logical,
        f"{logical}s",
        f"{logical}id",
        primary_name,
        FIRST_CUSTOM_TYPE_CODE + count,
        ownership=ownership,
        # Custom standard tables take the bulk messages (research/dataverse.md §3.2).
        supports_multiple=True,
        has_notes=bool(payload.get("HasNotes")),
        custom=True,
        schema_name=str(payload["SchemaName"]),
        metadata_id=stable_id("entity", logical),
    )
    name_column = text(primary_name, max(1, min(int(primary.get("MaxLength") or 100), STRING_MAX)))
    name_column.custom = True
    name_column.schema_name = str(primary["SchemaName"])
    return cascades.apply(build_table(definition, name_column, states(CUSTOM_STATES)))


def _delete_behaviour(payload: dict[str, Any]) -> str:
    """CascadeConfiguration.Delete of a new relationship. The create-relationship page's examples always send one;
    without one (or with an unknown value) the emulator takes the stricter Restrict (README "Relationships and
    delete")."""
    configuration = payload.get("CascadeConfiguration")
    value = configuration.get("Delete") if isinstance(configuration, dict) else None
    return value if value in cascades.BEHAVIOURS else cascades.RESTRICT


def _apply_type_properties(attr: AttributeDef, payload: dict[str, Any]) -> None:
    kind = attr.type
    if kind in ("String", "Memo"):
        default, ceiling = (100, STRING_MAX) if kind == "String" else (2000, MEMO_MAX)
        attr.max_length = max(1, min(int(payload.get("MaxLength") or default), ceiling))
        attr.format = str(
            (payload.get("FormatName") or {}).get("Value") or ("Text" if kind == "String" else "TextArea")
        )
    elif kind == "Integer":
        attr.min_value = payload.get("MinValue", INT_MIN)
        attr.max_value = payload.get("MaxValue", INT_MAX)
        attr.format = str(payload.get("Format") or "None")
    elif kind in ("Decimal", "Double", "Money"):
        limit = MONEY_LIMIT if kind == "Money" else DECIMAL_LIMIT
        attr.min_value = payload.get("MinValue", -limit)
        attr.max_value = payload.get("MaxValue", limit)
        attr.precision = int(payload.get("Precision", 2))
    elif kind == "DateTime":
        behaviour = (payload.get("DateTimeBehavior") or {}).get("Value")
        attr.format = "DateOnly" if payload.get("Format") == "DateOnly" or behaviour == "DateOnly" else "DateAndTime"
    elif kind == "Boolean":
        options = payload.get("OptionSet") or {}
        attr.options = {
            0: label_text((options.get("FalseOption") or {}).get("Label"), "No"),
            1: label_text((options.get("TrueOption") or {}).get("Label"), "Yes"),
        }
    elif kind == "Picklist":
        attr.options = {}
        options = (payload.get("OptionSet") or {}).get("Options") or []
        for position, option in enumerate(options):
            # research/dataverse.md §6.1: omitted values are assigned from the publisher's option prefix.
            value = option.get("Value")
            value = int(value) if value is not None else c.OPTION_VALUE_PREFIX * 10_000 + position
            attr.options[value] = label_text(option.get("Label"), str(value))


def _to_meta(attr: AttributeDef) -> dict[str, Any]:
    meta = dataclasses.asdict(attr)
    meta["targets"] = list(attr.targets)
    meta["nav"] = {}
    if attr.options is not None:
        meta["options"] = {int(k): v for k, v in attr.options.items()}
    return meta


def restore_options(meta: dict[str, Any]) -> dict[str, Any]:
    """JSON turns int option keys into strings; put them back."""
    if meta.get("options"):
        meta["options"] = {int(k): v for k, v in meta["options"].items()}
    meta["targets"] = tuple(meta.get("targets") or ())
    # JSON turns the (SchemaName, Delete) pairs into lists; a column kept before relationships existed has `cascade`.
    meta["relationships"] = {k: tuple(v) for k, v in (meta.get("relationships") or {}).items()}
    meta.pop("cascade", None)
    return meta
