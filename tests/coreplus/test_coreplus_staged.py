"""Core Plus raw → staged: a generated practice extracted from the emulator, loaded and mapped, reconciled."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from emulators.coreplus.constants import TIME_ZONES
from sources.coreplus.api import CoreplusApiSettings, extract
from store import TableRef, Warehouse, read_partition


@pytest.fixture(scope="module")
def staged(coreplus: Any, practice: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, Any]:
    from coreplus_helpers import make_settings, stage_dump

    settings: CoreplusApiSettings = make_settings(coreplus)
    dump = tmp_path_factory.mktemp("coreplus-staged") / "dump"
    extract(settings, dump)
    # The customer's per-site setting (the API's zone GUIDs are not documented).
    zones = {loc["locationId"]: TIME_ZONES[loc["timezoneId"]] for loc in practice["locations"]}
    return stage_dump(dump, zones)


def _table(warehouse: Warehouse, schema: str, name: str) -> pl.DataFrame:
    with warehouse.connect(read_only=True) as con:
        return read_partition(con, TableRef(schema, name), "trial")


def test_reconciliation_is_exact(staged: tuple[Warehouse, Any], practice: dict[str, Any]) -> None:
    warehouse, summary = staged
    reconciliation = summary.result.reconciliation
    for row in reconciliation.iter_rows(named=True):
        assert row["considered"] == row["staged"] + row["merged"] + row["rejected"], row
    rows = reconciliation.filter(pl.col("grain") == "rows")
    for table in ("locations", "practitioners", "clients", "appointments", "invoices"):
        raw = _table(warehouse, "raw_coreplus", table).height
        assert rows.filter(pl.col("source_table") == table)["considered"].sum() == raw > 0, table
    lines = sum(len(i["lineItems"]) for i in practice["invoices"])
    elements = reconciliation.filter(pl.col("entity") == "invoice_line")
    assert elements["considered"].sum() == lines
    assert _table(warehouse, "staged", "invoice_line").height == lines
    # Every generated record is clean: nothing rejected, everything staged or merged.
    assert _table(warehouse, "staged", "rejects").height == 0
    assert _table(warehouse, "staged", "appointment").height == len(practice["appointments"])
    clients = _table(warehouse, "staged", "client").height + _table(warehouse, "staged", "merges").height
    assert clients == len(practice["clients"])


def test_staged_appointments_keep_their_local_times_across_dst(
    staged: tuple[Warehouse, Any], practice: dict[str, Any]
) -> None:
    warehouse, _ = staged
    rows = {r["source_id"]: r for r in _table(warehouse, "staged", "appointment").iter_rows(named=True)}
    offsets = set()
    for source in practice["appointments"]:
        row = rows[source["appointmentId"]]
        assert row["starts_local"] == dt.datetime.fromisoformat(source["start"])
        if row["time_zone"] == "Australia/Sydney":
            offsets.add(row["starts_local"] - row["starts_at"].replace(tzinfo=None))
    assert offsets == {dt.timedelta(hours=10), dt.timedelta(hours=11)}


def test_invoice_amounts_come_from_numbers_and_the_owing_string(
    staged: tuple[Warehouse, Any], practice: dict[str, Any]
) -> None:
    warehouse, _ = staged
    rows = {r["source_id"]: r for r in _table(warehouse, "staged", "invoice").iter_rows(named=True)}
    for source in practice["invoices"]:
        row = rows[source["invoiceId"]]
        assert float(row["total_amount"]) == pytest.approx(sum(i["lineAmount"] for i in source["lineItems"]))
        assert row["status"] == ("paid" if float(source["amountOwing"]) == 0 else "open")
        assert row["issue_date"] == dt.date.fromisoformat(source["generatedAt"])


def test_clean_values_raise_no_field_issues(staged: tuple[Warehouse, Any]) -> None:
    """The generated practice is clean: every mapped value parses (dates, offsets, amounts, Medicare)."""
    warehouse, _ = staged
    issues = _table(warehouse, "staged", "field_issues")
    assert issues.select("entity", "field", "code").unique().to_dicts() == []


def test_a_core_plus_customer_passes_the_pipelines_checks(
    coreplus: Any, practice: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dump the extractor writes, registered as a customer's delivery, through raw → staged → checks:
    reconciliation and every other blocking check pass (checks/approval.py, as the pipeline runs them)."""
    import yaml
    from coreplus_helpers import make_settings
    from pipeline_helpers import run_pipeline

    from customers import MigrationHome

    dump = tmp_path / "dump"
    extract(make_settings(coreplus), dump)
    home = tmp_path / "home"
    monkeypatch.setenv("MIGRATION_HOME", str(home))
    inbox = home / "inbox"
    inbox.mkdir(parents=True)
    customer = {
        "customer_id": "coreplus-demo",
        "name": "Practice coreplus-demo",
        "country": "AU",
        "time_zone": "Australia/Sydney",
        "source": {"system": "coreplus", "trial": {"dump": str(dump)}},
        "fallback_owner_email": "owner@example.org",
        "sites": [
            {"source_id": loc["locationId"], "time_zone": TIME_ZONES[loc["timezoneId"]]}
            for loc in practice["locations"]
        ],
    }
    (inbox / "coreplus-demo.yaml").write_text(yaml.safe_dump(customer, sort_keys=False), encoding="utf-8")
    config = MigrationHome(home).register(inbox / "coreplus-demo.yaml")
    outcome = run_pipeline(home, config, "trial")
    results = {r.key: r for r in outcome.results}
    reconciliation = [r for key, r in results.items() if key.endswith(".reconciliation")]
    assert reconciliation and all(r.passed for r in reconciliation)
    assert [r.key for r in outcome.blocking_failures] == []
