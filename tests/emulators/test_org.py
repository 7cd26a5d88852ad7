"""Org-level tables: seeded users and business units, invoices with lines, email attachments (§5.4, §7)."""

from __future__ import annotations

import base64
import re

import httpx
from emulator_helpers import error_of

from emulators.launcher import RunningEmulators

GUID = re.compile(r"\(([0-9a-f-]{36})\)$")


def _create(api: httpx.Client, entity_set: str, body: dict) -> str:
    response = api.post(entity_set, json=body)
    assert response.status_code == 204, response.text
    match = GUID.search(response.headers["OData-EntityId"])
    assert match
    return match.group(1)


def test_root_business_unit_and_children(api: httpx.Client, unique: str) -> None:
    roots = api.get("businessunits?$select=businessunitid,name&$filter=_parentbusinessunitid_value eq null")
    (root,) = roots.json()["value"]
    orphan = api.post("businessunits", json={"name": f"Site {unique}"})
    assert error_of(orphan)[:2] == (400, "0x80040200")
    child = _create(
        api,
        "businessunits",
        {"name": f"Site {unique}", "parentbusinessunitid@odata.bind": f"/businessunits({root['businessunitid']})"},
    )
    assert (
        api.get(f"businessunits({child})?$select=_parentbusinessunitid_value").json()["_parentbusinessunitid_value"]
        == root["businessunitid"]
    )
    assert error_of(api.delete(f"businessunits({root['businessunitid']})"))[0] == 405


def test_business_unit_is_deleted_only_disabled_and_without_children(api: httpx.Client, unique: str) -> None:
    """Error-code table: BusinessUnitIsNotDisabledAndCannotBeDeleted, BusinessUnitHasChildAndCannotBeDeleted."""
    root = api.get("businessunits?$select=businessunitid&$filter=_parentbusinessunitid_value eq null").json()
    parent = _create(
        api,
        "businessunits",
        {
            "name": f"Region {unique}",
            "parentbusinessunitid@odata.bind": f"/businessunits({root['value'][0]['businessunitid']})",
        },
    )
    child = _create(
        api, "businessunits", {"name": f"Site {unique}", "parentbusinessunitid@odata.bind": f"/businessunits({parent})"}
    )
    assert error_of(api.delete(f"businessunits({child})")) == (
        400,
        "0x80041d60",
        "Not disabled business unit cannot be deleted.",
    )
    assert api.patch(f"businessunits({parent})", json={"isdisabled": True}).status_code == 204
    assert error_of(api.delete(f"businessunits({parent})"))[:2] == (400, "0x80041d61")
    assert api.patch(f"businessunits({child})", json={"isdisabled": True}).status_code == 204
    assert api.delete(f"businessunits({child})").status_code == 204
    assert api.delete(f"businessunits({parent})").status_code == 204
    assert api.get(f"businessunits({parent})").status_code == 404


