"""The rows every org starts with (research/dataverse.md §7.5)."""
# Organization, base currency, root business unit and its team, the default unit group, sdk message
# filters, application users and any seeded users.

from __future__ import annotations

import uuid
from typing import Any

from .config import DataverseOptions
from .privileges import Privileges
from .registry import Schema
from .rules import Rules, ref, utc_now
from .schema import stable_id
from .security import ensure_app_user
from .store import Record, Store

CURRENCIES = {
    "NZD": ("New Zealand Dollar", "$"),
    "AUD": ("Australian Dollar", "$"),
    "GBP": ("Pound Sterling", "£"),
    "USD": ("US Dollar", "$"),
    "EUR": ("Euro", "€"),
}
MESSAGES = ("Create", "Update", "Delete", "CreateMultiple", "UpdateMultiple", "UpsertMultiple")


def seed(store: Store, schema: Schema, rules: Rules, options: DataverseOptions, privileges: Privileges) -> None:
    """Insert the seed rows that are missing (idempotent: a persistent org keeps its own ids)."""
    org = options.org_name
    org_id, bu_id = stable_id("organization", org), stable_id("businessunit", org)
    currency_id = stable_id("transactioncurrency", org, options.base_currency)
    name, symbol = CURRENCIES.get(options.base_currency, (options.base_currency, "$"))
    rows: list[tuple[str, Record]] = [
        (
            "transactioncurrency",
            {
                "transactioncurrencyid": currency_id,
                "currencyname": name,
                "isocurrencycode": options.base_currency,
                "currencysymbol": symbol,
                "exchangerate": 1.0,
                "currencyprecision": 2,
                "statecode": 0,
                "statuscode": 1,
            },
        ),
        (
            "organization",
            {
                "organizationid": org_id,
                "name": org,
                "maxuploadfilesize": options.maxuploadfilesize,
                "basecurrencyid": ref("transactioncurrency", currency_id),
                "languagecode": 1033,
            },
        ),
        (
            "businessunit",
            {"businessunitid": bu_id, "name": org, "parentbusinessunitid": None, "isdisabled": False},
        ),
        (
            "team",
            {
                "teamid": stable_id("team", org),
                "name": org,
                "businessunitid": ref("businessunit", bu_id),
                "teamtype": 0,
                "isdefault": True,
            },
        ),
    ]
    schedule_id, unit_id = stable_id("uomschedule", org), stable_id("uom", org)
    rows += [
        (
            "uomschedule",
            {"uomscheduleid": schedule_id, "name": "Default Unit", "baseuomname": "Primary Unit"},
        ),
        (
            "uom",
            {
                "uomid": unit_id,
                "name": "Primary Unit",
                "uomscheduleid": ref("uomschedule", schedule_id),
                "baseuom": ref("uom", unit_id),
                "quantity": 1.0,
                "isschedulebaseuom": True,
            },
        ),
    ]
    rows += _sdk_messages(schema)
    with store.transaction():
        for entity, record in rows:
            table = schema.table(entity)
            if store.get(entity, record[table.pk]) is None:
                _insert(store, entity, table.pk, record, org_id)
    for app in options.app_users:
        ensure_app_user(store, rules, str(app["client_id"]), str(app.get("name") or "# app"), app.get("object_id"))
    for user in options.users:
        add_user(store, rules, user, privileges)


def _insert(store: Store, entity: str, pk: str, record: Record, org_id: str) -> None:
    record = dict(record)
    now = utc_now()
    record.setdefault("createdon", now)
    record.setdefault("modifiedon", now)
    if entity in (
        "transactioncurrency",
        "businessunit",
        "uomschedule",
        "uom",
        "sdkmessage",
        "sdkmessagefilter",
    ):
        record.setdefault("organizationid", ref("organization", org_id))
    record["versionnumber"] = store.next_version()
    store.put(entity, record[pk], record)


def _sdk_messages(schema: Schema) -> list[tuple[str, Record]]:
    rows: list[tuple[str, Record]] = []
    for message in MESSAGES:
        message_id = stable_id("sdkmessage", message)
        rows.append(("sdkmessage", {"sdkmessageid": message_id, "name": message}))
        for table in schema.tables.values():
            if table.read_only or (message.endswith("Multiple") and not schema.supports_multiple(table)):
                continue
            rows.append(
                (
                    "sdkmessagefilter",
                    {
                        "sdkmessagefilterid": stable_id("sdkmessagefilter", message, table.logical),
                        "sdkmessageid": ref("sdkmessage", message_id),
                        "primaryobjecttypecode": table.logical,
                        "secondaryobjecttypecode": "none",
                        "iscustomprocessingstepallowed": True,
                    },
                )
            )
    return rows


def add_user(store: Store, rules: Rules, user: dict[str, Any], privileges: Privileges) -> Record:
    """Seed one (interactive) systemuser, e.g. a practitioner; ``isdisabled`` marks a disabled one, ``islicensed``
    false an unlicensed one, ``accessmode`` its access mode and ``roles`` the names of its security roles (its
    default role when absent)."""
    email = str(user.get("internalemailaddress") or "")
    user_id = str(user.get("systemuserid") or uuid.uuid5(uuid.NAMESPACE_URL, f"systemuser:{email.lower()}"))
    record = {
        "systemuserid": user_id.lower(),
        "firstname": user.get("firstname"),
        "lastname": user.get("lastname") or email.split("@", 1)[0] or "user",
        "internalemailaddress": email or None,
        "domainname": user.get("domainname") or email or None,
        "isdisabled": bool(user.get("isdisabled", False)),
        "accessmode": int(user.get("accessmode", 0)),
        "islicensed": bool(user.get("islicensed", not user.get("isdisabled", False))),
        "azureactivedirectoryobjectid": str(
            user.get("azureactivedirectoryobjectid") or uuid.uuid5(uuid.NAMESPACE_URL, f"aad:{user_id}")
        ),
        "businessunitid": ref("businessunit", str(user.get("businessunitid") or rules.root_business_unit())),
        "title": user.get("title"),
        "createdon": utc_now(),
        "modifiedon": utc_now(),
    }
    record["fullname"] = " ".join(p for p in (record["firstname"], record["lastname"]) if p)
    record["versionnumber"] = store.next_version()
    with store.transaction():
        store.put("systemuser", record["systemuserid"], record)
    if user.get("roles") is not None:
        privileges.assign_user(record["systemuserid"], list(user["roles"]))
    return record
