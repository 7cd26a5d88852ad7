"""The neutral small practice's optional facts (synthetic/template.py `small_practice`): off, the practice is the one
every writer lays out; on, they add DST-day visits, a site in another zone and emergency contacts, and nothing else
moves."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from synthetic.template import small_practice

COUNTRIES = ("NZ", "AU", "UK")


def _without(rows: dict[str, list[dict[str, object]]], ids: set[object]) -> dict[str, list[dict[str, object]]]:
    return {table: [r for r in table_rows if r["id"] not in ids] for table, table_rows in rows.items()}


@pytest.mark.parametrize("country", COUNTRIES)
def test_dst_days_are_the_zone_s_change_days_at_nine_and_add_only_those_visits(country: str) -> None:
    plain = small_practice(clients=12, seed=3, defects=True, country=country)
    practice = small_practice(clients=12, seed=3, defects=True, country=country, dst_days=True)
    zone = ZoneInfo(practice.time_zone)
    assert [d["source_id"] for d in practice.dst_days] == ["A1-3", "A2-3", "A3-3", "A4-3"]
    for day in practice.dst_days:
        start = dt.datetime.fromisoformat(day["local_start"])
        assert start.time() == dt.time(9) and day["time_zone"] == practice.time_zone
        # A change day: the offset at the next midnight differs from this midnight's, up for a start, down for an end.
        before = start.replace(hour=0, tzinfo=zone).utcoffset()
        after = (start.replace(hour=0) + dt.timedelta(days=1)).replace(tzinfo=zone).utcoffset()
        assert before is not None and after is not None
        assert (after > before) == (day["kind"] == "dst_start") and after != before
        [row] = [a for a in practice.rows["appointments"] if a["id"] == day["source_id"]]
        assert row["site_id"] == "S1" and row["starts"] == start.strftime("%d/%m/%Y %H:%M")
    assert {d["kind"] for d in practice.dst_days} == {"dst_start", "dst_end"}
    added = {d["source_id"] for d in practice.dst_days} | {f"N{n}-3" for n in range(1, 5)}
    assert _without(practice.rows, added) == plain.rows
    assert practice.truth == plain.truth and plain.dst_days == ()


def test_the_other_zone_site_is_brisbane_and_practice_times_are_sydney_s() -> None:
    plain = small_practice(clients=12, seed=3, defects=False, country="AU")
    practice = small_practice(clients=12, seed=3, defects=False, country="AU", other_zone_site=True)
    assert practice.rows["sites"][1] == {
        "id": "S2",
        "name": "River Clinic",
        "city": "Brisbane",
        "phone": "07 5550 0300",
        "time_zone": "Australia/Brisbane",
    }
    # Client 3 (3 % 3 == 0) is seen at S2 on 5 March 2026 12:00 Brisbane time; the note, 50 minutes later, is written
    # in the practice's Sydney time: 13:50 (AEDT +11:00 against Brisbane's +10:00); the payment an hour after: 14:00.
    [note] = [n for n in practice.rows["clinical_notes"] if n["id"] == "N3-1"]
    assert note["written"] == "05/03/2026 13:50"
    [payment] = [y for y in practice.rows["payments"] if y["id"] == "Y3"]
    assert payment["paid"] == "05/03/2026 14:00"
    # A client at S1 is untouched.
    assert [n for n in practice.rows["clinical_notes"] if n["id"] == "N1-1"] == [
        n for n in plain.rows["clinical_notes"] if n["id"] == "N1-1"
    ]
    with pytest.raises(ValueError, match="no site in another zone of NZ"):
        small_practice(clients=12, seed=3, defects=False, country="NZ", other_zone_site=True)


def test_a_dst_gap_at_the_other_zone_site_moves_to_a_site_that_has_the_gap() -> None:
    clients_at_s2 = 0
    for seed in range(40):
        practice = small_practice(clients=12, seed=seed, defects=True, country="AU", other_zone_site=True)
        [gap] = [d["source_id"] for d in practice.truth if d["kind"] == "dst_gap_appointment"]
        [row] = [a for a in practice.rows["appointments"] if a["id"] == gap]
        # Sydney's clocks skip 02:00-03:00 on 4 October 2026; Brisbane's do not, so the gap is booked at S1.
        assert row["site_id"] == "S1" and row["starts"] == "04/10/2026 02:30"
        clients_at_s2 += int(str(gap)[1:].split("-")[0]) % 3 == 0
    assert clients_at_s2  # some seed drew the gap for a client whose other visits are at S2


def test_every_third_client_has_an_emergency_contact() -> None:
    practice = small_practice(clients=12, seed=3, defects=False, country="AU", emergency_contacts=True)
    with_contact = {c["id"]: c for c in practice.rows["clients"] if c.get("contact")}
    assert sorted(with_contact) == ["C12", "C3", "C6", "C9"]
    # Client 3: _GIVEN[(3 + 6) % 12] with client 3's last name, _RELATIONSHIPS[3 // 3 % 4], "0413 <556000 + 3>".
    assert with_contact["C3"]["contact"] == {
        "first_name": "Ruby",
        "last_name": "Smith3",
        "relationship": "Father",
        "mobile_phone": "0413 556003",
    }
    assert with_contact["C3"]["emergency_contact"] == "Ruby Smith3 (father) 0413 556003"


@pytest.mark.parametrize("country", COUNTRIES)
def test_varied_statuses_change_only_clean_clients_second_visits_notes_invoices_and_payments(country: str) -> None:
    plain = small_practice(clients=24, seed=3, defects=True, country=country)
    practice = small_practice(clients=24, seed=3, defects=True, country=country, varied_statuses=True)
    # Twelve of the 24 clients carry one defect kind each (a duplicate's truth names the copy, C<24 + n>).
    defective = {(int(str(d["source_id"])[1:].split("-")[0]) - 1) % 24 + 1 for d in practice.truth}
    assert len(defective) == 12
    # The rule (synthetic/template.py): a client without a defect has their second visit cancelled when n % 6 == 1,
    # not attended when n % 6 == 2, booked when n % 6 == 4; their invoice of 90.00 is open and unpaid when
    # n % 4 == 1, open with 50.00 paid when n % 4 == 2. A defective client keeps the plain practice's rows.
    expected_status = {1: "cancelled", 2: "did_not_attend", 4: "booked"}
    for n in range(1, 25):
        [second] = [a for a in practice.rows["appointments"] if a["id"] == f"A{n}-2"]
        [invoice] = [i for i in practice.rows["invoices"] if i["id"] == f"I{n}"]
        payments = [y["amount"] for y in practice.rows["payments"] if y["invoice_id"] == f"I{n}"]
        notes = {x["id"] for x in practice.rows["clinical_notes"] if x["client_id"] == f"C{n}"}
        if n in defective:
            assert second["status"] == "completed" and invoice["status"] == "paid" and payments == ["90.00"]
            continue
        status = expected_status.get(n % 6, "completed")
        assert second["status"] == status
        assert (f"N{n}-2" in notes) == (status == "completed")  # a visit not held has no note
        assert (invoice["status"], payments) == {1: ("open", []), 2: ("open", ["50.00"])}.get(
            n % 4, ("paid", ["90.00"])
        )
    assert practice.truth == plain.truth
    for table in ("sites", "practitioners", "referrers", "clients", "invoice_lines", "documents"):
        assert practice.rows[table] == plain.rows[table], table
    # Seed 3 leaves a clean client under every rule (else the loop above would prove nothing for that rule).
    clean = set(range(1, 25)) - defective
    assert {n % 6 for n in clean} >= {1, 2, 4} and {n % 4 for n in clean} >= {1, 2}


def test_client_details_add_a_title_an_address_and_an_au_medicare_expiry() -> None:
    plain = small_practice(clients=12, seed=3, defects=False, country="AU")
    practice = small_practice(clients=12, seed=3, defects=False, country="AU", client_details=True)
    added = ("title", "address_line_1", "postcode", "medicare_expiry")
    clients = {c["id"]: c for c in practice.rows["clients"]}
    # Client 1 (female): ("Ms", "Mrs", "Dr")[1 // 2 % 3], street _STREETS[1 % 4], Sydney's postcode, card expiring in
    # month 1 + 1 % 12 of 2027 + 1 % 4; client 4 (male): ("Mr", "Dr")[4 // 2 % 2], _STREETS[0], month 5 of 2027.
    assert {k: clients["C1"][k] for k in added} == {
        "title": "Ms",
        "address_line_1": "1 George Street",
        "postcode": "2000",
        "medicare_expiry": "01/02/2028",
    }
    assert {k: clients["C4"][k] for k in added} == {
        "title": "Mr",
        "address_line_1": "4 Harbour Street",
        "postcode": "2000",
        "medicare_expiry": "01/05/2027",
    }
    assert [{k: v for k, v in c.items() if k not in added} for c in practice.rows["clients"]] == plain.rows["clients"]
    assert {t: r for t, r in practice.rows.items() if t != "clients"} == {
        t: r for t, r in plain.rows.items() if t != "clients"
    }
    nz = small_practice(clients=3, seed=3, defects=False, country="NZ", client_details=True)
    # No Medicare card outside AU; the NZ practice's city is Auckland (postcode 1010).
    assert [(c["title"], c["postcode"], "medicare_expiry" in c) for c in nz.rows["clients"]] == [
        ("Ms", "1010", False),
        ("Dr", "1010", False),
        ("Mrs", "1010", False),
    ]
