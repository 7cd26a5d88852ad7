"""The Dataverse tables the migration writes: columns, types, lookups and custom columns.

This is the target model of `mappings/dynamics365.yaml` (the engine validates the spec against it and
stores mapped rows in the customer's `dynamics` schema) and the source of truth for the schema plan
(which `new_` columns and alternate keys must exist) and for the loader (how a row becomes a Web API
payload: lookups become `@odata.bind`, states a follow-up PATCH, parties `*_activity_parties`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import polars as pl

from checks.canonical import IDENTITY_COLUMNS, CanonicalField, entity_fields

Kind = Literal[
    "string",
    "memo",
    "int",
    "decimal",
    "money",
    "datetime",
    "date",
    "bool",
    "picklist",
    "lookup",
    "owner",
    "party",
    "state",
    "status",
    "file",
]
_DTYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "memo": pl.String(),
    "int": pl.Int64(),
    "decimal": pl.Decimal(18, 4),
    "money": pl.Decimal(18, 2),
    "datetime": pl.Datetime("us", "UTC"),
    "date": pl.Date(),
    "bool": pl.Boolean(),
    "picklist": pl.Int64(),
    "lookup": pl.String(),
    "owner": pl.String(),
    "party": pl.String(),
    "state": pl.Int64(),
    "status": pl.Int64(),
    "file": pl.String(),
}
SOURCE_KEY = "new_sourcesystemid"  # alternate key: <customer>/<canonical id> (DESIGN.md §4, payloads.source_key)
ORIGIN = "new_originid"  # the id in the first system the record came from
KEY_LENGTH = 200


@dataclass(frozen=True)
class Column:
    """One mapped column. `kind` says how the loader writes it:

    - plain kinds are sent as values (`custom` ones are `new_` columns the schema plan creates);
    - `lookup` holds the target row's key (a staged canonical id) and is sent as
      `<nav>@odata.bind: /<set>(<guid>)`; `owner` holds a practitioner's canonical id, resolved to a
      systemuser (or the fallback owner); `party` holds a contact key for the activity's parties;
    - `state`/`status` are applied after the row exists (activities ignore state on create, §7.1);
    - `file` holds the path of bytes to upload as the note's document.

    A plain column whose mapped value is empty is sent as null (a field cleared in the source is
    cleared in the target), except create-only ones.
    """

    name: str
    kind: Kind
    required: bool = False
    custom: bool = False
    max_length: int | None = None
    options: tuple[tuple[int, str], ...] = ()
    nav: str | None = None
    target: str | None = None
    description: str = ""
    # Valid on create only (IsValidForUpdate false, research/dataverse.md §7.1): left out of updates.
    create_only: bool = False
    # Calculated by Dataverse (invoice totals follow the lines, §7.4): never sent, but the read-back
    # compares it with the source's value — a reconciliation of the money.
    computed: bool = False
    # The attribute that holds the value once written, when not this one: overriddencreatedon's value becomes
    # createdon, and overriddencreatedon then holds the migration time (emulators/dataverse/README.md).
    read_as: str | None = None

    @property
    def read_name(self) -> str:
        """The attribute the read-back compares this column's value with."""
        return self.read_as or self.name

    @property
    def dtype(self) -> pl.DataType:
        return _DTYPES[self.kind]

    @property
    def sent(self) -> bool:
        """Sent as a plain attribute value in the upsert body."""
        return not self.computed and self.kind not in {"lookup", "owner", "party", "state", "status", "file"}


@dataclass(frozen=True)
class TargetTable:
    name: str  # logical name
    entity_set: str
    primary_key: str
    columns: tuple[Column, ...]
    activity: bool = False
    keyed: bool = True  # carries new_sourcesystemid / new_originid and the alternate key
    description: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def with_columns(self, extra: Sequence[Column]) -> TargetTable:
        """This table with a practice's own columns (custom form fields) added."""
        return replace(self, columns=self.columns + tuple(extra)) if extra else self

    @property
    def custom_columns(self) -> list[Column]:
        base = (
            [
                Column(SOURCE_KEY, "string", custom=True, max_length=KEY_LENGTH),
                Column(ORIGIN, "string", custom=True, max_length=KEY_LENGTH),
            ]
            if self.keyed
            else []
        )
        return base + [c for c in self.columns if c.custom]


def _text(name: str, length: int = 100, **kw: object) -> Column:
    return Column(name, "string", max_length=length, **kw)  # type: ignore[arg-type]


def _new(name: str, kind: Kind = "string", length: int | None = 200, **kw: object) -> Column:
    return Column(name, kind, custom=True, max_length=length if kind in {"string", "memo"} else None, **kw)  # type: ignore[arg-type]


