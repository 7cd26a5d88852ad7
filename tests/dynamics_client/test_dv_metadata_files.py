"""Metadata (columns, option sets, alternate keys) and note documents, plain and in blocks, on the emulator."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os

import pytest
from dv_helpers import guid, make_client, stored

from emulators.launcher import RunningEmulators
from targets.dynamics import DataverseCapabilities, FileTooLargeError, TerminalError
from targets.dynamics.metadata import english_label

COLUMN = {
    "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
    "SchemaName": "new_SourceSystemId",
    "AttributeType": "String",
    "AttributeTypeName": {"Value": "StringType"},
    "MaxLength": 200,
    "FormatName": {"Value": "Text"},
    "RequiredLevel": {"Value": "None", "CanBeChanged": True},
    "DisplayName": english_label("Source System Id"),
}
KEY = "new_contact_sourcesystemid_key"


def test_column_and_alternate_key(emulators: RunningEmulators) -> None:
    control = emulators.dataverse_control

    async def scenario() -> tuple[dict, list[dict], list[dict], TerminalError]:
        async with make_client(emulators) as dv:
            entity = await dv.entity_definition("contact")
            await dv.create_attribute("contact", COLUMN, solution="practicemigration")
            columns = await dv.attributes("contact")
            await dv.create_key("contact", KEY, ["new_sourcesystemid"])
            waiting = asyncio.create_task(dv.wait_for_keys_active("contact", [KEY], timeout=120, poll=0.05))
            await asyncio.sleep(0.2)
            assert not waiting.done()  # still Pending: nothing advanced the index yet
            await asyncio.to_thread(control.advance_keys, 2, key=KEY)
            await waiting
            keys = await dv.keys("contact")
            with pytest.raises(TerminalError) as duplicate:
                await dv.create_attribute("contact", COLUMN)
            return entity, columns, keys, duplicate.value

    entity, columns, keys, duplicate = asyncio.run(scenario())
    assert (entity["EntitySetName"], entity["PrimaryIdAttribute"]) == ("contacts", "contactid")
    assert entity["MetadataId"]
    column = next(c for c in columns if c["LogicalName"] == "new_sourcesystemid")
    assert column == {
        "LogicalName": "new_sourcesystemid",
        "AttributeType": "String",
        "SchemaName": "new_SourceSystemId",
        "IsValidForCreate": True,
        "IsValidForUpdate": True,
        "MaxLength": 200,
    }
    assert entity["CanCreateAttributes"]["Value"] is True
    assert next(c for c in columns if c["LogicalName"] == "birthdate").get("MaxLength") is None
    assert {"SchemaName": KEY, "KeyAttributes": ["new_sourcesystemid"], "EntityKeyIndexStatus": "Active"} in keys
    assert (duplicate.status, duplicate.code) == (400, "0x80047013")


def test_key_over_duplicate_values_fails_and_waiting_times_out(emulators: RunningEmulators) -> None:
    control = emulators.dataverse_control

    async def scenario() -> None:
        async with make_client(emulators) as dv:
            await dv.create_attribute("contact", COLUMN)
            rows = [{"contactid": guid("dup", i), "lastname": "Dup", "new_sourcesystemid": "same"} for i in range(2)]
            await dv.upsert_multiple("contacts", "contact", rows)
            await dv.create_key("contact", KEY, ["new_sourcesystemid"])
            with pytest.raises(TimeoutError):
                await dv.wait_for_keys_active("contact", [KEY], timeout=0.2, poll=0.05)
            await asyncio.to_thread(control.advance_keys, 2, key=KEY)
            with pytest.raises(TerminalError, match="HTTP 409"):
                await dv.wait_for_keys_active("contact", [KEY], timeout=120, poll=0.05)  # a hang guard only

    asyncio.run(scenario())


def test_picklist_and_state_options(emulators: RunningEmulators) -> None:
    async def scenario() -> tuple[dict[int, str], dict[int, str]]:
        async with make_client(emulators) as dv:
            return await dv.picklist_options("contact", "gendercode"), await dv.picklist_options(
                "appointment", "statecode"
            )

    gender, state = asyncio.run(scenario())
    assert gender and all(isinstance(v, int) for v in gender) and 1 in gender
    assert state == {0: "Open", 1: "Completed", 2: "Canceled", 3: "Scheduled"}


def _note(number: int, contact_id: str) -> dict:
    return {
        "annotationid": guid("annotation", number),
        "subject": f"Letter {number}",
        "filename": f"letter-{number}.pdf",
        "mimetype": "application/pdf",
        "notetext": "Referral letter",
        "objectid_contact@odata.bind": f"/contacts({contact_id})",
    }


def test_upload_annotation_plain_and_in_blocks(emulators: RunningEmulators) -> None:
    contact_id = guid("contact", "notes")
    org = emulators.dataverse_control.dump_table("organization")[0]
    small, large = b"%PDF-1.4 small", os.urandom(4 * 1024 * 1024 + 300_000)  # base64 ≈ 5.99 MB

    async def scenario() -> tuple[int, int]:
        async with make_client(emulators) as dv:
            await dv.patch("contacts", contact_id, {"lastname": "Notes"})
            await dv.patch("organizations", org["organizationid"], {"maxuploadfilesize": 10_485_760})
            await dv.detect_capabilities(["annotation"])
            before = dv.stats.requests
            await dv.upload_annotation(_note(1, contact_id), small)
            plain = dv.stats.requests - before
            await dv.upload_annotation(_note(2, contact_id), large)
            await dv.upload_annotation(_note(2, contact_id), large)  # again: same note, not a second one
            return plain, dv.stats.requests - before - plain

    plain_requests, block_requests = asyncio.run(scenario())
    notes = {row["annotationid"]: row for row in stored(emulators, "annotation")}
    assert len(notes) == 2
    assert base64.b64decode(notes[guid("annotation", 1)]["documentbody"]) == small
    big = base64.b64decode(notes[guid("annotation", 2)]["documentbody"])
    assert hashlib.sha256(big).digest() == hashlib.sha256(large).digest()
    assert notes[guid("annotation", 2)]["objectid"]["id"] == contact_id
    assert plain_requests == 1  # one upsert PATCH with documentbody
    assert block_requests == 2 * (1 + 2 + 1)  # Initialize, two 4 MB blocks, Commit — twice


def test_file_over_the_limit_is_refused_without_a_request(emulators: RunningEmulators) -> None:
    caps = DataverseCapabilities(max_upload_bytes=1000)

    async def scenario() -> int:
        async with make_client(emulators, capabilities=caps) as dv:
            with pytest.raises(FileTooLargeError) as refused:
                await dv.upload_annotation(_note(3, guid("contact", "x")), b"x" * 751)  # base64: 1,004 bytes
            assert (refused.value.status, refused.value.code) == (400, "0x80044a02")
            return dv.stats.requests

    assert asyncio.run(scenario()) == 0
    assert stored(emulators, "annotation") == []
