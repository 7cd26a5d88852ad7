"""Metadata: EntityDefinitions queries, Attributes with casts, column creation, alternate keys (§6)."""

from __future__ import annotations

import time

import httpx
import pytest
from emulator_helpers import error_of

from emulators.launcher import RunningEmulators

NS = "Microsoft.Dynamics.CRM"


def _label(text: str) -> dict:
    return {"LocalizedLabels": [{"Label": text, "LanguageCode": 1033}]}


def _column(api: httpx.Client, kind: str, schema: str, **extra: object) -> httpx.Response:
    payload = {
        "@odata.type": f"{NS}.{kind}AttributeMetadata",
        "SchemaName": schema,
        "DisplayName": _label(schema),
    }
    return api.post("EntityDefinitions(LogicalName='contact')/Attributes", json={**payload, **extra})


def test_sdk_entity_lookup_query(api: httpx.Client) -> None:
    # Exactly what the SDK's requests sends: %24 for $, + for spaces (research/dataverse.md §10).
    raw = (
        "EntityDefinitions?%24select=LogicalName,EntitySetName,PrimaryIdAttribute"
        "&%24filter=LogicalName+eq+%27contact%27"
    )
    value = api.get(raw).json()["value"]
    assert len(value) == 1
    assert {k: value[0][k] for k in ("EntitySetName", "PrimaryIdAttribute")} == {
        "EntitySetName": "contacts",
        "PrimaryIdAttribute": "contactid",
    }
    assert "SchemaName" not in value[0] and value[0]["MetadataId"]


def test_picklist_cast_with_option_set(api: httpx.Client) -> None:
    url = f"EntityDefinitions(LogicalName='contact')/Attributes/{NS}.PicklistAttributeMetadata"
    value = api.get(f"{url}?$select=LogicalName&$expand=OptionSet($select=Options)").json()["value"]
    by_name = {item["LogicalName"]: item for item in value}
    assert "statecode" not in by_name and "lastname" not in by_name
    options = {
        o["Value"]: o["Label"]["LocalizedLabels"][0]["Label"] for o in by_name["gendercode"]["OptionSet"]["Options"]
    }
    assert options == {1: "Male", 2: "Female"}
    state = api.get(
        f"EntityDefinitions(LogicalName='appointment')/Attributes(LogicalName='statecode')/{NS}.StateAttributeMetadata?$expand=OptionSet"
    )
    states = {o["Value"]: o["DefaultStatus"] for o in state.json()["OptionSet"]["Options"]}
    assert states == {0: 1, 1: 3, 2: 4, 3: 5}


def test_attribute_lookup_and_absence(api: httpx.Client) -> None:
    found = api.get("EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='lastname')")
    assert found.json()["MaxLength"] == 50 and found.json()["AttributeType"] == "String"
    query = "$select=LogicalName&$filter=LogicalName eq 'nope'"
    filtered = api.get(f"EntityDefinitions(LogicalName='contact')/Attributes?{query}")
    assert filtered.json()["value"] == []
    assert api.get("EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='nope')").status_code == 404


@pytest.mark.parametrize(
    ("kind", "extra", "good", "bad", "bad_error"),
    [
        ("String", {"MaxLength": 10}, "short", "far too long", "0x80044331"),
        ("Memo", {"MaxLength": 20}, "a note", "x" * 21, "0x80044331"),
        ("Integer", {"MinValue": 0, "MaxValue": 10}, 7, 11, "0x80044331"),
        ("Decimal", {"Precision": 2}, 1.25, "abc", "0x80048d19"),
        ("Money", {}, 99.5, True, "0x80048d19"),
        ("DateTime", {"Format": "DateOnly"}, "2024-02-29", "2024-02-29T10:00:00Z", "0x80048d19"),
        ("DateTime", {"Format": "DateAndTime"}, "2024-02-29T10:00:00Z", "2024-02-29", "0x80048d19"),
        ("Boolean", {}, True, "yes", "0x80048d19"),
        (
            "Picklist",
            {"OptionSet": {"Options": [{"Value": 100000000, "Label": _label("A")}, {"Label": _label("B")}]}},
            100000001,
            5,
            "0x8004431A",
        ),
    ],
)
def test_created_columns_accept_and_reject_values(
    api: httpx.Client, unique: str, kind: str, extra: dict, good: object, bad: object, bad_error: str
) -> None:
    schema = f"new_{kind}{unique}"
    created = _column(api, kind, schema, **extra)
    assert created.status_code == 204
    assert created.headers["OData-EntityId"].startswith(
        f"{api.base_url}EntityDefinitions(LogicalName='contact')/Attributes("
    )
    column = schema.lower()
    assert api.get(f"contacts?$top=1&$select={column}").status_code == 200  # the SDK's visibility probe
    ok = api.post("contacts", json={"lastname": unique, column: good}, headers={"Prefer": "return=representation"})
    assert ok.status_code == 201 and ok.json()[column] == good
    assert error_of(api.post("contacts", json={"lastname": unique, column: bad}))[1] == bad_error


def test_duplicate_column_is_rejected(api: httpx.Client, unique: str) -> None:
    assert _column(api, "String", f"new_Dup{unique}").status_code == 204
    status, code, message = error_of(_column(api, "String", f"new_Dup{unique}"))
    assert (status, code) == (400, "0x80047013")
    assert "already exists" in message


