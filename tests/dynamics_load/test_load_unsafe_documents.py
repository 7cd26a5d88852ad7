"""The loader re-checks a document's path before it reads a byte (issue 15 item 1): a note whose prepared
document points outside the run's dump — directly, through `..`, or through a symlink planted inside the
dump — fails with `unsafe_path`, and the canary file's bytes reach no record of the emulated org."""

from __future__ import annotations

import base64

import polars as pl
from dynamics_load_helpers import ledger_operations, load, migrated_rows

from emulators.launcher import RunningEmulators
from targets.dynamics import flow

CANARY = b"CANARY: another customer's report, must never be uploaded\n"


def test_documents_outside_the_dump_are_refused_before_any_byte_is_read(
    ready_part: flow.Partition, org: RunningEmulators
) -> None:
    (dump,) = ready_part.file_roots
    canary = ready_part.home.root.parent / "canary.txt"  # this test's own folder, outside the dump
    canary.write_bytes(CANARY)
    link = dump / "attachments" / "zz-unsafe-document-test.pdf"
    with ready_part.warehouse.connect() as con:
        notes = (
            con.sql(
                "select canonical_id from dynamics.annotation where document is not null and run_kind = ? "
                "order by canonical_id limit 3",
                params=[ready_part.run_kind],
            )
            .pl()["canonical_id"]
            .to_list()
        )
        assert len(notes) == 3, "the practice needs notes with documents"
        hostile = {notes[0]: str(canary), notes[1]: f"{dump}/attachments/../../{canary.name}", notes[2]: str(link)}
        for key, path in hostile.items():
            con.execute(
                "update dynamics.annotation set document = ? where canonical_id = ? and run_kind = ?",
                [path, key, ready_part.run_kind],
            )
    link.symlink_to(canary)
    try:
        outcome = load(ready_part, "run-unsafe", tables=["account", "contact", "annotation"])
    finally:
        link.unlink()

    annotation = next(t for t in outcome.tables if t.table == "annotation")
    assert annotation.failed == 3 and annotation.errors == {"0 unsafe_path": 3}
    landed = migrated_rows(org, ready_part, "annotation")
    assert not set(hostile) & set(landed)
    encoded = base64.b64encode(CANARY).decode("ascii")
    assert all(r.get("documentbody") != encoded for r in landed.values())
    assert annotation.created == annotation.considered - 3 > 0
    failed = ledger_operations(ready_part, "run-unsafe").filter(pl.col("operation") == "failed")
    assert sorted(failed["canonical_id"].to_list()) == sorted(hostile)
