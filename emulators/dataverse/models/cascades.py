"""What deleting a record does to the rows that refer to it: each relationship's CascadeConfiguration.Delete.

A real org keeps one `CascadeConfiguration` per one-to-many relationship; on delete of the referenced (parent) row
it applies `Delete` to every referencing (child) row: `Cascade` deletes the child too, `RemoveLink` clears the
child's lookup, `Restrict` refuses the delete while any child exists (0x80040227 CannotDeleteDueToAssociation),
`NoCascade` leaves the child as it is. The values below are read from the table reference pages (README
"Relationships and delete"); where the emulator has not verified a relationship on its page it models the
stricter case, `Restrict`.
"""

from __future__ import annotations

from .schema import TableDef

CASCADE, REMOVE_LINK, RESTRICT, NO_CASCADE = "Cascade", "RemoveLink", "Restrict", "NoCascade"
BEHAVIOURS = frozenset({CASCADE, REMOVE_LINK, RESTRICT, NO_CASCADE})

# (referencing table, lookup, referenced table) → (relationship SchemaName, Delete), as the reference page lists it.
DOCUMENTED: dict[tuple[str, str, str], tuple[str, str]] = {
    # powerapps-docs reference/entities/contact.md, One-To-Many Relationships.
    ("appointment", "regardingobjectid", "contact"): ("Contact_Appointments", CASCADE),
    ("task", "regardingobjectid", "contact"): ("Contact_Tasks", CASCADE),
    ("email", "regardingobjectid", "contact"): ("Contact_Emails", CASCADE),
    ("annotation", "objectid", "contact"): ("Contact_Annotation", CASCADE),
    ("activityparty", "partyid", "contact"): ("contact_activity_parties", NO_CASCADE),
    ("contact", "parentcustomerid", "contact"): ("contact_customer_contacts", REMOVE_LINK),
    ("account", "primarycontactid", "contact"): ("account_primary_contact", REMOVE_LINK),
    # dynamics-365-customer-engagement ce/developer/reference/entities/invoice.md, Many-to-One relationships.
    ("invoice", "customerid", "contact"): ("invoice_customer_contacts", RESTRICT),
    ("invoice", "customerid", "account"): ("invoice_customer_accounts", RESTRICT),
    ("invoice", "pricelevelid", "pricelevel"): ("price_level_invoices", RESTRICT),
    ("invoice", "transactioncurrencyid", "transactioncurrency"): ("transactioncurrency_invoice", RESTRICT),
    # … invoicedetail.md.
    ("invoicedetail", "invoiceid", "invoice"): ("invoice_details", CASCADE),
    ("invoicedetail", "productid", "product"): ("product_invoice_details", RESTRICT),
    ("invoicedetail", "uomid", "uom"): ("unit_of_measurement_invoice_details", RESTRICT),
    ("invoicedetail", "transactioncurrencyid", "transactioncurrency"): ("transactioncurrency_invoicedetail", RESTRICT),
    # … product.md and pricelevel.md.
    ("product", "pricelevelid", "pricelevel"): ("price_level_products", RESTRICT),
    ("pricelevel", "transactioncurrencyid", "transactioncurrency"): ("transactioncurrency_pricelevel", RESTRICT),
}
# The system columns of every table (invoice.md: lk_invoicebase_createdby, system_user_invoices, team_invoices,
# owner_invoices are NoCascade; business_unit_invoices is Restrict).
SYSTEM_COLUMNS: dict[str, str] = {
    "createdby": NO_CASCADE,
    "modifiedby": NO_CASCADE,
    "createdonbehalfby": NO_CASCADE,
    "modifiedonbehalfby": NO_CASCADE,
    "ownerid": NO_CASCADE,
    "owninguser": NO_CASCADE,
    "owningteam": NO_CASCADE,
    "owningbusinessunit": RESTRICT,
}
# Parental relationships whose own page the emulator has not read, modelled as their documented sibling: a note or
# an attachment goes with the record it belongs to (Contact_Annotation), an activity party with its activity.
PARENTAL: dict[tuple[str, str], str] = {
    ("annotation", "objectid"): CASCADE,
    ("activitymimeattachment", "objectid"): CASCADE,
    ("activityparty", "activityid"): CASCADE,
}


def relationship_name(referencing: str, attribute: str, referenced: str) -> str:
    """The SchemaName of a relationship the emulator has no documented name for."""
    return f"{referenced}_{referencing}_{attribute}"


def documented(referencing: str, attribute: str, referenced: str) -> tuple[str, str]:
    """(SchemaName, Delete) of one relationship: the documented value, else the stricter `Restrict`."""
    found = DOCUMENTED.get((referencing, attribute, referenced))
    if found is not None:
        return found
    name = relationship_name(referencing, attribute, referenced)
    if attribute in SYSTEM_COLUMNS:
        return name, SYSTEM_COLUMNS[attribute]
    return name, PARENTAL.get((referencing, attribute), RESTRICT)


def apply(table: TableDef) -> TableDef:
    """Give every lookup of `table` its relationships (a lookup already carrying one keeps it); returns the table."""
    for attr in table.attributes.values():
        if not attr.is_lookup:
            continue
        for target in attr.targets:
            if target not in attr.relationships:
                attr.relationships[target] = documented(table.logical, attr.name, target)
    return table
