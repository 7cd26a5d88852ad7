"""The Dynamics flow end to end against the emulators: schema gate, load, read-back, audit, delta, rollback."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import polars as pl
import pytest
from dynamics_load_helpers import (
    CUSTOMER,
    OPERATOR,
    assert_verified,
    dump_users,
    emulator_rows,
    ledger_operations,
    ledger_records,
    load,
    migrated_rows,
    seed_users,
    staged_counts,
    writes_between,
)

from emulators.launcher import RunningEmulators
from synthetic import GenerationSummary
from targets.base import StepEvents
from targets.dynamics import DataverseCapabilities, flow
from targets.dynamics.payloads import record_guid
from targets.dynamics.target import TARGET

NO_WRITES = {"created": 0, "updated": 0, "deleted": 0}
# Set by the platform on every write: never compared between snapshots of a row.
VOLATILE = {"modifiedon", "versionnumber", "modifiedby", "modifiedonbehalfby"}


def _stable(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in VOLATILE}


def _by_id(rows: list[dict], pk: str) -> dict[str, dict]:
    return {str(r[pk]).lower(): _stable(r) for r in rows}


def test_full_load_waits_for_the_schema_plan_then_lands_everything_verified_and_audited(
    part: flow.Partition, org: RunningEmulators, load_practice: GenerationSummary
) -> None:
    control = org.dataverse_control
    control.reset()  # an org without the migration's columns and keys
    seed_users(control, dump_users(load_practice.out_dir))
    plan = flow.run(flow.schema_plan(part))
    assert plan.missing and not plan.ready
    flow.run(flow.resolve_owners(part))

    before = control.stats()
    with pytest.raises(flow.SchemaNotReadyError) as refused:
        load(part, "run-blocked")
    message = str(refused.value)
    assert message.startswith(f"{len(plan.missing)} schema plan items are not in the org")
    for item in plan.missing[:10]:
        assert f"{item.table}.{item.name} ({item.status})" in message
    assert writes_between(before, control.stats()) == NO_WRITES
    assert (part.reports / "schema-plan.md").is_file()

    plan = flow.run(flow.schema_plan(part, apply=True))
    assert plan.ready and not plan.missing
    counts = staged_counts(part)
    assert counts and all(counts.values())

    outcome = load(part, "run-1")
    assert {t.table: t.created for t in outcome.tables} == counts
    assert all(t.failed == 0 and t.updated == 0 and t.unchanged == 0 for t in outcome.tables)
    assert outcome.written == sum(counts.values())

    assert_verified(part)
    for table, count in counts.items():
        assert len(emulator_rows(org, table)) == count, table

    operations = ledger_operations(part, "run-1")
    assert operations["operation"].unique().to_list() == ["create"]
    # The invoices' price list, created by the load, is in the audit log too (one currency).
    assert dict(operations.group_by("target_table").len().iter_rows()) == {**counts, "pricelevel": 1}
    paths = flow.export_audit(part)
    assert sorted(p.name for p in paths) == ["audit-log.csv", "audit-log.parquet"]
    assert all(p.parent == part.reports and p.is_file() for p in paths)
    keys = ["target_table", "canonical_id", "target_id", "operation"]
    expected = operations.select(keys).sort(keys)
    for exported in (
        pl.read_csv(part.reports / "audit-log.csv", infer_schema=False),
        pl.read_parquet(part.reports / "audit-log.parquet"),
    ):
        assert exported.height == ledger_operations(part).height == operations.height
        assert exported.filter(pl.col("run_id") == "run-1").select(keys).sort(keys).equals(expected)


def test_second_pass_over_unchanged_data_sends_no_write(ready_part: flow.Partition, org: RunningEmulators) -> None:
    counts = staged_counts(ready_part)
    first = load(ready_part, "run-1")
    assert first.written == sum(counts.values())

    control = org.dataverse_control
    before = control.stats()
    second = load(ready_part, "run-2")
    after = control.stats()
    assert second.written == 0
    assert {t.table: t.unchanged for t in second.tables} == counts
    assert all(t.failed == 0 for t in second.tables)
    assert writes_between(before, after) == NO_WRITES
    assert after["requests"] > before["requests"]  # it did talk to the org (reads only)
    operations = ledger_operations(ready_part, "run-2")
    assert operations["operation"].unique().to_list() == ["unchanged"]
    assert operations.height == sum(counts.values())


def test_a_re_run_with_nothing_to_send_shows_every_record_looked_at_and_skipped(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """Issue 25 item 2: a no-op re-run's progress lines count the records it compared and skipped, not 0/0."""
    counts = staged_counts(ready_part)
    load(ready_part, "run-1")
    lines: list[str] = []
    second = TARGET.load(ready_part, "run-2", OPERATOR, StepEvents(progress=lines.append))
    assert sum(t.created + t.updated for t in second.tables) == 0
    for table, n in counts.items():
        closing = [line for line in lines if line.startswith(f"load dynamics/{table}: ") and "done in" in line]
        assert len(closing) == 1, (table, lines)
        assert closing[0].startswith(f"load dynamics/{table}: {n}/{n} records (100%), {n} unchanged (skipped), ")
    assert f"load dynamics: 0 records written, {sum(counts.values())} unchanged, 0 failed" in "\n".join(lines)