def test_seeded_and_added_users(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    select = "$select=fullname,internalemailaddress,isdisabled"
    query = f"systemusers?{select}&$filter=endswith(internalemailaddress,'@clinic.example')"
    users = {u["internalemailaddress"]: u for u in api.get(query).json()["value"]}
    assert users["dana@clinic.example"]["isdisabled"] is False
    assert users["olly@clinic.example"]["isdisabled"] is True
    emulators.dataverse_control.add_user(firstname="New", lastname=unique, internalemailaddress=f"{unique}@x.example")
    found = api.get(f"systemusers?$select=fullname&$filter=internalemailaddress eq '{unique}@x.example'").json()
    assert [u["fullname"] for u in found["value"]] == [f"New {unique}"]
    app_users = api.get("systemusers?$select=applicationid&$filter=applicationid ne null").json()["value"]
    assert emulators.endpoints.client_id in {u["applicationid"] for u in app_users}


def test_invoice_with_write_in_and_catalogue_lines(api: httpx.Client, unique: str) -> None:
    currency = api.get("transactioncurrencies?$select=transactioncurrencyid,isocurrencycode").json()["value"][0]
    assert currency["isocurrencycode"] == "NZD"
    missing_currency = api.post("pricelevels", json={"name": f"PL {unique}"})
    assert error_of(missing_currency)[:2] == (400, "0x80040200")
    price_list = _create(
        api,
        "pricelevels",
        {
            "name": f"PL {unique}",
            "transactioncurrencyid@odata.bind": f"/transactioncurrencies({currency['transactioncurrencyid']})",
        },
    )
    unit = api.get("uoms?$select=uomid,_uomscheduleid_value&$filter=name eq 'Primary Unit'").json()["value"][0]
    product = _create(
        api,
        "products",
        {
            "name": "Consult",
            "productnumber": f"C-{unique}",
            "defaultuomscheduleid@odata.bind": f"/uomschedules({unit['_uomscheduleid_value']})",
            "defaultuomid@odata.bind": f"/uoms({unit['uomid']})",
        },
    )
    account = _create(api, "accounts", {"name": unique})
    invoice = _create(
        api,
        "invoices",
        {
            "name": f"INV {unique}",
            "customerid_account@odata.bind": f"/accounts({account})",
            "pricelevelid@odata.bind": f"/pricelevels({price_list})",
        },
    )
    lines = [
        {
            "isproductoverridden": True,
            "productdescription": "Consultation 30 min",
            "quantity": 1,
            "priceperunit": 85.0,
            "tax": 12.75,
        },
        {
            "productid@odata.bind": f"/products({product})",
            "uomid@odata.bind": f"/uoms({unit['uomid']})",
            "quantity": 2,
            "priceperunit": 40.0,
            "manualdiscountamount": 10.0,
        },
    ]
    targets = [
        {"@odata.type": "Microsoft.Dynamics.CRM.invoicedetail", "invoiceid@odata.bind": f"/invoices({invoice})", **line}
        for line in lines
    ]
    assert (
        api.post("invoicedetails/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": targets}).status_code == 200
    )
    no_unit = api.post(
        "invoicedetails",
        json={
            "invoiceid@odata.bind": f"/invoices({invoice})",
            "quantity": 1,
            "productid@odata.bind": f"/products({product})",
        },
    )
    assert error_of(no_unit)[:2] == (400, "0x80040200")
    totals = api.get(f"invoices({invoice})?$select=totalamount,totallineitemamount,totaltax,invoicenumber").json()
    assert (totals["totallineitemamount"], totals["totaltax"], totals["totalamount"]) == (165.0, 12.75, 167.75)
    assert totals["invoicenumber"].startswith("INV-")
    paid = api.patch(f"invoices({invoice})", json={"statecode": 2, "statuscode": 7})
    assert paid.status_code == 204
    assert error_of(api.patch(f"invoices({invoice})", json={"name": "edited"}))[:2] == (400, "0x80040203")


def test_email_attachments_have_the_same_limit(api: httpx.Client, unique: str) -> None:
    email = _create(
        api,
        "emails",
        {
            "subject": unique,
            "directioncode": True,
            "email_activity_parties": [{"addressused": "someone@example.com", "participationtypemask": 2}],
        },
    )
    data = b"%PDF" + b"\0" * (4 * 1024 * 1024)
    body = base64.b64encode(data).decode()
    too_big = api.post(
        "activitymimeattachments",
        json={
            "objectid_email@odata.bind": f"/emails({email})",
            "objecttypecode": "email",
            "filename": "a.pdf",
            "body": body,
        },
    )
    assert error_of(too_big) == (400, "0x80044a02", "Attachment file size is too big.")
    target = {
        "objectid_email@odata.bind": f"/emails({email})",
        "objecttypecode": "email",
        "filename": "a.pdf",
        "mimetype": "application/pdf",
        "@odata.type": "Microsoft.Dynamics.CRM.activitymimeattachment",
    }
    token = api.post("InitializeAttachmentBlocksUpload", json={"Target": target}).json()["FileContinuationToken"]
    block = base64.b64encode(b"only-block").decode()
    for start in range(0, len(data), 3 * 1024 * 1024):
        chunk = base64.b64encode(data[start : start + 3 * 1024 * 1024]).decode()
        block = base64.b64encode(f"b{start:012d}".encode()).decode()
        api.post("UploadBlock", json={"BlockId": block, "BlockData": chunk, "FileContinuationToken": token})
    ids = [base64.b64encode(f"b{s:012d}".encode()).decode() for s in range(0, len(data), 3 * 1024 * 1024)]
    result = api.post(
        "CommitAttachmentBlocksUpload", json={"Target": target, "BlockList": ids, "FileContinuationToken": token}
    ).json()
    assert result["FileSizeInBytes"] == len(data)
    stored = api.get(f"activitymimeattachments({result['ActivityMimeAttachmentId']})?$select=filesize,filename")
    assert stored.json()["filesize"] == len(data)
    parties = api.get(f"emails({email})?$expand=email_activity_parties($select=addressused,participationtypemask)")
    assert parties.json()["email_activity_parties"][0]["addressused"] == "someone@example.com"


