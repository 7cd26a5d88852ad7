"""Core Plus raw → staged: a generated practice extracted from the emulator, loaded and mapped, reconciled."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
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


# --- the generated practice's values, worked out from the neutral small practice (synthetic/template.py) ---------
# The shared practice is `small_practice(clients=12, seed=7, country="AU", dst_days=True, other_zone_site=True,
# emergency_contacts=True)` laid out by synthetic/coreplus.py. Client n is `_GIVEN[n % 12]` `_FAMILY[n % 10]<n>`,
# born (1950 + n % 50, 1 + n % 12, 1 + n % 28), female when n is odd, mobile "0412 <555000 + n>", living in Sydney;
# seen at site S1 (Harbour Clinic, Sydney) unless n % 3 == 0 (S2: River Clinic, Brisbane) by practitioner
# P(1 + n % 3), first on 2 March 2026 09:00 + n % 60 days + n % 7 hours, again a week later; clients 1–4 also at
# 09:00 at S1 on Sydney's change days (1, 2: 5 April; 3, 4: 4 October); client n % 3 == 0 has an emergency contact
# `_GIVEN[(n + 6) % 12]` with the same last name, `_RELATIONSHIPS[n // 3 % 4]`, mobile "0413 <556000 + n>".
# With `varied_statuses` (no client has a defect here) the second visit is cancelled when n % 6 == 1, not attended
# when n % 6 == 2, still booked when n % 6 == 4, and the invoice (90.00) is open with nothing paid when n % 4 == 1,
# part-paid (50.00) when n % 4 == 2; with `client_details` a female client's title is ("Ms", "Mrs", "Dr")[n // 2 % 3],
# a male's ("Mr", "Dr")[n // 2 % 2], the street "<n> " + ("Harbour Street", "George Street", "Queen Street",
# "Station Road")[n % 4], postcode 2000 (Sydney), Medicare card expiry the first of month 1 + n % 12 of 2027 + n % 4.
# Only the GUIDs come from the practice file (found by ExternalId, the neutral id).


def _client_guid(practice: dict[str, Any], neutral_id: str) -> str:
    return next(c["clientId"] for c in practice["clients"] if c["ExternalId"] == neutral_id)


def _appointments_of(warehouse: Warehouse, client_guid: str) -> list[dict[str, Any]]:
    sites = {r["canonical_id"]: r["name"] for r in _table(warehouse, "staged", "site").iter_rows(named=True)}
    people = {
        r["canonical_id"]: f"{r['first_name']} {r['last_name']}"
        for r in _table(warehouse, "staged", "practitioner").iter_rows(named=True)
    }
    rows = _table(warehouse, "staged", "appointment").filter(pl.col("client_id") == f"coreplus:client:{client_guid}")
    return [
        {
            "site": sites[r["site_id"]],
            "practitioner": people[r["practitioner_id"]],
            "time_zone": r["time_zone"],
            "starts_local": r["starts_local"],
            "starts_at": r["starts_at"],
            "ends_local": r["ends_local"],
            "status": r["status"],
        }
        for r in rows.sort("starts_at").iter_rows(named=True)
    ]


def test_neutral_client_1_staged_as_worked_out(staged: tuple[Warehouse, Any], practice: dict[str, Any]) -> None:
    warehouse, _ = staged
    guid = _client_guid(practice, "C1")
    client = _table(warehouse, "staged", "client").filter(pl.col("source_id") == guid)
    assert client.select(
        "title",
        "first_name",
        "last_name",
        "date_of_birth",
        "sex",
        "email",
        "mobile_phone",
        "address_line_1",
        "city",
        "state",
        "postcode",
        "emergency_contact",
    ).to_dicts() == [
        {
            "title": "Ms",  # female: ("Ms", "Mrs", "Dr")[1 // 2 % 3]
            "first_name": "Liam",  # _GIVEN[1]
            "last_name": "Walker1",  # _FAMILY[1] + "1"
            "date_of_birth": dt.date(1951, 2, 2),  # (1950 + 1, 1 + 1, 1 + 1)
            "sex": "female",  # n odd
            "email": "liam.walker1@example.org",
            "mobile_phone": "+61412555001",  # "0412 555001"
            "address_line_1": "1 George Street",  # _STREETS[1 % 4]
            "city": "Sydney",
            "state": "NSW",
            "postcode": "2000",
            "emergency_contact": None,  # 1 % 3 != 0: none
        }
    ]
    sydney = "Australia/Sydney"
    assert _appointments_of(warehouse, guid) == [
        {  # 2 March 09:00 + 1 day + 1 hour, at S1 (1 % 3 != 0) with P2 (1 + 1 % 3); AEDT +11:00
            "site": "Harbour Clinic",
            "practitioner": "James Cole",
            "time_zone": sydney,
            "starts_local": dt.datetime(2026, 3, 3, 10, 0),
            "starts_at": dt.datetime(2026, 3, 2, 23, 0, tzinfo=dt.UTC),
            "ends_local": dt.datetime(2026, 3, 3, 10, 45),
            "status": "completed",
        },
        {  # a week later, still daylight time; 1 % 6 == 1: cancelled ("Cancelled")
            "site": "Harbour Clinic",
            "practitioner": "James Cole",
            "time_zone": sydney,
            "starts_local": dt.datetime(2026, 3, 10, 10, 0),
            "starts_at": dt.datetime(2026, 3, 9, 23, 0, tzinfo=dt.UTC),
            "ends_local": dt.datetime(2026, 3, 10, 10, 45),
            "status": "cancelled",
        },
        {  # 5 April 09:00, the day daylight saving ended (03:00 → 02:00): AEST +10:00
            "site": "Harbour Clinic",
            "practitioner": "James Cole",
            "time_zone": sydney,
            "starts_local": dt.datetime(2026, 4, 5, 9, 0),
            "starts_at": dt.datetime(2026, 4, 4, 23, 0, tzinfo=dt.UTC),
            "ends_local": dt.datetime(2026, 4, 5, 9, 45),
            "status": "completed",
        },
    ]


def test_neutral_client_3_at_the_brisbane_site_staged_as_worked_out(
    staged: tuple[Warehouse, Any], practice: dict[str, Any]
) -> None:
    warehouse, _ = staged
    guid = _client_guid(practice, "C3")
    client = _table(warehouse, "staged", "client").filter(pl.col("source_id") == guid)
    assert client.select("first_name", "last_name", "date_of_birth", "emergency_contact").to_dicts() == [
        {
            "first_name": "Oliver",  # _GIVEN[3]
            "last_name": "Smith3",
            "date_of_birth": dt.date(1953, 4, 4),
            # 3 % 3 == 0: _GIVEN[9], the same last name, _RELATIONSHIPS[1], "0413 556003" (the family record's text)
            "emergency_contact": "Ruby | Smith3 | Father | 0413 556003",
        }
    ]
    assert _appointments_of(warehouse, guid) == [
        {  # 2 March 09:00 + 3 days + 3 hours at S2, River Clinic in Brisbane (no daylight saving, +10:00), with P1
            "site": "River Clinic",
            "practitioner": "Aroha Ngata",
            "time_zone": "Australia/Brisbane",
            "starts_local": dt.datetime(2026, 3, 5, 12, 0),
            "starts_at": dt.datetime(2026, 3, 5, 2, 0, tzinfo=dt.UTC),
            "ends_local": dt.datetime(2026, 3, 5, 12, 45),
            "status": "completed",
        },
        {
            "site": "River Clinic",
            "practitioner": "Aroha Ngata",
            "time_zone": "Australia/Brisbane",
            "starts_local": dt.datetime(2026, 3, 12, 12, 0),
            "starts_at": dt.datetime(2026, 3, 12, 2, 0, tzinfo=dt.UTC),
            "ends_local": dt.datetime(2026, 3, 12, 12, 45),
            "status": "completed",
        },
        {  # 4 October 09:00 at S1 in Sydney, the day daylight saving started (02:00 → 03:00): AEDT +11:00
            "site": "Harbour Clinic",
            "practitioner": "Aroha Ngata",
            "time_zone": "Australia/Sydney",
            "starts_local": dt.datetime(2026, 10, 4, 9, 0),
            "starts_at": dt.datetime(2026, 10, 3, 22, 0, tzinfo=dt.UTC),
            "ends_local": dt.datetime(2026, 10, 4, 9, 45),
            "status": "completed",
        },
    ]


def test_neutral_invoice_staged_as_worked_out(staged: tuple[Warehouse, Any], practice: dict[str, Any]) -> None:
    """Every neutral client has invoice 1000 + n, issued on their first visit's day, paid: lines 60.00 and 30.00,
    tax 11.74 spread over the lines by amount (11.74 × 60 / 90 = 7.83, the rest 3.91)."""
    warehouse, _ = staged
    guid = _client_guid(practice, "C3")
    invoice = _table(warehouse, "staged", "invoice").filter(pl.col("client_id") == f"coreplus:client:{guid}")
    assert invoice.select("invoice_number", "issue_date", "status", "tax_amount", "total_amount").to_dicts() == [
        {
            "invoice_number": "1003",
            "issue_date": dt.date(2026, 3, 5),
            "status": "paid",
            "tax_amount": Decimal("11.74"),
            "total_amount": Decimal("90.00"),
        }
    ]
    lines = _table(warehouse, "staged", "invoice_line").filter(pl.col("invoice_id") == invoice["canonical_id"][0])
    assert sorted(lines.select("unit_price_amount", "tax_amount", "total_amount").rows(), reverse=True) == [
        (Decimal("60.00"), Decimal("7.83"), Decimal("60.00")),
        (Decimal("30.00"), Decimal("3.91"), Decimal("30.00")),
    ]


def test_varied_statuses_staged_as_worked_out(staged: tuple[Warehouse, Any], practice: dict[str, Any]) -> None:
    """Second visits: client 2's not attended (2 % 6 == 2, "Did not attend"), client 4's still booked (4 % 6 == 4,
    "Booked"), client 7's cancelled (7 % 6 == 1); client 3's attended (3 % 6 == 3). Invoices of 90.00: client 1's
    and 5's owe it all (n % 4 == 1, nothing paid: amountOwing "90.0"), client 2's 40.00 (n % 4 == 2, 50.00 paid:
    "40.0") — both open; client 3's and 4's paid ("0.0")."""
    warehouse, _ = staged
    second_visit = {n: _appointments_of(warehouse, _client_guid(practice, f"C{n}"))[1]["status"] for n in (2, 3, 4, 7)}
    assert second_visit == {2: "did_not_attend", 3: "completed", 4: "booked", 7: "cancelled"}
    invoices = _table(warehouse, "staged", "invoice")
    status = {
        n: invoices.filter(pl.col("client_id") == f"coreplus:client:{_client_guid(practice, f'C{n}')}")["status"][0]
        for n in (1, 2, 3, 4, 5)
    }
    assert status == {1: "open", 2: "open", 3: "paid", 4: "paid", 5: "open"}
    owing = {c["invoiceNumber"]: c["amountOwing"] for c in practice["invoices"]}
    assert [owing[str(1000 + n)] for n in (1, 2, 3, 4, 5)] == ["90.0", "40.0", "0.0", "0.0", "90.0"]


def test_client_details_staged_and_the_medicare_expiry_kept_in_raw(
    staged: tuple[Warehouse, Any], practice: dict[str, Any]
) -> None:
    """Titles by sex and n, streets by n % 4 (see above); the Medicare card expiry is delivered but declared not
    migrated (sources/coreplus/settings.py), so it stays in the raw table: client 2's is 1 March 2029 (month
    1 + 2 % 12, year 2027 + 2 % 4), client 4's 1 May 2027."""
    warehouse, _ = staged
    clients = _table(warehouse, "staged", "client")
    details = {
        n: clients.filter(pl.col("source_id") == _client_guid(practice, f"C{n}"))
        .select("title", "address_line_1", "postcode")
        .row(0)
        for n in (2, 3, 4)
    }
    assert details == {
        2: ("Dr", "2 Queen Street", "2000"),  # male: ("Mr", "Dr")[2 // 2 % 2]
        3: ("Mrs", "3 Station Road", "2000"),  # female: ("Ms", "Mrs", "Dr")[3 // 2 % 3]
        4: ("Mr", "4 Harbour Street", "2000"),  # male: ("Mr", "Dr")[4 // 2 % 2]
    }
    raw = _table(warehouse, "raw_coreplus", "clients")
    expiry = {
        n: raw.filter(pl.col("client_id") == _client_guid(practice, f"C{n}"))["medicare_card_expire_date"][0]
        for n in (2, 4)
    }
    assert expiry == {2: "2029-03-01", 4: "2027-05-01"}


