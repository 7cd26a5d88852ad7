"""Contact, account, organisation, users and the sdk message tables (research/dataverse.md §2.2, §7.5)."""

from __future__ import annotations

from .. import constants as c
from .columns import (
    address,
    build_table,
    choice,
    currency_columns,
    day,
    flag,
    guid,
    integer,
    lookup,
    memo,
    money,
    read_only,
    states,
    text,
)
from .schema import AttributeDef, TableDef

ACTIVE_INACTIVE = {0: ("Active", 1, {1: "Active"}), 1: ("Inactive", 2, {2: "Inactive"})}


def contact() -> TableDef:
    return build_table(
        TableDef("contact", "contacts", "contactid", "fullname", 2, supports_multiple=True),
        text("firstname", 50),
        text("lastname", 50, required="ApplicationRequired"),
        text("middlename", 50),
        read_only(text("fullname", 160)),
        text("nickname", 100),
        text("salutation", 100),
        text("suffix", 10),
        text("jobtitle", 100),
        text("emailaddress1", 100, format="Email"),
        text("emailaddress2", 100, format="Email"),
        text("emailaddress3", 100, format="Email"),
        text("telephone1", 50),
        text("telephone2", 50),
        text("telephone3", 50),
        text("mobilephone", 50),
        text("fax", 50),
        day("birthdate"),
        choice("gendercode", {1: "Male", 2: "Female"}),
        choice("familystatuscode", {1: "Single", 2: "Married", 3: "Divorced", 4: "Widowed"}),
        address("address1"),
        address("address2"),
        memo("description"),
        lookup("parentcustomerid", "account", "contact", kind="Customer"),
        choice("preferredcontactmethodcode", {1: "Any", 2: "Email", 3: "Phone", 4: "Fax", 5: "Mail"}),
        flag("donotemail"),
        flag("donotphone"),
        flag("donotpostalmail"),
        flag("donotbulkemail"),
        text("governmentid", 50),
        text("employeeid", 50),
        text("externaluseridentifier", 50),
        integer("numberofchildren", 0, 1_000_000_000),
        money("creditlimit"),
        text("websiteurl", 200),
        states(ACTIVE_INACTIVE, state_on_create=False),
        currency_columns(),
    )


def account() -> TableDef:
    industries = {
        1: "Accounting",
        6: "Business Services",
        7: "Consulting",
        11: "Doctor's Offices and Clinics",
    }
    customer_types = {
        1: "Competitor",
        2: "Consultant",
        3: "Customer",
        4: "Investor",
        5: "Partner",
        6: "Influencer",
        7: "Press",
        8: "Prospect",
        9: "Reseller",
        10: "Supplier",
        11: "Vendor",
        12: "Other",
    }
    return build_table(
        TableDef("account", "accounts", "accountid", "name", 1, supports_multiple=True),
        text("name", 160, required="ApplicationRequired"),
        text("accountnumber", 20),
        text("telephone1", 50),
        text("telephone2", 50),
        text("telephone3", 50),
        text("emailaddress1", 100, format="Email"),
        text("emailaddress2", 100, format="Email"),
        text("emailaddress3", 100, format="Email"),
        text("fax", 50),
        text("websiteurl", 200),
        address("address1"),
        address("address2"),
        memo("description"),
        lookup("parentaccountid", "account"),
        lookup("primarycontactid", "contact"),
        choice("industrycode", industries),
        choice("accountcategorycode", {1: "Preferred Customer", 2: "Standard"}),
        choice("customertypecode", customer_types),
        money("revenue"),
        integer("numberofemployees", 0),
        states(ACTIVE_INACTIVE),
        currency_columns(),
    )


def organisation() -> list[TableDef]:
    access = {
        0: "Read-Write",
        1: "Administrative",
        2: "Read",
        3: "Support User",
        4: "Non-interactive",
        5: "Delegated Admin",
    }
    return [
        build_table(
            TableDef("businessunit", "businessunits", "businessunitid", "name", 10, ownership="OrganizationOwned"),
            text("name", 160, required="SystemRequired"),
            lookup("parentbusinessunitid", "businessunit"),
            text("divisionname", 100),
            text("emailaddress", 100),
            text("websiteurl", 200),
            flag("isdisabled"),
            memo("description"),
        ),
        build_table(
            TableDef("systemuser", "systemusers", "systemuserid", "fullname", 8, ownership="BusinessOwned"),
            text("firstname", 64),
            text("lastname", 64),
            read_only(text("fullname", 200)),
            text("internalemailaddress", 100, format="Email"),
            text("domainname", 1024),
            flag("isdisabled"),
            choice("accessmode", access),
            guid("applicationid"),
            guid("azureactivedirectoryobjectid"),
            lookup("businessunitid", "businessunit", required="SystemRequired"),
            text("title", 128),
            text("mobilephone", 64),
            flag("islicensed"),
        ),
        build_table(
            TableDef("team", "teams", "teamid", "name", 9, ownership="BusinessOwned"),
            text("name", 160, required="SystemRequired"),
            lookup("businessunitid", "businessunit", required="SystemRequired"),
            choice("teamtype", {0: "Owner", 1: "Access", 2: "Security Group", 3: "Office Group"}),
            read_only(flag("isdefault")),
            lookup("administratorid", "systemuser"),
            memo("description"),
            guid("azureactivedirectoryobjectid"),
        ),
        build_table(
            TableDef(
                "organization",
                "organizations",
                "organizationid",
                "name",
                1019,
                ownership="None",
                can_create_attributes=False,
                is_customizable=False,
            ),
            read_only(text("name", 160)),
            # research/dataverse.md §5.4: default 5,242,880, maximum 131,072,000 bytes.
            integer("maxuploadfilesize", 0, c.MAX_UPLOAD_FILE_SIZE_LIMIT),
            read_only(lookup("basecurrencyid", "transactioncurrency")),
            read_only(integer("languagecode")),
        ),
    ]


def sdk_messages() -> list[TableDef]:
    # research/dataverse.md §3.2: bulk-message support is detected through sdkmessagefilters.
    return [
        build_table(
            TableDef(
                "sdkmessage",
                "sdkmessages",
                "sdkmessageid",
                "name",
                4606,
                ownership="None",
                read_only=True,
                has_notes=False,
                can_create_attributes=False,
                is_customizable=False,
            ),
            text("name", 256),
        ),
        build_table(
            TableDef(
                "sdkmessagefilter",
                "sdkmessagefilters",
                "sdkmessagefilterid",
                None,
                4607,
                ownership="None",
                read_only=True,
                has_notes=False,
                can_create_attributes=False,
                is_customizable=False,
            ),
            lookup("sdkmessageid", "sdkmessage"),
            AttributeDef("primaryobjecttypecode", "EntityName"),
            AttributeDef("secondaryobjecttypecode", "EntityName"),
            flag("iscustomprocessingstepallowed"),
        ),
    ]