def _key_status(api: httpx.Client, schema: str) -> str:
    keys = api.get(
        "EntityDefinitions(LogicalName='contact')/Keys?$select=SchemaName,KeyAttributes,EntityKeyIndexStatus"
    )
    return next(k["EntityKeyIndexStatus"] for k in keys.json()["value"] if k["SchemaName"] == schema)


def test_key_index_progresses_and_gates_upserts(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    _column(api, "String", f"new_Gate{unique}")
    key = f"new_gate{unique}_key"
    response = api.post(
        "EntityDefinitions(LogicalName='contact')/Keys",
        json={"SchemaName": key, "KeyAttributes": [f"new_gate{unique}"]},
    )
    assert response.status_code == 204
    assert response.headers["OData-EntityId"].startswith(
        f"{api.base_url}EntityDefinitions(LogicalName='contact')/Keys("
    )
    for expected in ("Pending", "InProgress"):
        assert _key_status(api, key) == expected
        blocked = api.patch(f"contacts(new_gate{unique}='x')", json={"lastname": "x"})
        assert error_of(blocked)[:2] == (400, "0x80060888")
        emulators.dataverse_control.advance_keys(1, key=key)
    assert _key_status(api, key) == "Active"
    assert api.patch(f"contacts(new_gate{unique}='x')", json={"lastname": "x"}).status_code == 204
    assert f'PropertyPath="new_gate{unique}"' in api.get("$metadata").text
    twin = api.post("contacts", json={"lastname": "y", f"new_gate{unique}": "X"})
    assert error_of(twin)[:2] == (412, "0x80060892")


def test_key_over_duplicate_rows_fails(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    column = f"new_twin{unique}"
    _column(api, "String", column)
    for _ in range(2):
        api.post("contacts", json={"lastname": unique, column: "same"})
    key = f"new_twin{unique}_key"
    api.post("EntityDefinitions(LogicalName='contact')/Keys", json={"SchemaName": key, "KeyAttributes": [column]})
    emulators.dataverse_control.advance_keys(2, key=key)
    assert _key_status(api, key) == "Failed"


def test_time_driven_key_activation_follows_the_time_scale(
    api: httpx.Client, emulators: RunningEmulators, unique: str
) -> None:
    emulators.dataverse_control.config(key_activation={"mode": "time", "step_seconds": 5})
    try:
        column = f"new_timed{unique}"
        _column(api, "String", column)
        key = f"{column}_key"
        api.post(
            "EntityDefinitions(LogicalName='contact')/Keys",
            json={"SchemaName": key, "KeyAttributes": [column]},
        )
        assert _key_status(api, key) == "Pending"
        time.sleep(0.12)  # two 5 s steps at time scale 0.01
        assert _key_status(api, key) == "Active"
    finally:
        emulators.dataverse_control.config(key_activation={"mode": "manual"})


def test_entity_definitions_expand_keys(api: httpx.Client) -> None:
    query = "$select=LogicalName&$filter=LogicalName eq 'account'&$expand=Keys($select=KeyAttributes)"
    url = f"EntityDefinitions?{query}"
    value = api.get(url).json()["value"]
    assert value[0]["LogicalName"] == "account"
    assert all(set(k) >= {"KeyAttributes", "MetadataId"} for k in value[0]["Keys"])


def test_tables_report_whether_they_take_new_columns(api: httpx.Client) -> None:
    # CanCreateAttributes / IsCustomizable are BooleanManagedProperty values, as a real org returns them.
    select = "$select=LogicalName,CanCreateAttributes,IsCustomizable"
    note = api.get(f"EntityDefinitions(LogicalName='annotation')?{select}").json()
    contact = api.get(f"EntityDefinitions(LogicalName='contact')?{select}").json()
    assert note["CanCreateAttributes"]["Value"] is False
    assert note["CanCreateAttributes"]["ManagedPropertyLogicalName"] == "cancreateattributes"
    assert contact["CanCreateAttributes"]["Value"] is True and contact["IsCustomizable"]["Value"] is True
    party = api.get(f"EntityDefinitions(LogicalName='activityparty')?{select}").json()
    assert party["IsCustomizable"]["Value"] is False


def test_new_column_on_a_table_that_refuses_them(api: httpx.Client) -> None:
    payload = {
        "@odata.type": f"{NS}.StringAttributeMetadata",
        "SchemaName": "new_notetype",
        "DisplayName": _label("new_notetype"),
        "MaxLength": 100,
    }
    refused = api.post("EntityDefinitions(LogicalName='annotation')/Attributes", json=payload)
    status, code, message = error_of(refused)
    assert (status, code) == (400, "0x80040203") and "CanCreateAttributes" in message
    missing = api.get("EntityDefinitions(LogicalName='annotation')/Attributes(LogicalName='new_notetype')")
    assert missing.status_code == 404


def test_state_is_not_valid_for_create_on_activities_and_contact(api: httpx.Client) -> None:
    def valid(table: str, column: str) -> tuple[bool, bool]:
        body = api.get(
            f"EntityDefinitions(LogicalName='{table}')/Attributes(LogicalName='{column}')"
            "?$select=IsValidForCreate,IsValidForUpdate"
        ).json()
        return body["IsValidForCreate"], body["IsValidForUpdate"]

    assert valid("appointment", "statecode") == (False, True)
    assert valid("contact", "statecode") == (False, True)
    assert valid("account", "statecode") == (True, True)
    assert valid("appointment", "overriddencreatedon") == (True, False)
    assert valid("appointment", "createdon") == (False, False)
