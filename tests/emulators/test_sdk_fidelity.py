"""Microsoft's own Python SDK runs unchanged against the emulators (research/dataverse.md §10)."""
# PowerPlatform-Dataverse-Client with its azure-identity token flow served by the Entra emulator.

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.identity import ClientSecretCredential
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.config import DataverseConfig
from PowerPlatform.Dataverse.core.errors import HttpError

from emulators.launcher import RunningEmulators

KEY = "new_contact_sdkref_key"


@pytest.fixture(scope="module")
def sdk(emulators: RunningEmulators, requests_trust: str) -> Iterator[DataverseClient]:
    ep = emulators.endpoints
    credential = ClientSecretCredential(
        ep.tenant_id,
        ep.client_id,
        ep.client_secret,
        authority=ep.entra_url,
        disable_instance_discovery=True,
        connection_verify=ep.ca_file,
    )
    with DataverseClient(ep.dataverse_url, credential, DataverseConfig(http_retries=1)) as client:
        yield client


@pytest.fixture(scope="module")
def columns(sdk: DataverseClient, emulators: RunningEmulators) -> list[str]:
    """Custom columns of every type the migration creates, and an alternate key made Active."""
    created = sdk.tables.add_columns(
        "contact",
        {
            "new_SdkRef": "string",
            "new_SdkVisits": "int",
            "new_SdkActive": "bool",
            "new_SdkBalance": "money",
            "new_SdkSeen": "datetime",
            "new_SdkNotes": "memo",
            "new_SdkScore": "decimal",
        },
    )
    key = sdk.tables.create_alternate_key("contact", KEY, ["new_sdkref"])
    assert key.status == "Pending"
    return created


def _key_status(sdk: DataverseClient) -> str:
    return next(k.status for k in sdk.tables.get_alternate_keys("contact") if k.schema_name == KEY)


def test_create_get_update_delete(sdk: DataverseClient, emulators: RunningEmulators, unique: str) -> None:
    record_id = sdk.records.create("contact", {"firstname": "Ann", "lastname": f"Sdk{unique}"})
    sdk.records.update("contact", record_id, {"jobtitle": "Physiotherapist"})
    record = sdk.records.retrieve("contact", record_id, select=["fullname", "jobtitle"])
    assert record is not None
    assert record["fullname"] == f"Ann Sdk{unique}"
    assert record["jobtitle"] == "Physiotherapist"
    sdk.records.delete("contact", record_id)
    assert sdk.records.retrieve("contact", record_id) is None
    stored = [r for r in emulators.dataverse_control.dump_table("contact") if r["contactid"] == record_id]
    assert stored == []


def test_bulk_create_returns_ids_in_order(sdk: DataverseClient, unique: str) -> None:
    ids = sdk.records.create("contact", [{"lastname": f"Bulk{unique}-{i}"} for i in range(5)])
    names = [sdk.records.retrieve("contact", rid, select=["lastname"])["lastname"] for rid in ids]
    assert names == [f"Bulk{unique}-{i}" for i in range(5)]


def test_add_columns_then_write_them(sdk: DataverseClient, columns: list[str], unique: str) -> None:
    expected = ["Ref", "Visits", "Active", "Balance", "Seen", "Notes", "Score"]
    assert columns == [f"new_Sdk{name}" for name in expected]
    record_id = sdk.records.create(
        "contact",
        {
            "lastname": f"Cols{unique}",
            "new_sdkvisits": 7,
            "new_sdkactive": True,
            "new_sdkbalance": 12.5,
            "new_sdkseen": "2024-02-29",
            "new_sdknotes": "long text",
            "new_sdkscore": 3.25,
        },
    )
    record = sdk.records.retrieve("contact", record_id)
    assert (record["new_sdkvisits"], record["new_sdkactive"], record["new_sdkbalance"]) == (7, True, 12.5)
    assert (record["new_sdkseen"], record["new_sdkscore"]) == ("2024-02-29", 3.25)
    column = sdk.tables.get_column("contact", "new_sdkvisits")
    assert column is not None and column["AttributeType"] == "Integer"


def test_upsert_by_alternate_key_single_and_bulk(
    sdk: DataverseClient, emulators: RunningEmulators, columns: list[str], unique: str
) -> None:
    # The index is built asynchronously: until it is Active, Dataverse does not accept the key (§6.2, §12).
    for expected in ("Pending", "InProgress"):
        assert _key_status(sdk) == expected
        with pytest.raises(HttpError) as raised:
            sdk.records.upsert("contact", [{"alternate_key": {"new_sdkref": f"R{unique}"}, "record": {}}])
        assert raised.value.status_code == 400
        assert raised.value.details["service_error_code"] == "0x80060888"
        assert "The key in the request URI is not valid" in raised.value.message
        emulators.dataverse_control.advance_keys(1, key=KEY)
    assert _key_status(sdk) == "Active"
    sdk.records.upsert("contact", [{"alternate_key": {"new_sdkref": f"R{unique}-1"}, "record": {"lastname": "One"}}])
    sdk.records.upsert(
        "contact",
        [{"alternate_key": {"new_sdkref": f"R{unique}-{i}"}, "record": {"lastname": f"Bulk{i}"}} for i in range(1, 4)],
    )
    found = sdk.records.list(
        "contact", filter=f"startswith(new_sdkref,'R{unique}-')", select=["lastname", "new_sdkref"]
    )
    by_key = {r["new_sdkref"]: r["lastname"] for r in found}
    assert by_key == {f"R{unique}-1": "Bulk1", f"R{unique}-2": "Bulk2", f"R{unique}-3": "Bulk3"}


def test_list_pages_with_filters(sdk: DataverseClient, unique: str) -> None:
    sdk.records.create("contact", [{"lastname": f"Page{unique}", "firstname": f"P{i:02d}"} for i in range(7)])
    pages = list(
        sdk.records.list_pages(
            "contact",
            filter=f"lastname eq 'page{unique}' and firstname ne 'P03'",
            select=["firstname"],
            orderby=["firstname desc"],
            page_size=2,
        )
    )
    names = [r["firstname"] for page in pages for r in page]
    assert len(pages) == 3
    assert names == ["P06", "P05", "P04", "P02", "P01", "P00"]
    chosen = sdk.records.list(
        "contact",
        filter="Microsoft.Dynamics.CRM.In(PropertyName='firstname',PropertyValues=['P01','P05'])"
        f" and lastname eq 'Page{unique}'",
        select=["firstname"],
        count=True,
    )
    assert sorted(r["firstname"] for r in chosen) == ["P01", "P05"]


def test_batch_with_a_change_set(sdk: DataverseClient, emulators: RunningEmulators, unique: str) -> None:
    batch = sdk.batch.new()
    with batch.changeset() as change_set:
        account = change_set.records.create("account", {"name": f"Clinic {unique}"})
        change_set.records.create(
            "contact", {"lastname": f"Batch{unique}", "parentcustomerid_account@odata.bind": account}
        )
    batch.records.create("contact", {"lastname": f"Batch{unique}-solo"})
    result = batch.execute()
    assert [r.status_code for r in result.responses] == [204, 204, 204]
    contacts = sdk.records.list(
        "contact",
        filter=f"startswith(lastname,'Batch{unique}')",
        select=["lastname", "_parentcustomerid_value"],
    )
    account_id = result.responses[0].entity_id
    linked = {r["lastname"]: r["_parentcustomerid_value"] for r in contacts}
    assert linked == {f"Batch{unique}": account_id, f"Batch{unique}-solo": None}