def test_the_dst_day_appointments_read_nine_local_with_the_day_s_offset(
    staged: tuple[Warehouse, Any], practice_file: Path
) -> None:
    """The ground truth's DST-day appointments (clients 1–4, two per change day) still read 09:00 in Sydney: +10:00
    on 5 April (clocks went back at 03:00), +11:00 on 4 October (clocks went forward at 02:00)."""
    import json

    from synthetic.coreplus import TRUTH_FILE

    warehouse, _ = staged
    days = json.loads((practice_file.parent / TRUTH_FILE).read_text(encoding="utf-8"))["dst_days"]
    assert sorted((d["local_start"], d["kind"]) for d in days) == [
        ("2026-04-05T09:00:00", "dst_end"),
        ("2026-04-05T09:00:00", "dst_end"),
        ("2026-10-04T09:00:00", "dst_start"),
        ("2026-10-04T09:00:00", "dst_start"),
    ]
    rows = {r["source_id"]: r for r in _table(warehouse, "staged", "appointment").iter_rows(named=True)}
    offsets = {"dst_end": dt.timedelta(hours=10), "dst_start": dt.timedelta(hours=11)}
    for day in days:
        row = rows[day["appointment_id"]]
        assert row["time_zone"] == day["time_zone"] == "Australia/Sydney"
        assert row["starts_local"] == dt.datetime.fromisoformat(day["local_start"])
        assert row["starts_local"] - row["starts_at"].replace(tzinfo=None) == offsets[day["kind"]]
