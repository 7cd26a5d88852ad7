"""Table and column definitions (the emulator's EntityMetadata / AttributeMetadata)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

NAMESPACE = uuid.UUID("5b0c2ad4-4f3e-4a8e-9a55-6f7d0a1de1a7")
LOOKUP_TYPES = frozenset({"Lookup", "Owner", "Customer"})
# research/dataverse.md §6.2: the column types an alternate key may use.
KEYABLE_TYPES = frozenset({"Decimal", "Integer", "String", "DateTime", "Lookup", "Customer", "Owner", "Picklist"})
TYPE_NAMES = {
    "String": "StringType",
    "Memo": "MemoType",
    "Integer": "IntegerType",
    "BigInt": "BigIntType",
    "Decimal": "DecimalType",
    "Double": "DoubleType",
    "Money": "MoneyType",
    "DateTime": "DateTimeType",
    "Boolean": "BooleanType",
    "Picklist": "PicklistType",
    "State": "StateType",
    "Status": "StatusType",
    "Lookup": "LookupType",
    "Owner": "OwnerType",
    "Customer": "CustomerType",
    "Uniqueidentifier": "UniqueidentifierType",
    "EntityName": "EntityNameType",
    "PartyList": "PartyListType",
}
METADATA_TYPES = {
    "String": "StringAttributeMetadata",
    "Memo": "MemoAttributeMetadata",
    "Integer": "IntegerAttributeMetadata",
    "BigInt": "BigIntAttributeMetadata",
    "Decimal": "DecimalAttributeMetadata",
    "Double": "DoubleAttributeMetadata",
    "Money": "MoneyAttributeMetadata",
    "DateTime": "DateTimeAttributeMetadata",
    "Boolean": "BooleanAttributeMetadata",
    "Picklist": "PicklistAttributeMetadata",
    "State": "StateAttributeMetadata",
    "Status": "StatusAttributeMetadata",
    "Lookup": "LookupAttributeMetadata",
    "Owner": "LookupAttributeMetadata",
    "Customer": "LookupAttributeMetadata",
    "Uniqueidentifier": "UniqueIdentifierAttributeMetadata",
    "EntityName": "EntityNameAttributeMetadata",
    "PartyList": "LookupAttributeMetadata",
}
EDM_TYPES = {
    "String": "Edm.String",
    "Memo": "Edm.String",
    "Integer": "Edm.Int32",
    "BigInt": "Edm.Int64",
    "Decimal": "Edm.Decimal",
    "Double": "Edm.Double",
    "Money": "Edm.Decimal",
    "Boolean": "Edm.Boolean",
    "Picklist": "Edm.Int32",
    "State": "Edm.Int32",
    "Status": "Edm.Int32",
    "Uniqueidentifier": "Edm.Guid",
    "EntityName": "Edm.String",
    "Lookup": "Edm.Guid",
    "Owner": "Edm.Guid",
    "Customer": "Edm.Guid",
}


def stable_id(*parts: str) -> str:
    """A GUID that stays the same across restarts for the same definition."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def label(text: str) -> dict[str, Any]:
    """A Microsoft.Dynamics.CRM.Label in language 1033."""
    localized = {"@odata.type": "#Microsoft.Dynamics.CRM.LocalizedLabel", "Label": text, "LanguageCode": 1033}
    return {"LocalizedLabels": [localized], "UserLocalizedLabel": localized}


@dataclass
class AttributeDef:
    """One column: type, requirement level, limits, options and lookup targets."""

    name: str
    type: str
    required: str = "None"
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    precision: int | None = None
    format: str | None = None
    options: dict[int, str] | None = None
    targets: tuple[str, ...] = ()
    create: bool = True
    update: bool = True
    read: bool = True
    custom: bool = False
    schema_name: str = ""
    display: str = ""
    nav: dict[str, str] = field(default_factory=dict)
    # Per target table: the one-to-many relationship's SchemaName and its CascadeConfiguration.Delete
    # (models/cascades.py).
    relationships: dict[str, tuple[str, str]] = field(default_factory=dict)
    default_state: dict[int, int] | None = None
    status_state: dict[int, int] | None = None
    metadata_id: str = ""

    @property
    def is_lookup(self) -> bool:
        return self.type in LOOKUP_TYPES

    def on_delete(self, target: str) -> str:
        """What deleting a `target` row this lookup points at does to the row (Restrict where unknown)."""
        relationship = self.relationships.get(target)
        return relationship[1] if relationship else "Restrict"

    @property
    def edm_type(self) -> str:
        """The OData type of the value (DateOnly columns are Edm.Date)."""
        if self.type == "DateTime":
            return "Edm.Date" if self.format == "DateOnly" else "Edm.DateTimeOffset"
        return EDM_TYPES.get(self.type, "Edm.String")

    @property
    def wire_name(self) -> str:
        """The property name in JSON payloads: lookups read back as ``_<name>_value``."""
        return f"_{self.name}_value" if self.is_lookup else self.name


@dataclass
class TableDef:
    """One table: names, keys, ownership, columns, state model and bulk-message support."""

    logical: str
    entity_set: str
    pk: str
    primary_name: str | None
    object_type_code: int
    ownership: str = "UserOwned"
    attributes: dict[str, AttributeDef] = field(default_factory=dict)
    is_activity: bool = False
    supports_multiple: bool = False
    has_notes: bool = True
    custom: bool = False
    read_only: bool = False
    # EntityMetadata managed properties (README "Tables that refuse custom columns"): whether new columns may
    # be added, and whether the table can be customised at all.
    can_create_attributes: bool = True
    is_customizable: bool = True
    state_names: dict[int, str] = field(default_factory=dict)
    writable_states: frozenset[int] = frozenset()
    party_masks: frozenset[int] = frozenset()
    schema_name: str = ""
    metadata_id: str = ""
    navs: dict[str, tuple[str, str]] = field(default_factory=dict)

    def finish(self) -> TableDef:
        """Fill derived names, ids and the navigation-property map; returns self."""
        self.schema_name = self.schema_name or self.logical.title().replace("_", "")
        self.metadata_id = self.metadata_id or stable_id("entity", self.logical)
        for attr in self.attributes.values():
            self._finish_attribute(attr)
        return self

    def _finish_attribute(self, attr: AttributeDef) -> None:
        attr.schema_name = attr.schema_name or attr.name
        attr.display = attr.display or attr.name
        attr.metadata_id = attr.metadata_id or stable_id("attribute", self.logical, attr.name)
        for target in attr.targets:
            nav = attr.nav.get(target) or (attr.name if len(attr.targets) == 1 else f"{attr.name}_{target}")
            attr.nav[target] = nav
            seen = self.navs.get(nav)
            # One navigation property over several targets (ownerid → systemuser|team): the bound URL decides.
            self.navs[nav] = (attr.name, "*" if seen and seen[1] != target else target)

    def add(self, attr: AttributeDef) -> None:
        """Add a column (custom columns created through the metadata API)."""
        self.attributes[attr.name] = attr
        self._finish_attribute(attr)

    @property
    def state_attr(self) -> AttributeDef | None:
        return self.attributes.get("statecode")

    @property
    def status_attr(self) -> AttributeDef | None:
        return self.attributes.get("statuscode")

    @property
    def state_enum(self) -> str:
        """The enum name Dataverse uses in state/status messages, e.g. ``AppointmentState``."""
        return f"{self.schema_name}State"

    @property
    def party_collection(self) -> str | None:
        """The activity-party collection navigation property, e.g. ``appointment_activity_parties``."""
        return f"{self.logical}_activity_parties" if self.party_masks else None
