"""What the Core Plus API does not cover — referrers, clinical notes, payments — from the CSV export beside the
API's files (sources/coreplus/export.py, layout assumed): read by the tabular family's CSV reader, mapped,
reconciled; absent, it is zero rows with a note; in an API snapshot it is copied in and checksummed."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from coreplus_helpers import PRACTICE_ARGS, api_source_block, make_settings, stage_dump

from emulators.coreplus.constants import TIME_ZONES
from emulators.launcher import RunningEmulators
from sources.base import RawReadError
from sources.coreplus.api import extract
from sources.coreplus.location import CoreplusApiSource
from sources.coreplus.settings import EXPORT_RESOURCES
from sources.coreplus.snapshots import settings_for, take_snapshot
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import TableRef, Warehouse, read_partition
from synthetic.coreplus import write_export


def _table(warehouse: Warehouse, schema: str, name: str) -> pl.DataFrame:
    with warehouse.connect(read_only=True) as con:
        return read_partition(con, TableRef(schema, name), "trial")


@pytest.fixture(scope="module")
def dump_with_export(coreplus: RunningEmulators, practice: dict[str, Any], tmp_path_factory: pytest.TempPathFactory):
    dump = tmp_path_factory.mktemp("coreplus-export") / "dump"
    extract(make_settings(coreplus), dump)
    rows = write_export(dump / "export", **PRACTICE_ARGS)
    zones = {loc["locationId"]: TIME_ZONES[loc["timezoneId"]] for loc in practice["locations"]}
    warehouse, summary = stage_dump(dump, zones)
    return rows, warehouse, summary


def test_the_export_is_staged_and_reconciled_exactly(dump_with_export: Any) -> None:
    rows, warehouse, summary = dump_with_export
    assert all(rows.values())  # the generated export has rows of every kind
    for entity, table in (("referrer", "referrers"), ("clinical_note", "clinical_notes"), ("payment", "payments")):
        staged = _table(warehouse, "staged", entity)
        assert staged.height == len(rows[table]), entity
    reconciliation = summary.result.reconciliation.filter(pl.col("grain") == "rows")
    for table in EXPORT_RESOURCES:
        row = reconciliation.filter(pl.col("source_table") == table).row(0, named=True)
        assert row["considered"] == row["staged"] == len(rows[table]) and row["rejected"] == 0, row
    issues = _table(warehouse, "staged", "field_issues")
    assert issues.filter(pl.col("entity").is_in(["referrer", "clinical_note", "payment"])).height == 0


def test_notes_and_payments_link_to_the_api_records(dump_with_export: Any) -> None:
    rows, warehouse, _summary = dump_with_export
    notes = _table(warehouse, "staged", "clinical_note")
    clients = set(_table(warehouse, "staged", "client")["canonical_id"])
    appointments = set(_table(warehouse, "staged", "appointment")["canonical_id"])
    assert set(notes["client_id"]) <= clients and set(notes["appointment_id"]) <= appointments
    # A body with a comma, quotes and a line break arrives whole.
    assert sorted(notes["body_text"]) == sorted(r["body"] for r in rows["clinical_notes"])
    payments = _table(warehouse, "staged", "payment")
    invoices = set(_table(warehouse, "staged", "invoice")["canonical_id"])
    assert set(payments["invoice_id"]) <= invoices
    assert sorted(payments["amount"]) == sorted(Decimal(r["amount"]) for r in rows["payments"])


def test_a_dump_without_the_export_reads_zero_rows_with_a_note(coreplus: RunningEmulators, tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    extract(make_settings(coreplus), dump)
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    summary = load_raw_resource(warehouse, get_system("coreplus"), "payments", dump, "trial")
    assert summary.rows == 0
    assert any("export/payments.csv not delivered" in note for note in summary.notes)


def test_an_export_file_must_have_the_columns(coreplus: RunningEmulators, practice: dict, tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    extract(make_settings(coreplus), dump)
    write_export(dump / "export", **PRACTICE_ARGS)
    text = (dump / "export" / "payments.csv").read_text(encoding="utf-8")
    (dump / "export" / "payments.csv").write_text(text.replace("amount", "total", 1), encoding="utf-8")
    with pytest.raises(RawReadError, match=r"payments\.csv: column 'amount' missing"):
        load_raw_resource(Warehouse(tmp_path / "w.duckdb"), get_system("coreplus"), "payments", dump, "trial")


def test_a_snapshot_copies_the_export_in_and_protects_it(
    coreplus: RunningEmulators, practice: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    block, env = api_source_block(coreplus, "coreplus-export")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MIGRATION_ALLOWED_HOSTS", "127.0.0.1")
    export = tmp_path / "delivered-export"
    rows = write_export(export, **PRACTICE_ARGS)
    (export / "notes-to-self.txt").write_text("not part of the export", encoding="utf-8")
    source = CoreplusApiSource.model_validate({**block, "export": str(export)})
    result = take_snapshot(settings_for(source, backoff_seconds=0.05), tmp_path / "extracts", source.export)
    copied = sorted(p.name for p in (result.snapshot / "export").iterdir())
    assert copied == ["clinical_notes.csv", "payments.csv", "referrers.csv"]  # only the export's own files
    listed = {f["path"] for f in json.loads((result.snapshot / "manifest.json").read_text())["files"]}
    assert {f"export/{name}" for name in copied} <= listed
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    loaded = load_raw_resource(warehouse, get_system("coreplus"), "referrers", result.snapshot, "trial")
    assert loaded.rows == len(rows["referrers"])
    # A copied file altered afterwards no longer matches the snapshot's manifest: refused, not read.
    shutil.copyfile(export / "payments.csv", result.snapshot / "export" / "payments.csv")
    with (result.snapshot / "export" / "payments.csv").open("a", encoding="utf-8") as handle:
        handle.write("x,y,z,01/01/2026 10:00,1.00,Cash,\n")
    with pytest.raises(RawReadError, match="the manifest says"):
        load_raw_resource(warehouse, get_system("coreplus"), "payments", result.snapshot, "trial")


def test_the_export_path_must_be_absolute(coreplus: RunningEmulators) -> None:
    from pydantic import ValidationError

    block, _env = api_source_block(coreplus, "coreplus-export")
    with pytest.raises(ValidationError, match="absolute path"):
        CoreplusApiSource.model_validate({**block, "export": "relative/export"})


def test_varied_statuses_notes_and_payments_as_worked_out(dump_with_export: Any, practice: dict[str, Any]) -> None:
    """With `varied_statuses` (synthetic/template.py) a second visit not attended has no note, and an invoice is paid
    in full, in part (50.00 when n % 4 == 2) or not at all (n % 4 == 1): client 1 (second visit cancelled, invoice
    unpaid) has the notes of visits 1 and 3 (its DST-day visit) and no payment; client 2 (second visit not attended)
    has the notes of visits 1 and 3 and paid 50.00 an hour after the first visit (4 March 12:00 Sydney, 01:00 UTC)."""
    _rows, warehouse, _summary = dump_with_export

    def of(n: int) -> pl.Expr:
        guid = next(c["clientId"] for c in practice["clients"] if c["ExternalId"] == f"C{n}")
        return pl.col("client_id") == f"coreplus:client:{guid}"

    notes = _table(warehouse, "staged", "clinical_note")
    assert [notes.filter(of(n)).height for n in (1, 2, 3)] == [2, 2, 3]
    payments = _table(warehouse, "staged", "payment")
    assert payments.filter(of(1)).height == 0
    assert payments.filter(of(2)).select("paid_at", "amount").rows() == [
        (dt.datetime(2026, 3, 4, 1, 0, tzinfo=dt.UTC), Decimal("50.00"))
    ]


def test_a_brisbane_client_s_notes_and_payment_as_worked_out(dump_with_export: Any, practice: dict[str, Any]) -> None:
    """Neutral client 3 (synthetic/template.py: 3 % 3 == 0, so site S2, River Clinic in Brisbane, +10:00 all year)
    is seen on 5 March 2026 12:00 and 12 March 12:00 Brisbane time, and on 4 October 09:00 in Sydney (a DST-day
    visit at S1). Each note is written 50 minutes after its visit starts and the payment an hour after the first
    visit; the export writes them in the practice's (Sydney's) wall time, so 12:50 in Brisbane is 13:50 in Sydney
    in March (AEDT +11:00): 02:50 UTC, after the visit ended (02:45 UTC), not an hour before it."""
    _rows, warehouse, _summary = dump_with_export
    guid = next(c["clientId"] for c in practice["clients"] if c["ExternalId"] == "C3")
    mine = pl.col("client_id") == f"coreplus:client:{guid}"
    notes = _table(warehouse, "staged", "clinical_note").filter(mine).sort("created_at")
    assert notes.select("title", "created_at").rows() == [
        ("Treatment", dt.datetime(2026, 3, 5, 2, 50, tzinfo=dt.UTC)),
        ("Treatment", dt.datetime(2026, 3, 12, 2, 50, tzinfo=dt.UTC)),
        ("Treatment", dt.datetime(2026, 10, 3, 22, 50, tzinfo=dt.UTC)),  # 09:50 AEDT on 4 October
    ]
    assert notes["body_text"][0] == "Visit 1: range of motion improving.\nContinue exercises."
    payments = _table(warehouse, "staged", "payment").filter(mine)
    assert payments.select("paid_at", "amount", "method").rows() == [
        (dt.datetime(2026, 3, 5, 3, 0, tzinfo=dt.UTC), Decimal("90.00"), "EFTPOS"),  # 13:00 Brisbane, 14:00 Sydney
    ]