def test_one_changed_client_is_one_update_with_its_pre_image_and_a_run_rollback_restores_it(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    part = ready_part
    tables = ["account", "contact"]  # clients become contacts; accounts stand for every other table
    load(part, "run-1", tables=tables)
    loaded = _by_id(emulator_rows(org, "contact"), "contactid")
    other_tables = {"account": emulator_rows(org, "account")}

    with part.warehouse.connect() as con:
        client_id = con.sql(
            "select canonical_id from staged.client where run_kind = ? and occupation is not null "
            "order by canonical_id limit 1",
            params=[part.run_kind],
        ).fetchall()[0][0]
        con.execute(
            "update staged.client set occupation = 'Changed occupation' where run_kind = ? and canonical_id = ?",
            [part.run_kind, client_id],
        )
    flow.prepare(part)
    guid = record_guid(part.config.customer_id, "contact", client_id)
    previous = loaded[guid]["jobtitle"]
    assert previous and previous != "Changed occupation"

    control = org.dataverse_control
    before = control.stats()
    outcome = load(part, "run-2", tables=tables)
    assert writes_between(before, control.stats()) == {
        "created": 0,
        "updated": 1,
        "deleted": 0,
        "requests:UpsertMultiple": 1,
    }
    assert outcome.written == 1
    assert [(t.table, t.updated, t.created) for t in outcome.tables if t.written] == [("contact", 1, 0)]
    changes = ledger_operations(part, "run-2").filter(pl.col("operation") != "unchanged")
    assert changes.select("target_table", "canonical_id", "target_id", "operation").rows() == [
        ("contact", client_id, guid, "update")
    ]
    pre_image = json.loads(changes["pre_image"][0])
    assert pre_image["contactid"] == guid and pre_image["jobtitle"] == previous
    assert _by_id(emulator_rows(org, "contact"), "contactid")[guid]["jobtitle"] == "Changed occupation"

    before = control.stats()
    result = flow.run(flow.rollback(part, "rollback-run-2", OPERATOR, load_run_id="run-2"))
    assert (result.deleted, result.restored, result.failed) == (0, 1, 0)
    restore = {"created": 0, "updated": 1, "deleted": 0, "requests:batch": 1}  # the pre-image in one $batch
    assert writes_between(before, control.stats()) == restore
    assert _by_id(emulator_rows(org, "contact"), "contactid") == loaded  # that row restored, the rest untouched
    assert {t: emulator_rows(org, t) for t in other_tables} == other_tables
    reverted = ledger_operations(part, "rollback-run-2")
    assert reverted.select("canonical_id", "operation").rows() == [(client_id, "reverted")]


def test_full_rollback_removes_everything_loaded_and_a_second_one_does_nothing(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    part = ready_part
    counts = staged_counts(part)
    org_tables = ["systemuser", "businessunit", "transactioncurrency", "team", "activityparty", "pricelevel"]
    pre_load = {t: emulator_rows(org, t) for t in [*counts, *org_tables]}
    load(part, "run-1")
    assert {t: len(emulator_rows(org, t)) for t in counts} == {t: n + len(pre_load[t]) for t, n in counts.items()}
    assert len(emulator_rows(org, "pricelevel")) == len(pre_load["pricelevel"]) + 1  # the invoices' price list
    created = {**counts, "pricelevel": 1}

    control = org.dataverse_control
    before = control.stats()
    result = flow.run(flow.rollback(part, "rollback-1", OPERATOR))
    assert result.failed == 0 and result.errors == {}
    assert result.deleted == sum(created.values()) and result.restored == 0
    assert {t: n for t, n in result.by_table.items() if n} == created
    after = control.stats()
    assert writes_between(before, after)["deleted"] >= sum(created.values())
    # Batched: every request of the rollback is a $batch, each of at least the size a table's requests start at.
    batches = writes_between(before, after)["requests:batch"]
    assert after["requests"] - before["requests"] == batches
    first_size = DataverseCapabilities().initial_batch_operations
    assert batches <= sum(math.ceil(n / first_size) for n in created.values())  # one DELETE a request: 1 a record
    assert {t: emulator_rows(org, t) for t in pre_load} == pre_load

    operations = ledger_operations(part, "rollback-1")
    assert operations["operation"].unique().to_list() == ["rolled_back"]
    assert dict(operations.group_by("target_table").len().iter_rows()) == created
    assert ledger_records(part)["status"].unique().to_list() == ["rolled_back"]
    audit = pl.read_csv(part.reports / "audit-log.csv", infer_schema=False)  # the rollback exports the audit log
    assert audit.filter(pl.col("run_id") == "rollback-1").height == operations.height

    before = control.stats()
    again = flow.run(flow.rollback(part, "rollback-2", OPERATOR))
    assert (again.deleted, again.restored, again.failed) == (0, 0, 0)
    assert control.stats()["requests"] == before["requests"]
    assert ledger_operations(part, "rollback-2").is_empty()
    assert {t: emulator_rows(org, t) for t in pre_load} == pre_load


def test_a_record_the_org_already_holds_but_this_ledger_never_wrote_is_an_update_and_rollback_restores_it(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """The GUIDs are derived from canonical ids, so the org can hold our record without this ledger knowing
    (another run kind's ledger aimed at the same org, a ledger restored from an older copy): the load must
    read it back for its pre-image, and a full rollback must restore it, never delete it."""
    part = ready_part
    tables = ["account", "contact"]
    load(part, "run-1", tables=tables)
    held = _by_id(emulator_rows(org, "contact"), "contactid")
    with part.warehouse.connect() as con:  # this ledger forgets every write it made
        for table in ("operation", "record", "intent"):
            con.execute(f"delete from ledger.{table} where run_kind = ?", [part.run_kind])

    outcome = load(part, "run-2", tables=tables)
    contacts = next(t for t in outcome.tables if t.table == "contact")
    assert (contacts.created, contacts.updated) == (0, len(held))
    assert ledger_records(part).filter(pl.col("target_table") == "contact")["created_by_migration"].to_list() == [
        False
    ] * len(held)

    result = flow.run(flow.rollback(part, "rollback-run-2", OPERATOR))
    assert result.failed == 0
    assert result.by_table.get("contact", 0) == len(held) and result.restored >= len(held)
    assert _by_id(emulator_rows(org, "contact"), "contactid") == held  # restored, none deleted


def test_documents_over_the_orgs_upload_limit_are_reported_not_dropped(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """A note whose file's base64 is longer than `organization.maxuploadfilesize` is refused before it is
    sent, ledgered as failed with the reason, and counted in the load's errors; the other notes land."""
    with ready_part.warehouse.connect(read_only=True) as con:
        notes = con.sql("select canonical_id, document from dynamics.annotation where document is not null").pl()
    sizes = {r["canonical_id"]: 4 * -(-Path(r["document"]).stat().st_size // 3) for r in notes.iter_rows(named=True)}
    assert len(set(sizes.values())) > 1, "the practice needs files of different sizes"
    limit = sorted(sizes.values())[len(sizes) // 2]
    too_large = {key for key, size in sizes.items() if size > limit}
    assert too_large

    async def lower_the_limit() -> None:
        async with flow.dataverse_client(ready_part) as client:
            org_row = (await client.request("GET", "organizations", params={"$select": "organizationid"})).json()
            org_id = org_row["value"][0]["organizationid"]
            await client.patch("organizations", org_id, {"maxuploadfilesize": limit}, if_match="*")

    flow.run(lower_the_limit())
    outcome = load(ready_part, "run-limit")
    annotation = next(t for t in outcome.tables if t.table == "annotation")
    assert annotation.failed == len(too_large)
    assert sum(annotation.errors.values()) == len(too_large)
    failed = ledger_operations(ready_part, "run-limit").filter(pl.col("operation") == "failed")
    assert set(failed["canonical_id"]) == too_large
    assert set(failed["error_code"]) == {"0x80044a02"}
    assert all("maxuploadfilesize" in m for m in failed["error_message"])
    landed = set(migrated_rows(org, ready_part, "annotation"))
    assert not landed & too_large
    assert set(sizes) - too_large <= landed


def test_note_documents_go_inline_in_batches_or_in_blocks_and_land_byte_for_byte(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    """Documents up to `upload_block_bytes` of base64 travel inside the notes' `$batch` change sets; larger
    ones go through the block actions; a file that cannot be read is reported, not sent. Every document
    that lands holds exactly the file's bytes."""
    with ready_part.warehouse.connect(read_only=True) as con:
        notes = con.sql("select canonical_id, document from dynamics.annotation where document is not null").pl()
    files = {r["canonical_id"]: Path(r["document"]) for r in notes.iter_rows(named=True)}
    sizes = {key: 4 * -(-path.stat().st_size // 3) for key, path in files.items()}
    threshold = sorted(sizes.values())[len(sizes) // 2]
    in_blocks = {key for key, size in sizes.items() if size > threshold}
    assert in_blocks and len(in_blocks) < len(sizes), "the practice needs files of different sizes"
    unreadable = min(set(sizes) - in_blocks)
    kept = files[unreadable].with_suffix(".kept")
    files[unreadable].rename(kept)
    try:
        control = org.dataverse_control
        before = control.stats()
        capabilities = DataverseCapabilities(upload_block_bytes=threshold)
        outcome = load(
            ready_part, "run-documents", tables=["account", "contact", "annotation"], capabilities=capabilities
        )
        after = control.stats()
    finally:
        kept.rename(files[unreadable])
    annotation = next(t for t in outcome.tables if t.table == "annotation")
    assert annotation.failed == 1 and annotation.errors == {"0 missing_file": 1}
    uploads = after["operations"].get("InitializeAnnotationBlocksUpload", 0)
    uploads -= before["operations"].get("InitializeAnnotationBlocksUpload", 0)
    assert uploads == len(in_blocks)
    landed = migrated_rows(org, ready_part, "annotation")
    assert unreadable not in landed
    for key, path in files.items():
        if key != unreadable:
            assert landed[key]["documentbody"] == base64.b64encode(path.read_bytes()).decode("ascii"), key
    failed = ledger_operations(ready_part, "run-documents").filter(pl.col("operation") == "failed")
    assert failed["canonical_id"].to_list() == [unreadable]


def test_the_read_back_reports_a_document_cut_short_in_the_target(ready_part: flow.Partition) -> None:
    """Dataverse's `filesize` of each note's document is compared with the file's size, so a document that
    lost bytes in the target is a difference of that record, not a clean read-back."""
    outcome = load(ready_part, "run-1", tables=["account", "contact", "annotation"])
    assert all(t.failed == 0 for t in outcome.tables)
    with ready_part.warehouse.connect(read_only=True) as con:
        key, path = con.execute(
            "select canonical_id, document from dynamics.annotation where document is not null order by 1 limit 1"
        ).fetchall()[0]
    shortened = base64.b64encode(Path(path).read_bytes()[:-1]).decode("ascii")

    async def cut_short() -> None:
        async with flow.dataverse_client(ready_part) as client:
            await client.patch("annotations", record_guid(CUSTOMER, "annotation", key), {"documentbody": shortened})

    before = {r.table: r for r in flow.run(flow.verify(ready_part, ["annotation"]))}["annotation"]
    assert before.fields["filesize"].compared > 0 and before.fields["filesize"].different == 0
    flow.run(cut_short())
    after = {r.table: r for r in flow.run(flow.verify(ready_part, ["annotation"]))}["annotation"]
    assert after.fields["filesize"].different == 1 and after.fields["filesize"].examples == [key]
    assert after.differences == 1 and after.expected_checksum != after.actual_checksum
    # The field diff shows what was sent and what the org holds (issue 25 item 7): one byte less.
    [(record, sent, found)] = after.fields["filesize"].sent_vs_found
    assert record == key and int(sent) - int(found) == 1
    diff = (ready_part.reports / "field-diff-values.csv").read_text(encoding="utf-8")
    assert f"annotation,filesize,{key},{sent},{found}" in diff
