"""Every research/dataverse.md §5.3 error the loader may hit, with its exact status, code and message."""

from __future__ import annotations

import base64
import re

import httpx
import pytest
from emulator_helpers import acquire_token, api_client, error_of

from emulators.launcher import RunningEmulators

GUID = re.compile(r"\(([0-9a-f-]{36})\)$")


def _create(api: httpx.Client, entity_set: str, body: dict) -> str:
    response = api.post(entity_set, json=body)
    assert response.status_code == 204, response.text
    match = GUID.search(response.headers["OData-EntityId"])
    assert match
    return match.group(1)


def _user(emulators: RunningEmulators, email: str) -> str:
    users = emulators.dataverse_control.dump_table("systemuser")
    return next(u["systemuserid"] for u in users if u.get("internalemailaddress") == email)


def test_duplicate_alternate_key(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    key = {"SchemaName": "new_accountnumber_dup_key", "KeyAttributes": ["accountnumber"]}
    if api.post("EntityDefinitions(LogicalName='account')/Keys", json=key).status_code == 204:
        emulators.dataverse_control.advance_keys(2, key="new_accountnumber_dup_key")
    _create(api, "accounts", {"name": "first", "accountnumber": f"D{unique}"})
    second = api.post("accounts", json={"name": "second", "accountnumber": f"d{unique}"})
    status, code, message = error_of(second)
    assert (status, code) == (412, "0x80060892")
    assert message.startswith("Entity Key ") and "A duplicate record cannot be created." in message


def test_missing_required_column(api: httpx.Client) -> None:
    line = api.post("invoicedetails", json={"isproductoverridden": True, "productdescription": "x", "quantity": 1})
    assert error_of(line)[:2] == (400, "0x80040200")
    assert "invoiceid" in error_of(line)[2]
    invoice = api.post("invoices", json={"name": "no price list"})
    assert error_of(invoice) == (400, "0x80100010", "PriceList is mandatory for creating entity.")


def test_unknown_column(api: httpx.Client) -> None:
    response = api.post("contacts", json={"lastname": "x", "new_notacolumn": "y"})
    expected = (
        "Error identified in Payload provided by the user for Entity :'contacts', For more information "
        "on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  "
        "---->  InnerException : Microsoft.OData.ODataException: The property 'new_notacolumn' does not "
        "exist on type 'Microsoft.Dynamics.CRM.contact'. Make sure to only use property names that are "
        "defined by the type or mark the type as open type."
    )
    assert error_of(response) == (400, "0x80048d19", expected)


def test_bad_lookup(api: httpx.Client) -> None:
    missing = "9a0a6b0e-0000-4000-8000-000000000001"
    response = api.post(
        "tasks", json={"subject": "x", "regardingobjectid_contact_task@odata.bind": f"/contacts({missing})"}
    )
    assert error_of(response) == (404, "0x80040217", f"contact With Id = {missing} Does Not Exist")


def test_picklist_out_of_range(api: httpx.Client) -> None:
    response = api.post("contacts", json={"lastname": "x", "preferredcontactmethodcode": 9})
    assert error_of(response) == (400, "0x8004431A", "The picklist value is out of the range.")


def test_string_too_long(api: httpx.Client) -> None:
    response = api.post("contacts", json={"lastname": "x" * 51})
    expected = (
        "A validation error occurred.  The length of the 'lastname' attribute of the 'contact' entity "
        "exceeded the maximum allowed length of '50'."
    )
    assert error_of(response) == (400, "0x80044331", expected)


def test_activity_state_rules(api: httpx.Client, unique: str) -> None:
    appointment = _create(api, "appointments", {"subject": unique, "statecode": 1, "statuscode": 1})
    created = api.get(f"appointments({appointment})?$select=statecode,statuscode").json()
    assert (created["statecode"], created["statuscode"]) == (0, 1)  # statecode is ignored on create (§7.1)
    wrong = api.patch(f"appointments({appointment})", json={"statecode": 1, "statuscode": 4})
    expected = (
        f"4 is not a valid status code for state code AppointmentState.Completed on appointment with Id {appointment}."
    )
    assert error_of(wrong) == (400, "0x80048408", expected)
    assert api.patch(f"appointments({appointment})", json={"statecode": 1, "statuscode": 3}).status_code == 204
    closed = api.patch(f"appointments({appointment})", json={"subject": "edited after completion"})
    assert error_of(closed)[:2] == (400, "0x80040203")
    bad_create = api.post("tasks", json={"subject": unique, "statuscode": 5})
    assert error_of(bad_create)[:2] == (400, "0x80048408")


def test_oversized_annotation_and_block_upload(api: httpx.Client, unique: str) -> None:
    contact = _create(api, "contacts", {"lastname": unique})
    data = bytes(range(256)) * 16384  # 4 MiB: 5.6 MB in base64, over the 5,242,880 default (§5.4)
    too_big = api.post(
        "annotations",
        json={
            "subject": "scan",
            "filename": "scan.pdf",
            "mimetype": "application/pdf",
            "documentbody": base64.b64encode(data).decode(),
            "objectid_contact@odata.bind": f"/contacts({contact})",
        },
    )
    assert error_of(too_big) == (400, "0x80044a02", "Attachment file size is too big.")
    target = {
        "@odata.type": "Microsoft.Dynamics.CRM.annotation",
        "subject": "scan",
        "filename": "scan.pdf",
        "mimetype": "application/pdf",
        "objectid_contact@odata.bind": f"/contacts({contact})",
    }
    token = api.post("InitializeAnnotationBlocksUpload", json={"Target": target}).json()["FileContinuationToken"]
    blocks = []
    for index in range(2):
        block_id = base64.b64encode(f"block-{index:04d}".encode()).decode()
        chunk = data[index * 2 * 1024 * 1024 : (index + 1) * 2 * 1024 * 1024]
        uploaded = api.post(
            "UploadBlock",
            json={
                "BlockId": block_id,
                "BlockData": base64.b64encode(chunk).decode(),
                "FileContinuationToken": token,
            },
        )
        assert uploaded.status_code == 204
        blocks.append(block_id)
    committed = api.post(
        "CommitAnnotationBlocksUpload",
        json={"Target": target, "BlockList": blocks, "FileContinuationToken": token},
    ).json()
    assert committed["FileSizeInBytes"] == len(data)
    note = api.get(f"annotations({committed['AnnotationId']})?$select=filesize,isdocument").json()
    assert (note["filesize"], note["isdocument"]) == (len(data), True)
    download = api.post(
        "InitializeAnnotationBlocksDownload",
        json={
            "Target": {
                "annotationid": committed["AnnotationId"],
                "@odata.type": "Microsoft.Dynamics.CRM.annotation",
            }
        },
    ).json()
    block = api.post(
        "DownloadBlock",
        json={"Offset": 0, "BlockLength": 1024, "FileContinuationToken": download["FileContinuationToken"]},
    ).json()
    assert base64.b64decode(block["Data"]) == data[:1024]


def test_disabled_owner_behind_its_switch(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    disabled = _user(emulators, "olly@clinic.example")
    enabled = _user(emulators, "dana@clinic.example")
    body = {"lastname": unique, "ownerid@odata.bind": f"/systemusers({disabled})"}
    rejected = api.post("contacts", json=body)
    status, code, message = error_of(rejected)
    assert (status, code) == (403, "0x80040225")
    assert message.startswith(f"The specified user(Id = {disabled}) is disabled. Consider enabling this user.")
    fine = _create(api, "contacts", {"lastname": unique, "ownerid@odata.bind": f"/systemusers({enabled})"})
    assert api.get(f"contacts({fine})?$select=_ownerid_value").json()["_ownerid_value"] == enabled
    emulators.dataverse_control.config(reject_disabled_owner=False)
    try:
        assert api.post("contacts", json=body).status_code == 204
    finally:
        emulators.dataverse_control.config(reject_disabled_owner=True)


def test_duplicate_detection_only_when_asked(api: httpx.Client, unique: str) -> None:
    email = f"{unique}@clinic.example"
    _create(api, "contacts", {"lastname": "one", "emailaddress1": email})
    assert api.post("contacts", json={"lastname": "two", "emailaddress1": email}).status_code == 204
    detected = api.post(
        "contacts",
        json={"lastname": "three", "emailaddress1": email.upper()},
        headers={"MSCRM.SuppressDuplicateDetection": "false"},
    )
    message = "A record was not created or updated because a duplicate of the current record already exists."
    assert error_of(detected) == (500, "0x80040333", message)


def test_unauthenticated_requests(emulators: RunningEmulators) -> None:
    ep = emulators.endpoints
    with httpx.Client(verify=emulators.ssl_context(), base_url=f"{ep.dataverse_url}/api/data/v9.2/") as client:
        missing = client.get("contacts")
        forged = client.get("contacts", headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."})
    expected = f"Bearer authorization_uri={ep.entra_url}/{ep.tenant_id}/oauth2/authorize"
    for response in (missing, forged):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith(expected)


def test_principal_without_application_user(emulators: RunningEmulators) -> None:
    app = emulators.entra_control.register_app(name="not-in-dataverse")
    client = api_client(emulators, acquire_token(emulators, app["client_id"], app["client_secret"]))
    with client:
        response = client.get("WhoAmI")
    assert error_of(response) == (403, "0x80072560", "The user is not a member of the organization.")


@pytest.mark.parametrize("disabled", [False, True])
def test_impersonation(api: httpx.Client, emulators: RunningEmulators, unique: str, disabled: bool) -> None:
    user = _user(emulators, "olly@clinic.example" if disabled else "dana@clinic.example")
    response = api.post(
        "contacts",
        json={"lastname": unique},
        headers={"MSCRMCallerID": user, "Prefer": "return=representation"},
    )
    if disabled:
        assert error_of(response)[:2] == (403, "0x80040225")
        return
    body = response.json()
    who = api.get("WhoAmI").json()
    assert (body["_createdby_value"], body["_createdonbehalfby_value"]) == (user, who["UserId"])
