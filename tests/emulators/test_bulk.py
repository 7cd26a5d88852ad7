"""CreateMultiple / UpdateMultiple / UpsertMultiple on the wire, all-or-nothing (research §3.2)."""

from __future__ import annotations

import httpx
import pytest
from emulator_helpers import error_of

from emulators.launcher import RunningEmulators

CONTACT = "Microsoft.Dynamics.CRM.contact"


def _targets(rows: list[dict], entity: str = CONTACT) -> dict:
    return {"Targets": [{"@odata.type": entity, **row} for row in rows]}


def _rows(emulators: RunningEmulators, prefix: str) -> dict[str, dict]:
    rows = emulators.dataverse_control.dump_table("contact")
    return {r["lastname"]: r for r in rows if str(r.get("lastname") or "").startswith(prefix)}


def test_create_multiple_returns_ids(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    response = api.post(
        "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
        json=_targets([{"lastname": f"M{unique}-{i}"} for i in range(3)]),
    )
    body = response.json()
    assert response.status_code == 200
    assert body["@odata.context"].endswith("$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse")
    stored = _rows(emulators, f"M{unique}")
    assert body["Ids"] == [stored[f"M{unique}-{i}"]["contactid"] for i in range(3)]


def test_create_multiple_is_all_or_nothing(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    rows = [{"lastname": f"A{unique}-1"}, {"lastname": f"A{unique}-2", "gendercode": 99}]
    response = api.post("contacts/Microsoft.Dynamics.CRM.CreateMultiple", json=_targets(rows))
    assert error_of(response) == (400, "0x8004431A", "The picklist value is out of the range.")
    assert _rows(emulators, f"A{unique}") == {}


def test_update_multiple_needs_primary_keys(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    ids = api.post(
        "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
        json=_targets([{"lastname": f"U{unique}-{i}"} for i in (1, 2)]),
    ).json()["Ids"]
    updates = [
        {"contactid": ids[0], "jobtitle": "first"},
        {"contactid": ids[0], "jobtitle": "ignored duplicate"},
    ]
    updates.append({"contactid": ids[1], "jobtitle": "second"})
    assert api.post("contacts/Microsoft.Dynamics.CRM.UpdateMultiple", json=_targets(updates)).status_code == 204
    stored = _rows(emulators, f"U{unique}")
    assert (stored[f"U{unique}-1"]["jobtitle"], stored[f"U{unique}-2"]["jobtitle"]) == ("first", "second")
    no_key = api.post("contacts/Microsoft.Dynamics.CRM.UpdateMultiple", json=_targets([{"jobtitle": "x"}]))
    assert error_of(no_key)[:2] == (400, "0x80040203")


def test_upsert_multiple_by_key_and_by_id(api: httpx.Client, emulators: RunningEmulators, unique: str) -> None:
    api.post(
        "EntityDefinitions(LogicalName='contact')/Attributes",
        json={"@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata", "SchemaName": "new_BulkRef"},
    )
    key = {"SchemaName": "new_bulkref_key", "KeyAttributes": ["new_bulkref"]}
    api.post("EntityDefinitions(LogicalName='contact')/Keys", json=key)
    emulators.dataverse_control.advance_keys(2, key="new_bulkref_key")
    first = [{"@odata.id": f"contacts(new_bulkref='{unique}-{i}')", "lastname": f"K{unique}-{i}"} for i in (1, 2)]
    assert api.post("contacts/Microsoft.Dynamics.CRM.UpsertMultiple", json=_targets(first)).status_code == 204
    stored = _rows(emulators, f"K{unique}")
    assert {r["new_bulkref"] for r in stored.values()} == {f"{unique}-1", f"{unique}-2"}
    again = [
        {
            "@odata.id": f"contacts(new_bulkref='{unique}-1')",
            "lastname": f"K{unique}-1",
            "jobtitle": "updated",
        },
        {"contactid": stored[f"K{unique}-2"]["contactid"], "lastname": f"K{unique}-2", "jobtitle": "by id"},
    ]
    assert api.post("contacts/Microsoft.Dynamics.CRM.UpsertMultiple", json=_targets(again)).status_code == 204
    stored = _rows(emulators, f"K{unique}")
    assert len(stored) == 2
    assert (stored[f"K{unique}-1"]["jobtitle"], stored[f"K{unique}-2"]["jobtitle"]) == ("updated", "by id")
    duplicate = [first[0], first[0]]
    response = api.post("contacts/Microsoft.Dynamics.CRM.UpsertMultiple", json=_targets(duplicate))
    assert error_of(response)[:2] == (400, "0x80040203")


@pytest.mark.parametrize("entity_set", ["appointments", "annotations"])
def test_tables_without_bulk_messages(api: httpx.Client, entity_set: str) -> None:
    logical = entity_set[:-1]
    response = api.post(
        f"{entity_set}/Microsoft.Dynamics.CRM.CreateMultiple",
        json=_targets([{"subject": "x"}], f"Microsoft.Dynamics.CRM.{logical}"),
    )
    message = f"The 'CreateMultiple' method does not support entities of type '{logical}'."
    assert error_of(response) == (400, "0x80040203", message)


def test_support_is_discoverable_through_sdkmessagefilters(api: httpx.Client) -> None:
    query = (
        "sdkmessagefilters?$select=sdkmessagefilterid"
        "&$filter=sdkmessageid/name eq @message and primaryobjecttypecode eq @table"
    )
    supported = api.get(f"{query}&@message='CreateMultiple'&@table='contact'").json()["value"]
    unsupported = api.get(f"{query}&@message='CreateMultiple'&@table='appointment'").json()["value"]
    assert (len(supported), len(unsupported)) == (1, 0)


def test_targets_need_the_odata_type(api: httpx.Client) -> None:
    response = api.post("contacts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": [{"lastname": "x"}]})
    status, code, message = error_of(response)
    assert (status, code) == (400, "0x80040203")
    assert "@odata.type" in message


def test_upsert_multiple_key_in_odata_id_and_in_the_body(
    api: httpx.Client, emulators: RunningEmulators, unique: str
) -> None:
    """powerapps-docs use-upsert-insert-update-record.md: a record that does not exist is created with the key
    values of the body, "even if the data is different" from the key in the reference; an existing record keeps
    its key (the body's key values are removed before the update)."""
    api.post(
        "EntityDefinitions(LogicalName='contact')/Attributes",
        json={"@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata", "SchemaName": "new_BothRef"},
    )
    api.post(
        "EntityDefinitions(LogicalName='contact')/Keys",
        json={"SchemaName": "new_bothref_key", "KeyAttributes": ["new_bothref"]},
    )
    emulators.dataverse_control.advance_keys(2, key="new_bothref_key")
    rows = [
        {"@odata.id": f"contacts(new_bothref='{unique}-1')", "new_bothref": f"{unique}-1", "lastname": f"B{unique}-1"},
        {"@odata.id": f"contacts(new_bothref='{unique}-2')", "new_bothref": f"{unique}-x", "lastname": f"B{unique}-2"},
    ]
    response = api.post("contacts/Microsoft.Dynamics.CRM.UpsertMultiple", json=_targets(rows))
    assert response.status_code == 204, response.text
    stored = _rows(emulators, f"B{unique}")
    assert (stored[f"B{unique}-1"]["new_bothref"], stored[f"B{unique}-2"]["new_bothref"]) == (
        f"{unique}-1",
        f"{unique}-x",
    )
    update = [
        {"@odata.id": f"contacts(new_bothref='{unique}-1')", "new_bothref": f"{unique}-y", "jobtitle": "kept key"}
    ]
    assert api.post("contacts/Microsoft.Dynamics.CRM.UpsertMultiple", json=_targets(update)).status_code == 204
    stored = _rows(emulators, f"B{unique}")
    assert (stored[f"B{unique}-1"]["new_bothref"], stored[f"B{unique}-1"]["jobtitle"]) == (f"{unique}-1", "kept key")


def test_a_refused_bulk_request_creates_and_counts_nothing(
    api: httpx.Client, emulators: RunningEmulators, unique: str
) -> None:
    control = emulators.dataverse_control
    before = control.stats()["records"]["created"]
    rows = [{"lastname": f"R{unique}-{i}"} for i in range(3)] + [{"lastname": f"R{unique}-x", "gendercode": 99}]
    response = api.post("contacts/Microsoft.Dynamics.CRM.CreateMultiple", json=_targets(rows))
    assert error_of(response)[:2] == (400, "0x8004431A")
    assert _rows(emulators, f"R{unique}") == {}
    assert control.stats()["records"]["created"] == before
    missing = "00000000-0000-0000-0000-00000000abcd"
    update = api.post(
        "contacts/Microsoft.Dynamics.CRM.UpdateMultiple", json=_targets([{"contactid": missing, "jobtitle": "x"}])
    )
    assert error_of(update) == (404, "0x80040217", f"Contact With Ids = {missing} Do Not Exist")