def test_upload_limit_follows_the_organization_setting(api: httpx.Client, unique: str) -> None:
    org = api.get("organizations?$select=organizationid,maxuploadfilesize").json()["value"][0]
    note = {"subject": unique, "filename": "n.txt", "documentbody": base64.b64encode(b"x" * 1500).decode()}
    assert api.patch(f"organizations({org['organizationid']})", json={"maxuploadfilesize": 1000}).status_code == 204
    try:
        assert error_of(api.post("annotations", json=note))[1] == "0x80044a02"
    finally:
        api.patch(f"organizations({org['organizationid']})", json={"maxuploadfilesize": org["maxuploadfilesize"]})
    assert api.post("annotations", json=note).status_code == 204


def test_a_record_cannot_be_assigned_to_a_user_who_cannot_read_its_table(
    api: httpx.Client, emulators: RunningEmulators, unique: str
) -> None:
    """PrincipalPrivilegeDenied (research/dataverse.md §5.3); table privileges as Dataverse names them."""
    control = emulators.dataverse_control
    user = control.add_user(firstname="No", lastname=f"Role {unique}", internalemailaddress=f"{unique}@role.example")
    user_id = user["systemuserid"]
    function = "Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName"

    def held(name: str) -> list[dict]:
        return api.get(f"systemusers({user_id})/{function}(PrivilegeName='{name}')").json()["RolePrivileges"]

    assert [p["PrivilegeName"] for p in held("prvReadContact")] == ["prvReadContact"]
    control.set_privilege("prvReadContact", held=False, user_id=user_id)
    try:
        assert held("prvReadContact") == [] and held("prvReadActivity") != []
        owned = {"lastname": f"Owned {unique}", "ownerid@odata.bind": f"/systemusers({user_id})"}
        assert error_of(api.post("contacts", json=owned)) == (
            403,
            "0x80040231",
            "Target user or team does not hold required privileges.",
        )
        contact = _create(api, "contacts", {"lastname": f"Owned {unique}"})
        reassigned = api.patch(f"contacts({contact})", json={"ownerid@odata.bind": f"/systemusers({user_id})"})
        assert error_of(reassigned)[:2] == (403, "0x80040231")
        task = {"subject": f"T {unique}", "ownerid@odata.bind": f"/systemusers({user_id})"}
        assert api.post("tasks", json=task).status_code == 204  # activities need prvReadActivity, still held
        assert error_of(api.get(f"systemusers({user_id})/{function}(PrivilegeName='prvReadNoSuchTable')"))[0] == 404
    finally:
        control.set_privilege("prvReadContact", held=True, user_id=user_id)


def test_a_user_is_disabled_never_deleted(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    """powerapps-docs admin `delete-users.md`: a user leaving is disabled; a delete needs the Entra ID account gone for
    good and the off-by-default "Enable delete disabled users" setting, neither of which the emulator models."""
    emulators.dataverse_control.add_user(firstname="Gone", lastname=unique, internalemailaddress=f"{unique}@x.example")
    query = f"systemusers?$select=systemuserid&$filter=internalemailaddress eq '{unique}@x.example'"
    (user,) = api.get(query).json()["value"]
    url = f"systemusers({user['systemuserid']})"
    refused = (405, "0x80040203", "A user cannot be deleted: disable it instead (isdisabled).")
    assert error_of(api.delete(url)) == refused
    assert api.patch(url, json={"isdisabled": True}).status_code == 204
    assert error_of(api.delete(url)) == refused  # disabled or not
    condition = {"AttributeName": "systemuserid", "Operator": "Equal", "Values": [user["systemuserid"]]}
    job = {"QuerySet": [{"EntityName": "systemuser", "Criteria": {"Conditions": [condition]}}], "JobName": unique}
    assert api.post("BulkDelete", json=job).status_code == 200  # the job goes on and leaves the user
    assert api.get(f"{url}?$select=isdisabled").json()["isdisabled"] is True
