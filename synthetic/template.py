"""A filled generic template (sources/template/) for a SYNTHETIC practice, with injected defects and the
ground-truth manifest, as CSV files or one XLSX workbook — the template's equivalent of the Cliniko dump
writer, for end-to-end tests and the demo. Every name is fictional.

Defects (one record each, listed in `ground_truth.json` with the entity and source id a run must flag):
invalid_email, invalid_phone, invalid_identifier (NHI check character), future_date_of_birth,
no_contact_method, duplicate_client, mojibake_text (UTF-8 read as cp1252 once), placeholder_date
(00/00/0000), orphan_appointment, dst_gap_appointment (a local time the site's clock skips),
ends_before_start and invoice_lines_mismatch.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from checks.identifiers import corrupt_check_digit, random_medicare, random_nhi, random_nhs_number
from sources.template.settings import DOCUMENTS_DIR, TABLES, WORKBOOK_FILE, columns
from sources.template.workbook import _csv_text, notes_rows, write_workbook

TRUTH_FILE = "ground_truth.json"
SYNTHETIC_NOTE = "SYNTHETIC practice: fictional people, written by synthetic/template.py"
_GIVEN = ("Aroha", "Liam", "Mere", "Oliver", "Ana", "Noah", "Tama", "Isla", "Hemi", "Ruby", "Wiremu", "Zoe")
_FAMILY = ("Parata", "Walker", "Ngata", "Smith", "Tipene", "Brown", "Kereama", "Wilson", "Tane", "Taylor")
# Daylight saving starts on the last Sunday of September at 02:00 in NZ, the first Sunday of October in
# Sydney (clocks go to 03:00): 02:30 that day does not exist.
DEFECT_KINDS = (
    "invalid_email",
    "invalid_phone",
    "invalid_identifier",
    "future_date_of_birth",
    "no_contact_method",
    "duplicate_client",
    "mojibake_text",
    "placeholder_date",
    "orphan_appointment",
    "dst_gap_appointment",
    "ends_before_start",
    "invoice_lines_mismatch",
)


@dataclass(frozen=True)
class TemplateSummary:
    out_dir: Path
    truth_file: Path
    counts: dict[str, int]
    defects: int


def _day(text: dt.date) -> str:
    return text.strftime("%d/%m/%Y")


def _time(moment: dt.datetime) -> str:
    return moment.strftime("%d/%m/%Y %H:%M")


@dataclass(frozen=True)
class SmallPractice:
    """A system-neutral practice: rows by table in the template's vocabulary (sources/template/settings.py,
    dates and times as the template writes them), document bytes by file name, and the ground truth.
    Each system's writer (this module's template writer, synthetic/tm3.py) lays it out in its own format.
    `dst_days` lists the clean appointments placed at 09:00 on the practice zone's daylight-saving change
    days (`small_practice(dst_days=True)`; empty otherwise)."""

    country: str
    rows: dict[str, list[dict[str, object]]]
    documents: dict[str, bytes]
    truth: list[dict[str, object]]
    dst_days: tuple[dict[str, str], ...] = ()

    @property
    def time_zone(self) -> str:
        """The practice's IANA zone: every site's unless the site row names its own (`time_zone`)."""
        return str(_COUNTRY[self.country]["zone"])


# Per country: the practice's zone, its daylight-saving start (a local time the clock skips), its 2026 change
# days (dst_days=True), mobile numbers (clients', emergency contacts'), and a site in another zone if the
# country has one (other_zone_site=True: AU's Brisbane keeps no daylight saving).
_COUNTRY: dict[str, dict[str, object]] = {
    "NZ": {
        "zone": "Pacific/Auckland",
        "gap": dt.datetime(2026, 9, 27, 2, 30),
        # Daylight saving ends on the first Sunday of April (03:00 → 02:00), starts on the last Sunday of September.
        "changes": ((dt.date(2026, 4, 5), "dst_end"), (dt.date(2026, 9, 27), "dst_start")),
        "mobile": "021 {:07d}",
        "contact_mobile": "022 {:07d}",
        "city": "Auckland",
        "postcode": "1010",
        "sites": (("Harbour Clinic", "Auckland", "09 555 0100"), ("Hill Clinic", "Hamilton", "07 555 0100")),
    },
    "AU": {
        "zone": "Australia/Sydney",
        "gap": dt.datetime(2026, 10, 4, 2, 30),
        # Sydney: ends on the first Sunday of April (03:00 → 02:00), starts on the first Sunday of October.
        "changes": ((dt.date(2026, 4, 5), "dst_end"), (dt.date(2026, 10, 4), "dst_start")),
        "mobile": "0412 {:06d}",
        "contact_mobile": "0413 {:06d}",
        "city": "Sydney",
        "postcode": "2000",
        "sites": (("Harbour Clinic", "Sydney", "02 5550 0100"), ("Hill Clinic", "Parramatta", "02 5550 0200")),
        "other_zone_site": ("River Clinic", "Brisbane", "07 5550 0300", "Australia/Brisbane"),
    },
    # London: clocks go from 01:00 to 02:00 on the last Sunday of March, back on the last Sunday of October.
    "UK": {
        "zone": "Europe/London",
        "gap": dt.datetime(2026, 3, 29, 1, 30),
        "changes": ((dt.date(2026, 3, 29), "dst_start"), (dt.date(2026, 10, 25), "dst_end")),
        "mobile": "07400 {:06d}",
        "contact_mobile": "07401 {:06d}",
        "city": "London",
        "postcode": "EC1A 1BB",
        "sites": (("Harbour Clinic", "London", "020 7946 0100"), ("Hill Clinic", "Manchester", "0161 496 0100")),
    },
}
_RELATIONSHIPS = ("Mother", "Father", "Partner", "Guardian")
# varied_statuses: the second visit's status of a client without a defect, by n % 6 (any other: completed).
_VISIT_2_STATUS = {1: "cancelled", 2: "did_not_attend", 4: "booked"}
# client_details: street names of the clients' addresses, by n % 4.
_STREETS = ("Harbour Street", "George Street", "Queen Street", "Station Road")
# Clients 1 to 4 (two per change day) get a third visit at 09:00 on the change days with dst_days=True.
DST_DAY_CLIENTS = 4
# The country's patient identifier: (field, kind for checks.identifiers.corrupt_check_digit).
_IDENTIFIER = {"NZ": ("nhi", "nhi"), "AU": ("medicare_number", "medicare"), "UK": ("nhs_number", "nhs")}


def write_filled_template(
    out: Path, *, clients: int = 40, seed: int = 3, fmt: str = "xlsx", defects: bool = True, country: str = "NZ"
) -> TemplateSummary:
    """Fill the template for a practice of `clients` clients into folder `out` (created)."""
    practice = small_practice(clients=clients, seed=seed, defects=defects, country=country)
    rows = {table: _template_rows(practice, table) for table in TABLES}
    documents = Path(out) / DOCUMENTS_DIR
    documents.mkdir(parents=True, exist_ok=True)
    for name, content in practice.documents.items():
        (documents / name).write_bytes(content)
    notes = [*notes_rows(country), ["", "", "", "", SYNTHETIC_NOTE, ""]]
    if fmt == "xlsx":
        write_workbook(Path(out) / WORKBOOK_FILE, rows, notes)
    else:
        for table, table_rows in rows.items():
            header = [[c.name for c in columns(table)]]
            text = _csv_text(header + [[str(v) for v in r] for r in table_rows])
            (Path(out) / f"{table}.csv").write_text(text, encoding="utf-8")
    truth_file = write_truth(Path(out), practice, fmt)
    return TemplateSummary(Path(out), truth_file, {t: len(practice.rows[t]) for t in TABLES}, len(practice.truth))


def _template_rows(practice: SmallPractice, table: str) -> Iterator[list[object]]:
    """The table's rows as the template's columns, made as they are written (not a second copy of the practice)."""
    names = [c.name for c in columns(table)]
    for row in practice.rows[table]:
        yield [row.get(name, "") for name in names]


def write_truth(out: Path, practice: SmallPractice, fmt: str) -> Path:
    truth_file = out / TRUTH_FILE
    truth: dict[str, object] = {"synthetic": SYNTHETIC_NOTE, "format": fmt, "defects": practice.truth}
    if practice.dst_days:
        truth["dst_days"] = list(practice.dst_days)
    truth_file.write_text(json.dumps(truth, indent=1), encoding="utf-8")
    return truth_file


def small_practice(
    *,
    clients: int,
    seed: int,
    defects: bool,
    country: str = "NZ",
    dst_days: bool = False,
    other_zone_site: bool = False,
    emergency_contacts: bool = False,
    varied_statuses: bool = False,
    client_details: bool = False,
) -> SmallPractice:
    """The neutral practice: 2 sites, 3 practitioners, a referrer, `clients` clients with two appointments,
    notes, an invoice of two lines and a payment each, a document for every tenth; with `defects`, one
    record of each DEFECT_KINDS.

    Facts a system's writer may need beyond these, each off by default (off, the practice is exactly the
    one every writer has always laid out: none of them draws from the random source):
    `dst_days` — clients 1 to 4 get a third visit at 09:00 local at site S1 on the practice zone's two 2026
    daylight-saving change days (two clients per day), listed in `SmallPractice.dst_days`;
    `other_zone_site` — site S2 is in another zone of the country (AU: River Clinic, Brisbane, no daylight
    saving; its row names its `time_zone`), and times written in the practice's zone (notes, payments) are
    converted from S2's wall time;
    `emergency_contacts` — every third client has an emergency contact: a relative with the client's last
    name and a mobile, as the template's `emergency_contact` text and as its parts (`contact`);
    `varied_statuses` — not every visit was attended nor every invoice paid: a client without a defect has their
    second visit cancelled (n % 6 == 1), not attended (n % 6 == 2) or still booked (n % 6 == 4), with no note,
    and their invoice open with no payment (n % 4 == 1) or part-paid, 50.00 of 90.00 (n % 4 == 2);
    `client_details` — every client has a title (female: Ms, Mrs, Dr by n // 2 % 3; male: Mr, Dr by n // 2 % 2),
    a street address ("<n> <street>", `_STREETS[n % 4]`) and the city's postcode, and an AU client a Medicare
    card expiry (`medicare_expiry`: the first of month 1 + n % 12 of 2027 + n % 4; not a template column)."""
    if country not in _COUNTRY:
        raise ValueError(f"the small practice is written for {', '.join(_COUNTRY)}, not {country!r}")
    if defects and clients < len(DEFECT_KINDS):
        raise ValueError(f"defects need at least {len(DEFECT_KINDS)} clients (one of each kind), got {clients}")
    local = _COUNTRY[country]
    if other_zone_site and "other_zone_site" not in local:
        raise ValueError(f"the small practice has no site in another zone of {country}")
    rng = random.Random(seed)
    rows: dict[str, list[dict[str, object]]] = {table: [] for table in TABLES}
    truth: list[dict[str, object]] = []
    files: dict[str, bytes] = {}
    dst_visits: list[dict[str, str]] = []

    def add(table: str, values: dict[str, object]) -> None:
        rows[table].append(values)

    def defect(kind: str, entity: str, source_id: str) -> None:
        truth.append({"kind": kind, "entity": entity, "source_id": source_id})

    practice_zone = str(local["zone"])
    site_zones = {"S1": practice_zone, "S2": practice_zone}
    sites = list(local["sites"])  # type: ignore[call-overload]
    if other_zone_site:
        name, city, phone, zone = local["other_zone_site"]  # type: ignore[misc]
        sites[1] = (name, city, phone)
        site_zones["S2"] = zone
    for number, (name, city, phone) in enumerate(sites, start=1):
        site_row: dict[str, object] = {"id": f"S{number}", "name": name, "city": city, "phone": phone}
        if site_zones[f"S{number}"] != practice_zone:
            site_row["time_zone"] = site_zones[f"S{number}"]
        add("sites", site_row)

    def practice_time(moment: dt.datetime, site: str) -> dt.datetime:
        """A wall time at `site` as the practice zone's wall time (the same when the site is in that zone)."""
        if site_zones[site] == practice_zone:
            return moment
        instant = moment.replace(tzinfo=ZoneInfo(site_zones[site]))
        return instant.astimezone(ZoneInfo(practice_zone)).replace(tzinfo=None)

    def note(n: int, visit: int, appointment: dict[str, object], begins: dt.datetime) -> None:
        add(
            "clinical_notes",
            {
                "id": f"N{n}-{visit}",
                "client_id": appointment["client_id"],
                "practitioner_id": appointment["practitioner_id"],
                "appointment_id": appointment["id"],
                "title": "Treatment",
                "body": f"Visit {visit}: range of motion improving.\nContinue exercises.",
                "written": _time(practice_time(begins + dt.timedelta(minutes=50), str(appointment["site_id"]))),
            },
        )

    for n, (first, last) in enumerate((("Aroha", "Ngata"), ("James", "Cole"), ("Priya", "Shah")), start=1):
        add("practitioners", {"id": f"P{n}", "first_name": first, "last_name": last, "active": "yes"})
    add("referrers", {"id": "R1", "title": "Dr", "first_name": "Ian", "last_name": "Fox", "organisation": "City GP"})
    planned = list(range(1, clients + 1))
    kinds = dict(zip(DEFECT_KINDS, rng.sample(planned, len(DEFECT_KINDS)), strict=True)) if defects else {}
    by_client = {n: kind for kind, n in kinds.items()}
    line_id = 0
    for n in planned:
        kind = by_client.get(n)
        cid = f"C{n}"
        first, last = _GIVEN[n % len(_GIVEN)], f"{_FAMILY[n % len(_FAMILY)]}{n}"
        birth = dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28)
        client = {
            "id": cid,
            "first_name": first,
            "last_name": last,
            "date_of_birth": _day(birth),
            "sex": "female" if n % 2 else "male",
            "email": f"{first.lower()}.{last.lower()}@example.org",
            "mobile_phone": local["mobile"].format(555_0000 + n if country == "NZ" else 555_000 + n),
            "city": local["city"],
            **_identifier(country, rng),
            "referrer_id": "R1" if n % 5 == 0 else "",
            "archived": "no",
        }
        if client_details:
            female = n % 2 == 1
            client["title"] = ("Ms", "Mrs", "Dr")[n // 2 % 3] if female else ("Mr", "Dr")[n // 2 % 2]
            client["address_line_1"] = f"{n} {_STREETS[n % len(_STREETS)]}"
            client["postcode"] = local["postcode"]
            if "medicare_number" in client:  # a card shows its expiry month: the date is that month's first day
                client["medicare_expiry"] = _day(dt.date(2027 + n % 4, 1 + n % 12, 1))
        if emergency_contacts and n % 3 == 0:
            contact = {
                "first_name": _GIVEN[(n + 6) % len(_GIVEN)],
                "last_name": last,
                "relationship": _RELATIONSHIPS[n // 3 % len(_RELATIONSHIPS)],
                "mobile_phone": str(local["contact_mobile"]).format(556_0000 + n if country == "NZ" else 556_000 + n),
            }
            client["contact"] = contact
            client["emergency_contact"] = (
                f"{contact['first_name']} {contact['last_name']} ({contact['relationship'].lower()}) "
                f"{contact['mobile_phone']}"
            )
        if kind == "invalid_email":
            client["email"] = f"{first.lower()}.at.example.org"
            defect(kind, "client", cid)
        elif kind == "invalid_phone":
            client["mobile_phone"] = "555"
            defect(kind, "client", cid)
        elif kind == "invalid_identifier":
            field, identifier_kind = _IDENTIFIER[country]
            client[field] = corrupt_check_digit(str(client[field]), kind=identifier_kind)
            defect(kind, "client", cid)
        elif kind == "future_date_of_birth":
            client["date_of_birth"] = _day(dt.date(2031, 5, 4))
            defect(kind, "client", cid)
        elif kind == "no_contact_method":
            client["email"] = client["mobile_phone"] = ""
            defect(kind, "client", cid)
        elif kind == "mojibake_text":
            client["last_name"] = f"Mülle{n}".encode().decode("cp1252")
            defect(kind, "client", cid)
        elif kind == "placeholder_date":
            client["date_of_birth"] = "00/00/0000"
            defect(kind, "client", cid)
        add("clients", client)
        if kind == "duplicate_client":
            # The same person entered twice: the later record is merged into this one.
            add("clients", {**client, "id": f"C{clients + n}"})
            defect(kind, "client", f"C{clients + n}")
        site = "S1" if n % 3 else "S2"
        start = dt.datetime(2026, 3, 2, 9) + dt.timedelta(days=n % 60, hours=n % 7)
        for visit in (1, 2):
            aid = f"A{n}-{visit}"
            begins = start + dt.timedelta(days=7 * (visit - 1))
            appointment = {
                "id": aid,
                "client_id": cid,
                "practitioner_id": f"P{1 + n % 3}",
                "site_id": site,
                "appointment_type": "Consultation",
                "starts": _time(begins),
                "ends": _time(begins + dt.timedelta(minutes=45)),
                "status": "completed",
            }
            if visit == 2 and varied_statuses and kind is None:
                appointment["status"] = _VISIT_2_STATUS.get(n % 6, "completed")
            if visit == 2 and kind == "orphan_appointment":
                appointment["client_id"] = f"C{clients * 10 + n}"
                defect(kind, "appointment", aid)
            elif visit == 2 and kind == "dst_gap_appointment":
                gap = local["gap"]
                assert isinstance(gap, dt.datetime)
                appointment |= {"starts": _time(gap), "ends": _time(gap + dt.timedelta(hours=1))}
                if site_zones[site] != practice_zone:
                    appointment["site_id"] = "S1"  # the gap is the practice zone's: at a site in that zone
                defect(kind, "appointment", aid)
            elif visit == 2 and kind == "ends_before_start":
                appointment["ends"] = _time(begins - dt.timedelta(minutes=30))
                defect(kind, "appointment", aid)
            add("appointments", appointment)
            # A rejected appointment's note would be rejected with it: the defect is the appointment's alone.
            attended = appointment["status"] == "completed"  # a visit not held has no note
            if attended and appointment["client_id"] == cid and not (visit == 2 and kind == "dst_gap_appointment"):
                note(n, visit, appointment, begins)
        if dst_days and n <= DST_DAY_CLIENTS:
            day, change = local["changes"][(n - 1) // 2]  # type: ignore[index]
            begins = dt.datetime.combine(day, dt.time(9))
            aid = f"A{n}-3"
            appointment = {
                "id": aid,
                "client_id": cid,
                "practitioner_id": f"P{1 + n % 3}",
                "site_id": "S1",
                "appointment_type": "Consultation",
                "starts": _time(begins),
                "ends": _time(begins + dt.timedelta(minutes=45)),
                "status": "completed",
            }
            add("appointments", appointment)
            note(n, 3, appointment, begins)
            dst_visits.append(
                {
                    "source_id": aid,
                    "table": "appointments",
                    "local_start": begins.isoformat(),
                    "time_zone": practice_zone,
                    "kind": change,
                }
            )
        iid = f"I{n}"
        total = "90.00"
        # Nothing paid (open), part-paid (open, 50.00 paid) or paid in full.
        paid = {1: None, 2: "50.00"}.get(n % 4, total) if varied_statuses and kind is None else total
        add(
            "invoices",
            {
                "id": iid,
                "client_id": cid,
                "invoice_number": str(1000 + n),
                "issue_date": _day(start.date()),
                "status": "paid" if paid == total else "open",
                "tax_amount": "11.74",
                "total_amount": "95.00" if kind == "invoice_lines_mismatch" else total,
            },
        )
        if kind == "invoice_lines_mismatch":
            defect(kind, "invoice", iid)
        for price in ("60.00", "30.00"):
            line_id += 1
            add(
                "invoice_lines",
                {
                    "id": f"L{line_id}",
                    "invoice_id": iid,
                    "description": "Consultation",
                    "quantity": "1",
                    "unit_price": price,
                    "total_amount": price,
                },
            )
        if paid is not None:
            add(
                "payments",
                {
                    "id": f"Y{n}",
                    "invoice_id": iid,
                    "client_id": cid,
                    "paid": _time(practice_time(start + dt.timedelta(hours=1), site)),
                    "amount": paid,
                    "method": "eftpos",
                },
            )
        if n % 10 == 0:
            name = f"referral-{n}.pdf"
            files[name] = b"%PDF-1.4 synthetic referral " + cid.encode()
            add("documents", {"id": f"D{n}", "client_id": cid, "file_name": name, "description": "Referral"})
    return SmallPractice(country, rows, files, truth, tuple(dst_visits))


def _identifier(country: str, rng: random.Random) -> dict[str, object]:
    if country == "NZ":
        return {"nhi": random_nhi(rng, new_format=False)}
    if country == "UK":
        return {"nhs_number": random_nhs_number(rng)}
    number, irn = random_medicare(rng)
    return {"medicare_number": number, "medicare_irn": irn}
