"""A delete applies each relationship's CascadeConfiguration.Delete (README "Relationships and delete"): Restrict
refuses while a child refers to the row (0x80040227), Cascade takes the children along, RemoveLink clears their
lookup — single DELETE and inside a $batch change set — and the relationship metadata says which."""

from __future__ import annotations

import re

import httpx
from emulator_helpers import batch_part, batch_statuses, error_of, send_batch

API = "/api/data/v9.2"
GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
RESTRICTED = (
    400,
    "0x80040227",
    "The object you tried to delete is associated with another object and cannot be deleted.",
)


def _create(api: httpx.Client, entity_set: str, body: dict) -> str:
    response = api.post(entity_set, json=body)
    assert response.status_code == 204, response.text
    match = re.search(rf"/{entity_set}\(({GUID})\)$", response.headers["OData-EntityId"])
    assert match
    return match.group(1)


def _price_list(api: httpx.Client, unique: str) -> str:
    currency = api.get("transactioncurrencies?$select=transactioncurrencyid").json()["value"][0]
    return _create(
        api,
        "pricelevels",
        {
            "name": f"PL {unique}",
            "transactioncurrencyid@odata.bind": f"/transactioncurrencies({currency['transactioncurrencyid']})",
        },
    )


def _invoice(api: httpx.Client, unique: str, contact: str, price_list: str) -> str:
    return _create(
        api,
        "invoices",
        {
            "name": f"INV {unique}",
            "customerid_contact@odata.bind": f"/contacts({contact})",
            "pricelevelid@odata.bind": f"/pricelevels({price_list})",
        },
    )


def test_a_price_list_invoices_use_cannot_be_deleted_until_they_are_gone(api: httpx.Client, unique: str) -> None:
    price_list = _price_list(api, unique)
    contact = _create(api, "contacts", {"lastname": unique})
    invoice = _invoice(api, unique, contact, price_list)
    line = _create(
        api,
        "invoicedetails",
        {
            "invoiceid@odata.bind": f"/invoices({invoice})",
            "isproductoverridden": True,
            "productdescription": "Consultation",
            "quantity": 1,
            "priceperunit": 80.0,
        },
    )

    assert error_of(api.delete(f"pricelevels({price_list})")) == RESTRICTED  # price_level_invoices: Restrict
    assert error_of(api.delete(f"contacts({contact})")) == RESTRICTED  # invoice_customer_contacts: Restrict
    assert api.get(f"pricelevels({price_list})").status_code == 200
    assert api.get(f"invoicedetails({line})").status_code == 200  # the refused delete touched nothing

    assert api.delete(f"invoices({invoice})").status_code == 204  # invoice_details: Cascade
    assert error_of(api.get(f"invoicedetails({line})"))[:2] == (404, "0x80040217")
    assert api.delete(f"pricelevels({price_list})").status_code == 204
    assert api.delete(f"contacts({contact})").status_code == 204


def test_deleting_a_contact_takes_its_activities_and_notes_and_unlinks_the_rest(api: httpx.Client, unique: str) -> None:
    contact = _create(api, "contacts", {"lastname": unique})
    regarding = {"regardingobjectid_contact_appointment@odata.bind": f"/contacts({contact})"}
    appointment = _create(api, "appointments", {"subject": "Consult", **regarding})
    note = _create(api, "annotations", {"subject": "n", "objectid_contact@odata.bind": f"/contacts({contact})"})
    account = _create(api, "accounts", {"name": unique, "primarycontactid@odata.bind": f"/contacts({contact})"})
    child = _create(
        api, "contacts", {"lastname": f"{unique}-child", "parentcustomerid_contact@odata.bind": f"/contacts({contact})"}
    )
    version = api.get(f"accounts({account})?$select=versionnumber").json()["versionnumber"]

    assert api.delete(f"contacts({contact})").status_code == 204
    assert error_of(api.get(f"appointments({appointment})"))[:2] == (404, "0x80040217")  # Contact_Appointments
    assert error_of(api.get(f"annotations({note})"))[:2] == (404, "0x80040217")  # Contact_Annotation
    kept = api.get(f"accounts({account})?$select=_primarycontactid_value,versionnumber").json()
    assert kept["_primarycontactid_value"] is None and kept["versionnumber"] > version  # account_primary_contact
    linked = api.get(f"contacts({child})?$select=_parentcustomerid_value").json()
    assert linked["_parentcustomerid_value"] is None  # contact_customer_contacts: RemoveLink


