"""Invoices, invoice lines and the catalogue tables they refer to (research/dataverse.md §7.4)."""

from __future__ import annotations

from .columns import (
    build_table,
    choice,
    currency_columns,
    day,
    decimal,
    flag,
    integer,
    lookup,
    memo,
    money,
    read_only,
    states,
    text,
)
from .schema import TableDef

ACTIVE_INACTIVE = {0: ("Active", 1, {1: "Active"}), 1: ("Inactive", 2, {2: "Inactive"})}


def invoice() -> TableDef:
    # research/dataverse.md §7.4 (state/status UNCONFIRMED).
    return build_table(
        TableDef(
            "invoice", "invoices", "invoiceid", "name", 1090, supports_multiple=True, writable_states=frozenset({0})
        ),
        text("name", 300, required="ApplicationRequired"),
        text("invoicenumber", 100),
        lookup("customerid", "account", "contact", kind="Customer", required="ApplicationRequired"),
        lookup("pricelevelid", "pricelevel"),
        day("datedelivered"),
        day("duedate"),
        memo("description"),
        read_only(money("totalamount")),
        read_only(money("totallineitemamount")),
        read_only(money("totaltax")),
        money("discountamount"),
        decimal("discountpercentage"),
        money("freightamount"),
        flag("ispricelocked"),
        text("billto_name", 200),
        text("billto_line1", 250),
        text("billto_city", 80),
        text("billto_postalcode", 20),
        text("billto_country", 80),
        states(
            {
                0: (
                    "Active",
                    1,
                    {1: "New", 2: "Partially Shipped", 4: "Billed", 5: "Booked", 6: "Installed"},
                ),
                1: ("Closed", 3, {3: "Canceled"}),
                2: ("Paid", 7, {7: "Complete", 8: "Partial"}),
                3: ("Canceled", 100003, {100003: "Canceled"}),
            }
        ),
        currency_columns(),
    )


def invoicedetail() -> TableDef:
    return build_table(
        TableDef(
            "invoicedetail",
            "invoicedetails",
            "invoicedetailid",
            "productdescription",
            1091,
            supports_multiple=True,
            has_notes=False,
        ),
        lookup("invoiceid", "invoice", required="SystemRequired"),
        lookup("productid", "product"),
        lookup("uomid", "uom"),
        flag("isproductoverridden"),
        text("productdescription", 500),
        decimal("quantity", 5, required="SystemRequired"),
        money("priceperunit"),
        flag("ispriceoverridden"),
        money("manualdiscountamount"),
        money("tax"),
        read_only(money("baseamount")),
        read_only(money("extendedamount")),
        memo("description"),
        integer("lineitemnumber", 0),
        currency_columns(),
    )


def catalogue() -> list[TableDef]:
    return [
        build_table(
            TableDef(
                "pricelevel",
                "pricelevels",
                "pricelevelid",
                "name",
                1022,
                ownership="OrganizationOwned",
                supports_multiple=True,
            ),
            text("name", 100, required="SystemRequired"),
            day("begindate"),
            day("enddate"),
            memo("description"),
            lookup("transactioncurrencyid", "transactioncurrency", required="SystemRequired"),
            states({0: ("Active", 100001, {100001: "Active"}), 1: ("Inactive", 100002, {100002: "Inactive"})}),
        ),
        build_table(
            TableDef(
                "transactioncurrency",
                "transactioncurrencies",
                "transactioncurrencyid",
                "currencyname",
                9105,
                ownership="OrganizationOwned",
            ),
            text("currencyname", 100, required="SystemRequired"),
            text("isocurrencycode", 5, required="SystemRequired"),
            text("currencysymbol", 13, required="SystemRequired"),
            decimal("exchangerate", 10, required="SystemRequired"),
            integer("currencyprecision", 0, 4),
            states(ACTIVE_INACTIVE),
        ),
        build_table(
            TableDef("uomschedule", "uomschedules", "uomscheduleid", "name", 1056, ownership="OrganizationOwned"),
            text("name", 200, required="SystemRequired"),
            text("baseuomname", 100),
            memo("description"),
        ),
        build_table(
            TableDef("uom", "uoms", "uomid", "name", 1055, ownership="OrganizationOwned", supports_multiple=True),
            text("name", 100, required="SystemRequired"),
            lookup("uomscheduleid", "uomschedule", required="SystemRequired"),
            lookup("baseuom", "uom"),
            decimal("quantity", 5, required="SystemRequired"),
            read_only(flag("isschedulebaseuom")),
        ),
        build_table(
            TableDef(
                "product",
                "products",
                "productid",
                "name",
                1024,
                ownership="OrganizationOwned",
                supports_multiple=True,
            ),
            text("name", 100, required="SystemRequired"),
            text("productnumber", 100, required="SystemRequired"),
            memo("description"),
            lookup("defaultuomscheduleid", "uomschedule", required="SystemRequired"),
            lookup("defaultuomid", "uom", required="SystemRequired"),
            lookup("pricelevelid", "pricelevel"),
            money("price"),
            money("standardcost"),
            money("currentcost"),
            integer("quantitydecimal", 0, 5),
            choice("productstructure", {1: "Product", 2: "Product Family", 3: "Product Bundle"}),
            choice(
                "producttypecode",
                {1: "Sales Inventory", 2: "Miscellaneous Charges", 3: "Services", 4: "Flat Fees"},
            ),
            states(
                {
                    0: ("Active", 1, {1: "Active"}),
                    1: ("Retired", 2, {2: "Retired"}),
                    2: ("Draft", 0, {0: "Draft"}),
                    3: ("UnderRevision", 3, {3: "Under Revision"}),
                }
            ),
            currency_columns(),
        ),
    ]
