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
from dataclasses import dataclass
from pathlib import Path

from checks.identifiers import corrupt_check_digit, random_nhi
from sources.template.settings import DOCUMENTS_DIR, TABLES, WORKBOOK_FILE, columns
from sources.template.workbook import _csv_text, notes_rows, write_workbook

TRUTH_FILE = "ground_truth.json"
SYNTHETIC_NOTE = "SYNTHETIC practice: fictional people, written by synthetic/template.py"
_GIVEN = ("Aroha", "Liam", "Mere", "Oliver", "Ana", "Noah", "Tama", "Isla", "Hemi", "Ruby", "Wiremu", "Zoe")
_FAMILY = ("Parata", "Walker", "Ngata", "Smith", "Tipene", "Brown", "Kereama", "Wilson", "Tane", "Taylor")
# NZ daylight saving starts on the last Sunday of September at 02:00 (clocks go to 03:00).
_NZ_DST_START = dt.date(2026, 9, 27)
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


def write_filled_template(
    out: Path, *, clients: int = 40, seed: int = 3, fmt: str = "xlsx", defects: bool = True
) -> TemplateSummary:
    """Fill the template for an NZ practice of `clients` clients into folder `out` (created)."""
    rng = random.Random(seed)
    rows: dict[str, list[list[object]]] = {table: [] for table in TABLES}
    truth: list[dict[str, object]] = []

    def add(table: str, values: dict[str, object]) -> None:
        rows[table].append([values.get(c.name, "") for c in columns(table)])

    def defect(kind: str, entity: str, source_id: str) -> None:
        truth.append({"kind": kind, "entity": entity, "source_id": source_id})

    add("sites", {"id": "S1", "name": "Harbour Clinic", "city": "Auckland", "phone": "09 555 0100"})
    add("sites", {"id": "S2", "name": "Hill Clinic", "city": "Hamilton", "phone": "07 555 0100"})
    for n, (first, last) in enumerate((("Aroha", "Ngata"), ("James", "Cole"), ("Priya", "Shah")), start=1):
        add("practitioners", {"id": f"P{n}", "first_name": first, "last_name": last, "active": "yes"})
    add("referrers", {"id": "R1", "title": "Dr", "first_name": "Ian", "last_name": "Fox", "organisation": "City GP"})
    planned = list(range(1, clients + 1))
    kinds = dict(zip(DEFECT_KINDS, rng.sample(planned, len(DEFECT_KINDS)), strict=True)) if defects else {}
    by_client = {n: kind for kind, n in kinds.items()}
    documents = Path(out) / DOCUMENTS_DIR
    documents.mkdir(parents=True, exist_ok=True)
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
            "mobile_phone": f"021 {555_0000 + n:07d}",
            "city": "Auckland",
            "nhi": random_nhi(rng, new_format=False),
            "referrer_id": "R1" if n % 5 == 0 else "",
            "archived": "no",
        }
        if kind == "invalid_email":
            client["email"] = f"{first.lower()}.at.example.org"
            defect(kind, "client", cid)
        elif kind == "invalid_phone":
            client["mobile_phone"] = "555"
            defect(kind, "client", cid)
        elif kind == "invalid_identifier":
            client["nhi"] = corrupt_check_digit(str(client["nhi"]), kind="nhi")
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
            if visit == 2 and kind == "orphan_appointment":
                appointment["client_id"] = f"C{clients * 10 + n}"
                defect(kind, "appointment", aid)
            elif visit == 2 and kind == "dst_gap_appointment":
                gap = dt.datetime.combine(_NZ_DST_START, dt.time(2, 30))
                appointment |= {"starts": _time(gap), "ends": _time(gap + dt.timedelta(hours=1))}
                defect(kind, "appointment", aid)
            elif visit == 2 and kind == "ends_before_start":
                appointment["ends"] = _time(begins - dt.timedelta(minutes=30))
                defect(kind, "appointment", aid)
            add("appointments", appointment)
            # A rejected appointment's note would be rejected with it: the defect is the appointment's alone.
            if appointment["client_id"] == cid and not (visit == 2 and kind == "dst_gap_appointment"):
                add(
                    "clinical_notes",
                    {
                        "id": f"N{n}-{visit}",
                        "client_id": cid,
                        "practitioner_id": appointment["practitioner_id"],
                        "appointment_id": aid,
                        "title": "Treatment",
                        "body": f"Visit {visit}: range of motion improving.\nContinue exercises.",
                        "written": _time(begins + dt.timedelta(minutes=50)),
                    },
                )
        iid = f"I{n}"
        total = "90.00"
        add(
            "invoices",
            {
                "id": iid,
                "client_id": cid,
                "invoice_number": str(1000 + n),
                "issue_date": _day(start.date()),
                "status": "paid",
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
        add(
            "payments",
            {
                "id": f"Y{n}",
                "invoice_id": iid,
                "client_id": cid,
                "paid": _time(start + dt.timedelta(hours=1)),
                "amount": total,
                "method": "eftpos",
            },
        )
        if n % 10 == 0:
            name = f"referral-{n}.pdf"
            (documents / name).write_bytes(b"%PDF-1.4 synthetic referral " + cid.encode())
            add("documents", {"id": f"D{n}", "client_id": cid, "file_name": name, "description": "Referral"})
    notes = [*notes_rows("NZ"), ["", "", "", "", SYNTHETIC_NOTE, ""]]
    if fmt == "xlsx":
        write_workbook(Path(out) / WORKBOOK_FILE, rows, notes)
    else:
        for table, table_rows in rows.items():
            header = [[c.name for c in columns(table)]]
            text = _csv_text(header + [[str(v) for v in r] for r in table_rows])
            (Path(out) / f"{table}.csv").write_text(text, encoding="utf-8")
    truth_file = Path(out) / TRUTH_FILE
    truth_file.write_text(
        json.dumps({"synthetic": SYNTHETIC_NOTE, "format": fmt, "defects": truth}, indent=1), encoding="utf-8"
    )
    return TemplateSummary(Path(out), truth_file, {t: len(r) for t, r in rows.items()}, len(truth))