def test_a_restricted_delete_in_a_change_set_rolls_the_change_set_back(api: httpx.Client, unique: str) -> None:
    price_list = _price_list(api, unique)
    contact = _create(api, "contacts", {"lastname": unique})
    _invoice(api, unique, contact, price_list)
    other = _create(api, "contacts", {"lastname": f"{unique}-free"})

    response = send_batch(
        api,
        [
            [
                batch_part("DELETE", f"{API}/contacts({other})", content_id=1),
                batch_part("DELETE", f"{API}/contacts({contact})", content_id=2),
            ]
        ],
    )
    assert response.status_code == 400  # a failed change set stops the batch (no continue-on-error)
    assert batch_statuses(response) == [400] and "0x80040227" in response.text
    assert api.get(f"contacts({other})").status_code == 200  # the change set is one transaction
    assert api.get(f"contacts({contact})").status_code == 200


def test_relationship_metadata_carries_the_delete_behaviour(api: httpx.Client) -> None:
    one_to_many = api.get(
        "EntityDefinitions(LogicalName='pricelevel')/OneToManyRelationships"
        "?$select=SchemaName,ReferencingEntity,ReferencingAttribute,CascadeConfiguration"
    )
    assert one_to_many.status_code == 200
    by_name = {r["SchemaName"]: r for r in one_to_many.json()["value"]}
    assert by_name["price_level_invoices"]["ReferencingEntity"] == "invoice"
    assert by_name["price_level_invoices"]["ReferencingAttribute"] == "pricelevelid"
    assert by_name["price_level_invoices"]["CascadeConfiguration"]["Delete"] == "Restrict"

    expanded = api.get(
        "EntityDefinitions(LogicalName='invoicedetail')?$select=LogicalName&$expand=ManyToOneRelationships"
    )
    many_to_one = {
        r["SchemaName"]: r["CascadeConfiguration"]["Delete"] for r in expanded.json()["ManyToOneRelationships"]
    }
    assert many_to_one["invoice_details"] == "Cascade"
    assert many_to_one["product_invoice_details"] == "Restrict"

    single = api.get("RelationshipDefinitions(SchemaName='Contact_Appointments')")
    assert single.status_code == 200
    assert (single.json()["ReferencedEntity"], single.json()["CascadeConfiguration"]["Delete"]) == (
        "contact",
        "Cascade",
    )
    assert error_of(api.get("RelationshipDefinitions(SchemaName='no_such_relationship')"))[:2] == (404, "0x80040217")


def test_bulk_delete_leaves_what_a_restrict_relationship_holds_and_deletes_the_rest(
    api: httpx.Client, unique: str
) -> None:
    price_list = _price_list(api, unique)
    held = _create(api, "contacts", {"lastname": unique})
    _invoice(api, unique, held, price_list)
    free = _create(api, "contacts", {"lastname": unique})
    job = {
        "QuerySet": [
            {
                "EntityName": "contact",
                "Criteria": {"Conditions": [{"AttributeName": "contactid", "Operator": "In", "Values": [held, free]}]},
            }
        ],
        "JobName": f"cleanup {unique}",
    }
    response = api.post("BulkDelete", json=job)
    assert response.status_code == 200 and response.json()["JobId"]
    assert api.get(f"contacts({held})").status_code == 200  # the job went on past it
    assert error_of(api.get(f"contacts({free})"))[:2] == (404, "0x80040217")
