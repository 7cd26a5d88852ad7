"""DataverseClient against the emulator: WhoAmI, capabilities, UpsertMultiple, paging, by-id reads, PATCH, DELETE."""

from __future__ import annotations

import asyncio

from dv_helpers import contacts, guid, make_client, stored

from emulators.launcher import RunningEmulators


def test_whoami_sets_concurrency_from_the_dop_hint(emulators: RunningEmulators) -> None:
    emulators.dataverse_control.config(dop_hint=7)

    async def scenario() -> tuple[dict, int, int]:
        async with make_client(emulators) as dv:
            before = dv.limiters[emulators.endpoints.client_id].limit
            me = await dv.whoami()
            return me, before, dv.limiters[emulators.endpoints.client_id].limit

    try:
        me, before, after = asyncio.run(scenario())
    finally:
        emulators.dataverse_control.config(dop_hint=4)
    assert set(me) >= {"UserId", "BusinessUnitId", "OrganizationId"}
    assert (before, after) == (4, 7)


def test_explicit_initial_concurrency_wins_over_the_hint(emulators: RunningEmulators) -> None:
    async def scenario() -> int:
        async with make_client(emulators, initial_concurrency=2) as dv:
            await dv.whoami()
            return dv.limiters[emulators.endpoints.client_id].limit

    assert asyncio.run(scenario()) == 2


def test_detect_capabilities(emulators: RunningEmulators) -> None:
    org = emulators.dataverse_control.dump_table("organization")[0]

    async def scenario() -> tuple[frozenset[str], int]:
        async with make_client(emulators) as dv:
            await dv.patch("organizations", org["organizationid"], {"maxuploadfilesize": 10_000_000})
            caps = await dv.detect_capabilities(["contact", "invoicedetail", "appointment", "annotation"])
            assert dv.capabilities is caps
            return caps.bulk_tables, caps.max_upload_bytes

    bulk, limit = asyncio.run(scenario())
    assert bulk == {"contact", "invoicedetail"}
    assert limit == 10_000_000


def test_upsert_multiple_twice_then_read_back(emulators: RunningEmulators) -> None:
    first = contacts(500)
    second = [dict(row, jobtitle="second") if i % 2 == 0 else row for i, row in enumerate(first)]

    async def scenario() -> tuple[list[dict], list[dict], int, int]:
        async with make_client(emulators) as dv:
            for payload in (first, second):
                await asyncio.gather(
                    *(dv.upsert_multiple("contacts", "contact", payload[i : i + 200]) for i in (0, 200, 400))
                )
            ids = [row["contactid"] for row in first]
            by_id = await dv.get_by_ids("contacts", "contactid", ids, ["lastname", "jobtitle"], chunk=64)
            before = dv.stats.requests
            paged = await dv.get_all("contacts", select=["contactid"], page_size=70)
            return by_id, paged, dv.stats.requests - before, dv.stats.records_written

    by_id, paged, pages, written = asyncio.run(scenario())
    rows = {r["contactid"]: r for r in stored(emulators)}
    assert len(rows) == 500  # the second pass updated, it did not duplicate
    assert all(rows[r["contactid"]]["jobtitle"] == r["jobtitle"] for r in second)
    assert {r["contactid"]: r["jobtitle"] for r in by_id} == {r["contactid"]: r["jobtitle"] for r in second}
    assert sorted(r["contactid"] for r in paged) == sorted(rows)
    assert pages == 8  # ⌈500 / 70⌉ pages, nextLink followed to the end
    assert written == 1000


def test_get_by_ids_quotes_values_and_skips_missing(emulators: RunningEmulators) -> None:
    async def scenario() -> list[dict]:
        async with make_client(emulators) as dv:
            await dv.upsert_multiple("contacts", "contact", [{"contactid": guid("c", 1), "lastname": "O'Neil"}])
            return await dv.get_by_ids("contacts", "lastname", ["O'Neil", "Nobody"], ["contactid"])

    assert [row["contactid"] for row in asyncio.run(scenario())] == [guid("c", 1)]


def test_patch_and_delete(emulators: RunningEmulators) -> None:
    contact_id = guid("contact", "patch")

    async def scenario() -> tuple[int, bool, bool]:
        async with make_client(emulators) as dv:
            created = await dv.patch("contacts", contact_id, {"lastname": "Upserted"})
            await dv.patch("contacts", contact_id, {"jobtitle": "Physio"}, if_match="*")
            assert [r["jobtitle"] for r in stored(emulators) if r["contactid"] == contact_id] == ["Physio"]
            return created.status_code, await dv.delete("contacts", contact_id), await dv.delete("contacts", contact_id)

    status, deleted, again = asyncio.run(scenario())
    assert (status, deleted, again) == (204, True, False)
    assert not [r for r in stored(emulators) if r["contactid"] == contact_id]