def _address(prefix: str = "address1") -> list[Column]:
    return [
        _text(f"{prefix}_line1", 250),
        _text(f"{prefix}_line2", 250),
        _text(f"{prefix}_line3", 250),
        _text(f"{prefix}_city", 80),
        _text(f"{prefix}_stateorprovince", 50),
        _text(f"{prefix}_postalcode", 20),
        _text(f"{prefix}_country", 80),
    ]


_OWNER = Column("ownerid", "owner", description="practitioner whose systemuser owns the row (else the fallback owner)")
_CREATED = Column(
    "overriddencreatedon",
    "datetime",
    description="original created time (§5.2 anchors); the org keeps it as createdon",
    create_only=True,
    read_as="createdon",
)
_LOCATION = _new("new_location", length=160, description="site name (single-site practices, and every activity)")
REFERRAL_TYPES = ((100000000, "Doctor"), (100000001, "Other"))
APPOINTMENT_STATES = {
    "completed": (1, 3),
    "cancelled": (2, 4),
    "did_not_attend": (2, 4),
    "booked": (3, 5),
    "arrived": (1, 3),
}

TABLES: dict[str, TargetTable] = {
    t.name: t
    for t in [
        TargetTable(
            "businessunit",
            "businessunits",
            "businessunitid",
            (
                _text("name", 160, required=True),
                Column(
                    "parentbusinessunitid",
                    "lookup",
                    nav="parentbusinessunitid",
                    target="businessunit",
                    description="the root business unit",
                ),
                _text("emailaddress", 100),
                _text("websiteurl", 200),
            ),
            description="one per site of a multi-site practice",
        ),
        TargetTable(
            "account",
            "accounts",
            "accountid",
            (
                _text("name", 160, required=True),
                _text("telephone1", 50),
                _text("emailaddress1", 100),
                *_address(),
                Column("description", "memo"),
                _new("new_organisationtype", length=100),
                _OWNER,
                _CREATED,
            ),
            description="client organisations: insurers, employers, other third parties",
        ),
        TargetTable(
            "contact",
            "contacts",
            "contactid",
            (
                _text("salutation", 100),
                _text("firstname", 50),
                _text("middlename", 50),
                _text("lastname", 50, required=True),
                _text("nickname", 100),
                Column("birthdate", "date"),
                Column("gendercode", "picklist", options=((1, "Male"), (2, "Female"))),
                _text("emailaddress1", 100),
                _text("mobilephone", 50),
                _text("telephone1", 50),
                _text("telephone2", 50),
                *_address(),
                _text("jobtitle", 100),
                Column("description", "memo"),
                Column("donotbulkemail", "bool"),
                _new("new_nhi", length=20),
                _new("new_medicarenumber", length=20),
                _new("new_medicareirn", length=5),
                _new("new_nhsnumber", length=20),
                _new("new_dvanumber", length=20),
                _new("new_genderidentity", length=100),
                _new("new_pronouns", length=50),
                _new("new_emergencycontact", "memo", length=2000),
                _new("new_referralsource", length=200),
                _new("new_concessiontype", length=100),
                _new("new_providernumber", length=50),
                _new("new_organisationname", length=160),
                _new("new_referrerid", length=KEY_LENGTH, description="canonical id of the client's referrer contact"),
                _new("new_referraltype", "picklist", options=REFERRAL_TYPES, description="set on referrer contacts"),
                _new("new_location", length=160),
                Column("statecode", "state"),
                Column("statuscode", "status"),
                _OWNER,
                _CREATED,
            ),
            description="clients and referrers",
        ),
        TargetTable(
            "appointment",
            "appointments",
            "activityid",
            (
                _text("subject", 200, required=True),
                Column("scheduledstart", "datetime", required=True),
                Column("scheduledend", "datetime", required=True),
                Column("description", "memo"),
                _text("location", 200),
                Column("regardingobjectid", "lookup", nav="regardingobjectid_contact_appointment", target="contact"),
                Column("requiredattendees", "party", target="contact", description="participationtypemask 5 (§2.6)"),
                _new("new_attendance", length=30),
                _new("new_cancellationreason", length=200),
                _new(
                    "new_localstart",
                    length=40,
                    description="wall-clock start in the site's zone, e.g. 2025-09-28 09:00",
                ),
                _new("new_timezone", length=64),
                _LOCATION,
                Column("statecode", "state"),
                Column("statuscode", "status"),
                _OWNER,
                _CREATED,
            ),
            activity=True,
            description="appointments with a time",
        ),
        TargetTable(
            "task",
            "tasks",
            "activityid",
            (
                _text("subject", 200, required=True),
                Column("description", "memo"),
                Column("scheduledend", "datetime"),
                Column("regardingobjectid", "lookup", nav="regardingobjectid_contact_task", target="contact"),
                _new("new_attendance", length=30),
                _LOCATION,
                Column("statecode", "state"),
                Column("statuscode", "status"),
                _OWNER,
                _CREATED,
            ),
            activity=True,
            description="follow-ups without a time",
        ),
        TargetTable(
            "email",
            "emails",
            "activityid",
            (
                _text("subject", 200, required=True),
                Column("description", "memo"),
                Column("directioncode", "bool"),
                Column("actualend", "datetime"),
                Column("regardingobjectid", "lookup", nav="regardingobjectid_contact_email", target="contact"),
                Column("party_contact", "party", target="contact", description="to (outbound) or from (inbound)"),
                _new("new_channel", length=20),
                _new("new_sentat", "datetime"),
                Column("statecode", "state"),
                Column("statuscode", "status"),
                _OWNER,
                _CREATED,
            ),
            activity=True,
            description="SMS and email log",
        ),
        TargetTable(
            "annotation",
            "annotations",
            "annotationid",
            (
                _text("subject", 500),
                Column("notetext", "memo"),
                _text("filename", 255),
                _text("mimetype", 256),
                Column("objectid", "lookup", nav="objectid_contact", target="contact", required=True),
                Column("document", "file", description="path of the bytes to attach"),
                _OWNER,
                _CREATED,
            ),
            # A real org refuses new columns on Note (CanCreateAttributes false, emulators/dataverse/README.md):
            # no source-key column or alternate key. The row is keyed by its deterministic primary key
            # (payloads.record_guid) and its canonical id lives in the ledger; the note type leads the subject.
            keyed=False,
            description="clinical notes, medical alerts and attached documents",
        ),
        TargetTable(
            "invoice",
            "invoices",
            "invoiceid",
            (
                _text("name", 300, required=True),
                _text("invoicenumber", 100),
                Column("description", "memo"),
                Column("datedelivered", "date"),
                Column("totalamount", "money", computed=True),
                Column("totaltax", "money", computed=True),
                Column("customerid", "lookup", nav="customerid_contact", target="contact", required=True),
                Column("pricelevelid", "lookup", nav="pricelevelid", target="pricelevel"),
                Column("transactioncurrencyid", "lookup", nav="transactioncurrencyid", target="transactioncurrency"),
                _new("new_invoicestatus", length=30),
                _new("new_externalref", length=100, description="accounting reference (Xero invoice number or id)"),
                _new("new_payer", length=20, description="who pays: client, ACC or insurer (from the condition)"),
                _new("new_payername", length=400, description="invoice to, as written (client, ACC or insurer)"),
                _new("new_claimnumber", length=100, description="ACC45 or insurer claim number of the condition"),
                _new("new_conditionid", length=KEY_LENGTH, description="canonical id of the condition billed"),
                _new("new_conditionname", length=200, description="name of the condition billed"),
                _LOCATION,
                _OWNER,
                _CREATED,
            ),
            description="invoices (write-in lines, price list and currency resolved)",
        ),
        TargetTable(
            "invoicedetail",
            "invoicedetails",
            "invoicedetailid",
            (
                Column("invoiceid", "lookup", nav="invoiceid", target="invoice", required=True),
                Column("isproductoverridden", "bool"),
                _text("productdescription", 500),
                Column("quantity", "decimal", required=True),
                Column("priceperunit", "money"),
                Column("manualdiscountamount", "money"),
                Column("tax", "money"),
                _new("new_itemcode", length=50),
                _CREATED,
            ),
            description="invoice lines",
        ),
    ]
}


def column_field(column: Column) -> CanonicalField:
    ref = column.target if column.kind in {"lookup", "party"} and column.target in TABLES else None
    long_text = column.kind == "memo"  # multi-line text columns (a note's text, descriptions)
    return CanonicalField(column.name, column.dtype, not column.required, ref, column.description, long_text)


class DynamicsModel:
    """The target model of `mappings/dynamics365.yaml` (mappings.models.OutputModel)."""

    name = "dynamics365"
    identity = tuple(IDENTITY_COLUMNS)

    def entities(self) -> list[str]:
        return list(TABLES)

    def data_fields(self, entity: str) -> tuple[CanonicalField, ...]:
        return tuple(column_field(c) for c in TABLES[entity].columns)

    def fields(self, entity: str) -> tuple[CanonicalField, ...]:
        identity = tuple(f for f in entity_fields("site") if f.name in IDENTITY_COLUMNS)
        return identity + self.data_fields(entity)


MODEL = DynamicsModel()
