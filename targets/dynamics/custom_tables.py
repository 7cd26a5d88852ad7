"""What moving out of Gensolve needs beyond the mapped tables (issue #22 item 5): custom tables, lookups to them,
custom columns on System User, and the licence's custom-table limit.

- A client seen by several practitioners cannot be held by one owner per contact: the relationships go to a
  junction custom table, `new_clientpractitioner` (a lookup to the contact, one to the practitioner's systemuser).
- Practitioners' specialty and practitioner type are custom columns on the matched System User records
  (systemuser's `CanCreateAttributes` is true: "SystemUser (User) Entity Metadata", learn.microsoft.com
  gg328525; the schema plan reads the managed property from the org like for any table).
- The Dynamics 365 licensing guide (Appendix D "Custom Tables", e.g. the November 2021 edition): Sales
  Professional, Customer Service Professional and Operations – Activity may "create and modify up to 15 custom
  tables (per application)"; Team Members "up to 15 additional tables" per application module; Enterprise
  applications have "no limit". Dataverse itself does not enforce it (a partner's test created 20 custom
  tables under a Team Members licence unopposed: companial.com, "Understanding Business Central Team Member
  licenses", 2025), so the schema plan does: it counts the org's custom tables plus the planned ones against
  the customer's tier and refuses, with the numbers, before anything is created.

Tables are created with ``POST EntityDefinitions`` (powerapps-docs "Create and update table definitions using the
Web API": SchemaName with the publisher's prefix, OwnershipType, one primary name StringAttributeMetadata with
IsPrimaryName) and lookups with ``POST RelationshipDefinitions`` (a OneToManyRelationshipMetadata whose Lookup is
the new column on the referencing table: "Create and update table relationships using the Web API").
"""

from __future__ import annotations

from dataclasses import dataclass

from targets.dynamics.metadata import english_label
from targets.dynamics.tables import KEY_LENGTH, ORIGIN, SOURCE_KEY, Column

# Custom tables a licence tier lets the org hold; None: no limit (licensing guide, Appendix D).
LICENCE_CUSTOM_TABLES: dict[str, int | None] = {
    "sales_professional": 15,
    "customer_service_professional": 15,
    "team_members": 15,
    "sales_enterprise": None,
    "sales_premium": None,
    "customer_service_enterprise": None,
}


@dataclass(frozen=True)
class Lookup:
    """A lookup column of a custom table, created as the Lookup of a one-to-many relationship."""

    name: str  # logical (= schema) name, also the navigation property the loader binds with
    target: str  # the referenced table's logical name
    description: str


@dataclass(frozen=True)
class CustomTable:
    """A user-owned custom table the migration creates, keyed by `new_sourcesystemid` like the mapped tables."""

    name: str  # logical (= schema) name with the publisher prefix
    display: str
    display_plural: str
    primary_name: str
    columns: tuple[Column, ...]
    lookups: tuple[Lookup, ...]
    description: str

    @property
    def entity_set(self) -> str:
        # A custom table's entity set is its logical collection name (new_bankaccount → new_bankaccounts).
        return f"{self.name}s"

    @property
    def primary_key(self) -> str:
        return f"{self.name}id"

    @property
    def custom_columns(self) -> list[Column]:
        """The plain columns created after the table (its primary name column comes with it)."""
        return [
            Column(SOURCE_KEY, "string", custom=True, max_length=KEY_LENGTH),
            Column(ORIGIN, "string", custom=True, max_length=KEY_LENGTH),
            *self.columns,
        ]


CLIENT_PRACTITIONER = CustomTable(
    "new_clientpractitioner",
    "Client practitioner",
    "Client practitioners",
    "new_name",
    (
        Column("new_firstseen", "date", custom=True, description="first appointment with this practitioner"),
        Column("new_lastseen", "date", custom=True, description="last appointment with this practitioner"),
        Column("new_appointments", "int", custom=True, description="appointments with this practitioner"),
    ),
    (
        Lookup("new_clientid", "contact", "the client"),
        Lookup("new_practitionerid", "systemuser", "the practitioner's user"),
    ),
    "a client seen by a practitioner (a client seen by several has one row per practitioner)",
)

USER_COLUMNS: tuple[Column, ...] = (
    Column("new_specialty", "string", custom=True, max_length=200, description="practitioner's specialty"),
    Column("new_practitionertype", "string", custom=True, max_length=200, description="practitioner type"),
)


def entity_metadata(table: CustomTable) -> dict:
    """The ``POST EntityDefinitions`` body of a user-owned custom table with its primary name column."""
    return {
        "@odata.type": "Microsoft.Dynamics.CRM.EntityMetadata",
        "SchemaName": table.name,
        "DisplayName": english_label(table.display),
        "DisplayCollectionName": english_label(table.display_plural),
        "Description": english_label(table.description),
        "OwnershipType": "UserOwned",
        "IsActivity": False,
        "HasActivities": False,
        "HasNotes": False,
        "Attributes": [
            {
                "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
                "AttributeType": "String",
                "AttributeTypeName": {"Value": "StringType"},
                "SchemaName": table.primary_name,
                "IsPrimaryName": True,
                "MaxLength": 200,
                "FormatName": {"Value": "Text"},
                "RequiredLevel": {
                    "Value": "None",
                    "CanBeChanged": True,
                    "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
                },
                "DisplayName": english_label("Name"),
            }
        ],
    }


def relationship_metadata(table: CustomTable, lookup: Lookup) -> dict:
    """The ``POST RelationshipDefinitions`` body that creates `lookup` on `table` (one `lookup.target` to many)."""
    return {
        "@odata.type": "Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata",
        "SchemaName": f"{table.name}_{lookup.name}_{lookup.target}",
        "ReferencedEntity": lookup.target,
        "ReferencingEntity": table.name,
        # The bind name the loader uses is the lookup's logical name.
        "ReferencingEntityNavigationPropertyName": lookup.name,
        "CascadeConfiguration": {
            "Assign": "NoCascade",
            "Delete": "RemoveLink",
            "Merge": "NoCascade",
            "Reparent": "NoCascade",
            "Share": "NoCascade",
            "Unshare": "NoCascade",
        },
        "Lookup": {
            "@odata.type": "Microsoft.Dynamics.CRM.LookupAttributeMetadata",
            "AttributeType": "Lookup",
            "AttributeTypeName": {"Value": "LookupType"},
            "SchemaName": lookup.name,
            "DisplayName": english_label(lookup.description),
            "RequiredLevel": {
                "Value": "None",
                "CanBeChanged": True,
                "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
            },
        },
    }


def licence_limit(tier: str | None) -> int | None:
    """The custom tables `tier` allows (None: no limit, or no tier configured).

    Raises:
        ValueError: An unknown tier.
    """
    if tier is None:
        return None
    if tier not in LICENCE_CUSTOM_TABLES:
        raise ValueError(f"licence_tier {tier!r}: expected one of {', '.join(LICENCE_CUSTOM_TABLES)}")
    return LICENCE_CUSTOM_TABLES[tier]
