"""Wire-level record operations: create, upsert with If-Match/If-None-Match, binds, queries (§2, §9)."""

from __future__ import annotations

import re

import httpx
import pytest
from emulator_helpers import error_of

from emulators.launcher import RunningEmulators

GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _create(api: httpx.Client, entity_set: str, body: dict) -> str:
    response = api.post(entity_set, json=body)
    assert response.status_code == 204, response.text
    match = re.search(rf"/{entity_set}\(({GUID})\)$", response.headers["OData-EntityId"])
    assert match, response.headers["OData-EntityId"]
    return match.group(1)


def test_create_answers_204_with_entity_id(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    response = api.post("contacts", json={"lastname": unique})
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["OData-EntityId"].startswith(f"{emulators.endpoints.dataverse_url}/api/data/v9.2/contacts(")
    assert response.headers["x-ms-dop-hint"] == "4"


def test_return_representation_gives_201_with_etag(api: httpx.Client, unique: str) -> None:
    response = api.post(
        "contacts?$select=lastname,contactid",
        json={"lastname": unique},
        headers={"Prefer": "return=representation"},
    )
    body = response.json()
    assert response.status_code == 201
    assert "OData-EntityId" not in response.headers
    assert body["lastname"] == unique and re.fullmatch(GUID, body["contactid"])
    assert re.fullmatch(r'W/"\d+"', body["@odata.etag"])
    assert response.headers["Preference-Applied"] == "return=representation"


def test_client_supplied_primary_key_and_duplicate(api: httpx.Client) -> None:
    record_id = "0b3e2a52-7f5c-4a61-9d55-1d5bb1c0c0de"
    first = api.post("accounts", json={"accountid": record_id, "name": "Fixed id"})
    again = api.post("accounts", json={"accountid": record_id, "name": "Fixed id"})
    assert first.headers["OData-EntityId"].endswith(f"accounts({record_id})")
    assert error_of(again) == (412, "0x80040237", "Operation failed due to a SQL integrity violation.")


def test_patch_semantics(api: httpx.Client, unique: str) -> None:
    missing = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    not_found = api.patch(f"contacts({missing})", json={"lastname": "x"}, headers={"If-Match": "*"})
    assert error_of(not_found) == (404, "0x80040217", f"contact With Id = {missing} Does Not Exist")
    created = api.patch(f"contacts({missing})", json={"lastname": unique}, headers={"Prefer": "return=representation"})
    assert created.status_code == 201
    updated = api.patch(f"contacts({missing})", json={"firstname": "Bo"}, headers={"Prefer": "return=representation"})
    assert updated.status_code == 200
    assert updated.json()["fullname"] == f"Bo {unique}"
    create_only = api.patch(f"contacts({missing})", json={"firstname": "X"}, headers={"If-None-Match": "*"})
    assert error_of(create_only) == (412, "0x80040237", "A record with matching key values already exists.")
    etag = updated.json()["@odata.etag"]
    stale = api.patch(f"contacts({missing})", json={"firstname": "Y"}, headers={"If-Match": 'W/"1"'})
    fresh = api.patch(f"contacts({missing})", json={"firstname": "Z"}, headers={"If-Match": etag})
    assert error_of(stale)[:2] == (412, "0x80060882")
    assert fresh.status_code == 204


def test_get_and_conditional_get(api: httpx.Client, unique: str) -> None:
    record_id = _create(api, "contacts", {"lastname": unique, "gendercode": 2})
    response = api.get(
        f"contacts({record_id})?$select=lastname,gendercode",
        headers={"Prefer": 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'},
    )
    body = response.json()
    assert body["gendercode@OData.Community.Display.V1.FormattedValue"] == "Female"
    assert set(body) == {
        "@odata.context",
        "@odata.etag",
        "lastname",
        "gendercode",
        "contactid",
        "gendercode@OData.Community.Display.V1.FormattedValue",
    }
    unchanged = api.get(f"contacts({record_id})", headers={"If-None-Match": response.headers["ETag"]})
    assert unchanged.status_code == 304


def test_bind_forms_and_misses(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    account = _create(api, "accounts", {"name": unique, "accountnumber": f"A{unique}"})
    root = emulators.endpoints.dataverse_url
    for value in (
        f"/accounts({account})",
        f"accounts({account})",
        f"{root}/api/data/v9.2/accounts({account})",
    ):
        contact = _create(api, "contacts", {"lastname": unique, "parentcustomerid_account@odata.bind": value})
        got = api.get(f"contacts({contact})?$select=_parentcustomerid_value").json()
        assert got["_parentcustomerid_value"] == account
    missing = "11111111-2222-3333-4444-555555555555"
    miss = api.post(
        "contacts", json={"lastname": unique, "parentcustomerid_account@odata.bind": f"/accounts({missing})"}
    )
    assert error_of(miss) == (404, "0x80040217", f"account With Id = {missing} Does Not Exist")
    undeclared = api.post("contacts", json={"lastname": unique, "parentcustomerid_foo@odata.bind": "/accounts(x)"})
    status, code, message = error_of(undeclared)
    assert (status, code) == (400, "0x80048d19")
    assert "An undeclared property 'parentcustomerid_foo'" in message


def test_alternate_key_url_forms(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    api.post(
        "EntityDefinitions(LogicalName='account')/Keys",
        json={"SchemaName": "new_account_number_key", "KeyAttributes": ["accountnumber"]},
    )
    emulators.dataverse_control.advance_keys(2, key="new_account_number_key")
    response = api.patch(f"accounts(accountnumber='K''{unique}')", json={"name": "Quoted"})
    assert response.status_code == 204
    assert response.headers["OData-EntityId"].endswith(f"accounts(accountnumber='K''{unique}')")
    got = api.get(f"accounts(accountnumber='k''{unique.upper()}')?$select=name")
    assert got.json()["name"] == "Quoted"  # keys compare case-insensitively, as on SQL Server
    account_id = got.json()["accountid"]
    by_key = {"parentcustomerid_account@odata.bind": f"/accounts(accountnumber='K''{unique}')"}
    bound = _create(api, "contacts", {"lastname": unique, **by_key})
    assert api.get(f"contacts({bound})?$select=_parentcustomerid_value").json()["_parentcustomerid_value"] == account_id
    missing = api.get("accounts(accountnumber='nope')")
    assert error_of(missing) == (
        404,
        "0x80060891",
        "A record with the specified key values does not exist in account entity",
    )
    wrong_columns = api.get("accounts(name='x')")
    status, code, message = error_of(wrong_columns)
    assert (status, code) == (400, "0x80060888")
    assert message.startswith("The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.account'")
    only_update = api.patch("accounts(accountnumber='nope')", json={"name": "x"}, headers={"If-Match": "*"})
    assert error_of(only_update)[:2] == (404, "0x80060891")


def test_query_options(api: httpx.Client, unique: str) -> None:
    for i, city in enumerate(["Nelson", "Napier", "Dunedin", "Nelson"]):
        _create(
            api,
            "contacts",
            {"lastname": f"Q{unique}", "firstname": f"F{i}", "address1_city": city, "numberofchildren": i},
        )
    base = f"contacts?$filter=lastname eq 'Q{unique}'"
    ordered = api.get(f"{base} and numberofchildren ge 1&$select=firstname&$orderby=address1_city desc,firstname")
    assert [r["firstname"] for r in ordered.json()["value"]] == ["F3", "F1", "F2"]
    counted = api.get(f"{base} and startswith(address1_city,'n')&$count=true&$top=1").json()
    assert counted["@odata.count"] == 3 and len(counted["value"]) == 1
    aliased = api.get(
        f"contacts?$filter=lastname eq @name and address1_city eq @city&@name='Q{unique}'&@city='Dunedin'"
    )
    assert [r["firstname"] for r in aliased.json()["value"]] == ["F2"]
    plain = api.get(f"contacts/$count?$filter=lastname eq 'Q{unique}'")
    assert (plain.text, plain.headers["content-type"]) == ("4", "text/plain")
    unknown = api.get("contacts?$select=lastname,nosuchcolumn")
    expected = "Could not find a property named 'nosuchcolumn' on type 'Microsoft.Dynamics.CRM.contact'."
    assert error_of(unknown) == (400, "0x80060888", expected)
    lookup_by_name = api.get("contacts?$select=parentcustomerid")
    assert error_of(lookup_by_name)[:2] == (400, "0x80060888")


def test_paging_with_next_link(api: httpx.Client, unique: str) -> None:
    for i in range(5):
        _create(api, "contacts", {"lastname": f"Pg{unique}", "firstname": str(i)})
    seen: list[str] = []
    url: str | None = f"contacts?$select=firstname&$filter=lastname eq 'Pg{unique}'&$orderby=firstname"
    pages = 0
    while url:
        response = api.get(url, headers={"Prefer": "odata.maxpagesize=2"})
        body = response.json()
        assert response.headers["Preference-Applied"] == "odata.maxpagesize=2"
        seen += [r["firstname"] for r in body["value"]]
        url = body.get("@odata.nextLink")
        assert url is None or "$skiptoken=" in url
        pages += 1
    assert (pages, seen) == (3, ["0", "1", "2", "3", "4"])


def test_expand_lookup_and_activity_parties(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    contact = _create(api, "contacts", {"lastname": unique})
    users = emulators.dataverse_control.dump_table("systemuser")
    dana = next(u["systemuserid"] for u in users if u.get("internalemailaddress") == "dana@clinic.example")
    appointment = _create(
        api,
        "appointments",
        {
            "subject": "Initial consult",
            "scheduledstart": "2023-05-02T09:00:00+12:00",
            "scheduledend": "2023-05-02T09:30:00+12:00",
            "regardingobjectid_contact_appointment@odata.bind": f"/contacts({contact})",
            "appointment_activity_parties": [
                {"partyid_contact@odata.bind": f"/contacts({contact})", "participationtypemask": 5},
                {"partyid_systemuser@odata.bind": f"/systemusers({dana})", "participationtypemask": 7},
            ],
        },
    )
    body = api.get(
        f"appointments({appointment})?$select=subject,scheduledstart,_regardingobjectid_value"
        "&$expand=appointment_activity_parties($select=participationtypemask,_partyid_value),"
        "regardingobjectid_contact_appointment($select=lastname)"
    ).json()
    assert body["scheduledstart"] == "2023-05-01T21:00:00Z"
    parties = {(p["participationtypemask"], p["_partyid_value"]) for p in body["appointment_activity_parties"]}
    assert parties == {(5, contact), (7, dana)}
    assert body["regardingobjectid_contact_appointment"]["lastname"] == unique
    wrong_mask = api.post(
        "appointments", json={"subject": "x", "appointment_activity_parties": [{"participationtypemask": 1}]}
    )
    assert error_of(wrong_mask)[:2] == (400, "0x80040203")


def test_single_property_operations(api: httpx.Client, unique: str) -> None:
    record_id = _create(api, "contacts", {"lastname": unique, "description": "to clear"})
    assert api.put(f"contacts({record_id})/jobtitle", json={"value": "Podiatrist"}).status_code == 204
    assert api.get(f"contacts({record_id})/jobtitle").json()["value"] == "Podiatrist"
    assert api.get(f"contacts({record_id})/jobtitle/$value").text == "Podiatrist"
    assert api.delete(f"contacts({record_id})/description").status_code == 204
    assert api.get(f"contacts({record_id})/description").json()["value"] is None
    account = _create(api, "accounts", {"name": unique})
    api.patch(f"contacts({record_id})", json={"parentcustomerid_account@odata.bind": f"/accounts({account})"})
    assert api.delete(f"contacts({record_id})/parentcustomerid_account/$ref").status_code == 204
    assert api.get(f"contacts({record_id})?$select=_parentcustomerid_value").json()["_parentcustomerid_value"] is None


def test_delete_cascades_to_notes(api: httpx.Client, unique: str) -> None:
    contact = _create(api, "contacts", {"lastname": unique})
    note = _create(api, "annotations", {"subject": "n", "objectid_contact@odata.bind": f"/contacts({contact})"})
    assert api.delete(f"contacts({contact})").status_code == 204
    assert error_of(api.get(f"annotations({note})"))[:2] == (404, "0x80040217")
    assert error_of(api.delete(f"contacts({contact})"))[:2] == (404, "0x80040217")


@pytest.mark.parametrize("path", ["", "$metadata", "WhoAmI", "organizations?$select=maxuploadfilesize"])
def test_service_documents(api: httpx.Client, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 200
    if path == "$metadata":
        assert '<EntitySet Name="contacts" EntityType="Microsoft.Dynamics.CRM.contact"/>' in response.text
    elif path.startswith("organizations"):
        assert response.json()["value"][0]["maxuploadfilesize"] == 5_242_880


def test_unknown_entity_set(api: httpx.Client) -> None:
    assert error_of(api.get("contactz")) == (
        404,
        "0x80060888",
        "Resource not found for the segment 'contactz'.",
    )


@pytest.mark.parametrize("option", ["fetchXml=%3Cfetch%2F%3E", "sql=SELECT%20lastname%20FROM%20contact", "$apply=x"])
def test_unimplemented_query_options_fail_loudly(api: httpx.Client, option: str) -> None:
    status, code, message = error_of(api.get(f"contacts?{option}"))
    assert (status, code) == (501, "0x80040203")
    assert "does not implement" in message


def test_preference_applied_echoes_the_annotations_asked_for(api: httpx.Client, unique: str) -> None:
    """bypass-power-automate-flows.md shows it: `Preference-Applied: odata.include-annotations="…"`."""
    record_id = _create(api, "contacts", {"lastname": f"Pa{unique}", "gendercode": 2})
    wanted = '"OData.Community.Display.V1.FormattedValue"'
    prefer = {"Prefer": f"odata.include-annotations={wanted}"}
    many = api.get(f"contacts?$select=gendercode&$filter=lastname eq 'Pa{unique}'", headers=prefer)
    assert many.headers["Preference-Applied"] == f"odata.include-annotations={wanted}"
    assert many.json()["value"][0]["gendercode@OData.Community.Display.V1.FormattedValue"] == "Female"
    one = api.get(f"contacts({record_id})?$select=gendercode", headers=prefer)
    assert one.headers["Preference-Applied"] == f"odata.include-annotations={wanted}"
    both = api.patch(
        f"contacts({record_id})?$select=gendercode",
        json={"jobtitle": "x"},
        headers={"Prefer": f"return=representation,odata.include-annotations={wanted}"},
    )
    assert both.headers["Preference-Applied"] == f"return=representation,odata.include-annotations={wanted}"
    assert "Preference-Applied" not in api.get(f"contacts({record_id})?$select=gendercode").headers
