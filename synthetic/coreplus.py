"""A SYNTHETIC Core Plus practice: the neutral small practice of synthetic/template.py laid out as the Core Plus
emulator serves it (`practice.json`) and as the CSV export beside the API (sources/coreplus/export.py, layout
assumed), with the ground truth. Every name is fictional.

The neutral practice is built for AU with five of its optional facts (`small_practice` in synthetic/template.py):
`dst_days` (clients 1–4 also seen at 09:00 on Sydney's 2026 daylight-saving change days, 5 April and 4 October),
`other_zone_site` (the second location, River Clinic, is in Brisbane, which keeps no daylight saving),
`emergency_contacts` (every third client's relative, Core Plus's ClientFamily), and `varied_statuses` and
`client_details` (below). This module only lays it out:

- Records carry the fields and quirks of research/sources-round2.md §2.3: GUID ids, `dateOfBirth`
  "1972-07-02T00:00:00" without offset, `amountOwing` a string beside numeric line amounts, `generatedAt` a date.
  The GUIDs are name-based (UUID 5) on the seed and the neutral id (`C3`, `A3-2` …), so the same arguments give
  the same file and a neutral id always maps to the same GUID; the neutral id is kept as the client's `ExternalId`.
- Appointments are kept as local wall-clock times of their location (emulators/coreplus README): the neutral
  practice's site-local `starts`/`ends`. The emulator answers them with the offset of that day, so the Sydney
  appointments of March (+11:00), of April and May (+10:00) and of the change days both show.
- Two more optional facts make the practice as varied as a real diary: `varied_statuses` (second visits cancelled,
  not attended or still booked — Cancelled, Did not attend, Booked — and invoices open with nothing or 50.00 of
  90.00 paid: `amountOwing` is the lines' sum less the payments, "90.0" or "40.0") and `client_details` (a title,
  a street address and postcode, and a Medicare card expiry `medicareCardExpireDate` as YYYY-MM-DD).
- Facts the neutral practice still lacks are written plainly, not invented: no pronouns or DVA card; practitioners'
  e-mail and provider numbers are illustrative values derived from their neutral ids (as synthetic/pracsuite.py
  does). The API has no referrers, notes, payments or documents: referrers, notes and payments are the CSV
  export; documents are not written.
- An invoice's neutral tax is spread over its lines in proportion to their amounts (Core Plus has tax per line).

Defects (`defects=True`): the neutral kinds the API can deliver, on the records the neutral truth names (their
ids as GUIDs), plus Core Plus's own writer-level kind `unmapped_status` (an appointment status the mapping does
not list, as a practice-defined status would be). Three neutral kinds cannot come through the API and are left
out of the truth (NOT_DELIVERABLE): `placeholder_date` (an API date cannot hold 00/00/0000: the client is written
without a date of birth), `dst_gap_appointment` (Core Plus keeps instants: a wall time the clock skipped cannot be
booked, so that appointment is not written) and `invoice_lines_mismatch` (an invoice has no total of its own: the
total is its lines' sum, so it is written with its lines and adds up).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from emulators.coreplus.constants import ZONE_IDS
from sources.coreplus.settings import EXPORT_RESOURCES
from synthetic import template
from synthetic.template import SYNTHETIC_NOTE, SmallPractice, small_practice

PRACTICE_FILE = "practice.json"
TRUTH_FILE = template.TRUTH_FILE
NOT_DELIVERABLE = frozenset({"placeholder_date", "dst_gap_appointment", "invoice_lines_mismatch"})
# The writer's own kind: an appointment status outside the mapping's list (the mapping rejects it, never guesses).
UNMAPPED_STATUS = "Rescheduled by robot"
DEFECT_KINDS = (*(k for k in template.DEFECT_KINDS if k not in NOT_DELIVERABLE), "unmapped_status")
# With defects the neutral practice needs a client per neutral kind.
MIN_DEFECT_CLIENTS = len(template.DEFECT_KINDS)
# Sydney's 2026 daylight-saving change days (first Sunday of April ends it, first Sunday of October starts it):
# the neutral practice's AU change days, where clients 1–4 have their third visit.
DST_CHANGE_DAYS = (dt.date(2026, 4, 5), dt.date(2026, 10, 4))
_NAMESPACE = uuid.UUID("6f1c2d4e-8a3b-5c7d-9e0f-1a2b3c4d5e6f")
_STATES = {"Sydney": "NSW", "Parramatta": "NSW", "Brisbane": "QLD"}
_STATUSES = {"completed": "Attended", "booked": "Booked", "cancelled": "Cancelled", "did_not_attend": "Did not attend"}
# The CSV export beside the API (sources/coreplus/export.py; its layout is assumed): day-first local times, the
# neutral practice's own form.
_EXPORT_DATETIME = "%d/%m/%Y %H:%M"


@dataclass(frozen=True)
class CoreplusPractice:
    """The emulator's practice (list key → records), the CSV export's rows (file stem → rows), the ground truth
    in Core Plus's ids, and the DST-day appointments (`appointment_id`, `local_start`, `time_zone`, `kind`)."""

    api: dict[str, list[dict[str, Any]]]
    export: dict[str, list[dict[str, str]]]
    truth: list[dict[str, str]]
    dst_days: list[dict[str, str]]


def _guid(seed: int, kind: str, neutral_id: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{seed}/{kind}/{neutral_id}"))


def _iso(neutral: object) -> str:
    """A neutral local time ("02/03/2026 09:00") as the emulator keeps it ("2026-03-02T09:00:00")."""
    return dt.datetime.strptime(str(neutral), _EXPORT_DATETIME).isoformat()


def _birth(neutral: object) -> str | None:
    try:
        return dt.datetime.strptime(str(neutral), "%d/%m/%Y").strftime("%Y-%m-%dT00:00:00")
    except ValueError:
        return None  # the placeholder 00/00/0000: an API date cannot carry it


def _expiry(neutral: object) -> str:
    """A neutral Medicare card expiry ("01/05/2028") as Core Plus's create-client field takes it ("2028-05-01")."""
    if not neutral:
        return ""
    return dt.datetime.strptime(str(neutral), "%d/%m/%Y").date().isoformat()


def _owing(items: list[dict[str, object]], paid: Decimal | None) -> Decimal:
    """What an open invoice still owes: its lines' sum less what was paid on it."""
    return sum((Decimal(str(x["total_amount"])) for x in items), Decimal(0)) - (paid or Decimal(0))


def _tax_by_line(invoice: dict[str, object], lines: list[dict[str, object]]) -> list[Decimal]:
    """The invoice's tax over its lines in proportion to their amounts, to the cent; the last line takes the rest."""
    tax = Decimal(str(invoice.get("tax_amount") or "0"))
    amounts = [Decimal(str(line["total_amount"])) for line in lines]
    total = sum(amounts, Decimal(0))
    shares = [(tax * a / total).quantize(Decimal("0.01")) if total else Decimal(0) for a in amounts[:-1]]
    return [*shares, tax - sum(shares, Decimal(0))] if amounts else []


def lay_out(neutral: SmallPractice, seed: int) -> CoreplusPractice:
    """The neutral practice in Core Plus's records, its CSV export's rows and the ground truth."""
    rows = neutral.rows

    def gid(kind: str, neutral_id: object) -> str:
        return _guid(seed, kind, neutral_id)

    duplicates = {d["source_id"] for d in neutral.truth if d["kind"] == "duplicate_client"}
    gap = {d["source_id"] for d in neutral.truth if d["kind"] == "dst_gap_appointment"}
    # The writer's own defect: the first visit of the client with an invalid e-mail (a record with no defect of its
    # own; the client is staged with an issue, so the rejected appointment is the only record affected).
    unmapped = {f"A{str(d['source_id'])[1:]}-1" for d in neutral.truth if d["kind"] == "invalid_email"}

    def client_gid(neutral_id: object) -> str:
        guid = gid("client", neutral_id)
        # Entered twice: the copy's GUID sorts after the original's, so the original survives (survivor order:
        # canonical id, the client having no creation time) and the copy is the one merged.
        return "ffffffff" + guid[8:] if neutral_id in duplicates else guid

    zone_of = {str(s["id"]): str(s.get("time_zone") or neutral.time_zone) for s in rows["sites"]}
    api: dict[str, list[dict[str, Any]]] = {
        "locations": [
            {"locationId": gid("site", s["id"]), "name": s["name"], "timezoneId": ZONE_IDS[zone_of[str(s["id"])]]}
            for s in rows["sites"]
        ],
        "practitioners": [
            {
                "practitionerId": gid("practitioner", p["id"]),
                "title": "",
                "firstName": p["first_name"],
                "lastName": p["last_name"],
                "email": f"{str(p['first_name']).lower()}.{str(p['last_name']).lower()}@example.org",
                "providerNumber": f"{2400000 + int(str(p['id'])[1:])}A",  # illustrative, from the neutral id
            }
            for p in rows["practitioners"]
        ],
        "clients": [],
        "clientFamilies": [],
        "appointments": [],
        "invoices": [],
    }
    # A client's practitioner: the one the neutral practice books them with (their first appointment's).
    practitioner_of: dict[object, object] = {}
    for a in rows["appointments"]:
        practitioner_of.setdefault(a["client_id"], a["practitioner_id"])
    names = {c["id"]: (c["first_name"], c["last_name"]) for c in rows["clients"]}
    for c in rows["clients"]:
        cid = client_gid(c["id"])
        address = {
            "streetAddress": c.get("address_line_1", ""),
            "city": c.get("city", ""),
            "postcode": c.get("postcode", ""),
            "state": _STATES.get(str(c.get("city")), ""),
        }
        api["clients"].append(
            {
                "clientId": cid,
                "title": c.get("title", ""),
                "practitionerId": gid("practitioner", practitioner_of.get(c["id"], "P1")),
                "preferredName": "",
                "culture": "",
                "pronouns": "",
                "firstName": c["first_name"],
                "middleName": "",
                "lastName": c["last_name"],
                "dateOfBirth": _birth(c.get("date_of_birth")),
                "gender": str(c.get("sex", "")).capitalize(),
                "medicareCardNumber": c.get("medicare_number", ""),
                "medicareCardIRN": c.get("medicare_irn", ""),
                "medicareCardExpireDate": _expiry(c.get("medicare_expiry")),
                "dvaCardNumber": "",
                "phoneNumberHome": "",
                "phoneNumberWork": "",
                "phoneNumberMobile": c.get("mobile_phone", ""),
                "email": c.get("email", ""),
                "Status": "Closed" if c.get("archived") == "yes" else "Current",
                "addressResidential": address,
                "addressPostal": dict(address),
                "notes1": "",
                "ExternalId": c["id"],
            }
        )
        contact = c.get("contact")
        if isinstance(contact, dict):
            api["clientFamilies"].append(
                {
                    "clientId": cid,
                    "familyId": gid("family", c["id"]),
                    "title": "",
                    "firstName": contact["first_name"],
                    "surname": contact["last_name"],
                    "relationship": contact["relationship"],
                    "address": "",
                    "suburb": c.get("city", ""),
                    "postcode": "",
                    "homePhone": "",
                    "workPhone": "",
                    "mobile": contact["mobile_phone"],
                    "email": "",
                    "notes": "",
                    "medicareCardNumber": "",
                    "medicareCardIRN": "",
                    "emergencyContact": True,
                    "invoiceRecipient": False,
                    "mainContact": False,
                }
            )
    for a in rows["appointments"]:
        if a["id"] in gap:
            continue  # NOT_DELIVERABLE: a wall time the clock skipped cannot be booked
        client, visit = str(a["id"])[1:].split("-")  # "A3-2": client 3's second visit
        first, last = names[f"C{client}"]  # the booked client's name (an orphan's link is what is broken)
        api["appointments"].append(
            {
                "appointmentId": gid("appointment", a["id"]),
                "appointmentReferenceNumber": f"{100000 + 10 * int(client) + int(visit)}",
                "status": UNMAPPED_STATUS if a["id"] in unmapped else _STATUSES[str(a["status"])],
                "practitionerId": gid("practitioner", a["practitioner_id"]),
                "subject": f"{str(last).upper()} {first}",
                "notes": "",
                "locationId": gid("site", a["site_id"]),
                "appointmentTypeId": gid("appointment_type", a["appointment_type"]),
                "start": _iso(a["starts"]),
                "end": _iso(a["ends"]),
                "clientId": client_gid(a["client_id"]),
            }
        )
    lines: dict[object, list[dict[str, object]]] = {}
    paid: dict[object, Decimal] = {}
    for y in rows["payments"]:
        paid[y["invoice_id"]] = paid.get(y["invoice_id"], Decimal(0)) + Decimal(str(y["amount"]))
    for line in rows["invoice_lines"]:
        lines.setdefault(line["invoice_id"], []).append(line)
    for i in rows["invoices"]:
        items = lines.get(i["id"], [])
        api["invoices"].append(
            {
                "invoiceId": gid("invoice", i["id"]),
                "invoiceNumber": i["invoice_number"],
                "clientId": client_gid(i["client_id"]),
                "generatedAt": dt.datetime.strptime(str(i["issue_date"]), "%d/%m/%Y").date().isoformat(),
                "lineItems": [
                    {
                        "lineItemId": gid("invoice_line", line["id"]),
                        "productId": gid("product", line["description"]),
                        "description": line["description"],
                        "itemNumber": "",
                        "unitAmount": float(str(line["unit_price"])),
                        "taxAmount": float(tax),
                        "lineAmount": float(str(line["total_amount"])),
                        "quantity": int(str(line["quantity"])),
                    }
                    for line, tax in zip(items, _tax_by_line(i, items), strict=True)
                ],
                # §2.3 quirk: a string ("50.0"); a paid invoice owes nothing, an open one its lines less its payments.
                "amountOwing": "0.0" if i["status"] == "paid" else str(float(_owing(items, paid.get(i["id"])))),
                "locked": i["status"] == "paid",
            }
        )
    export = {
        "referrers": [
            {
                "referrer_id": gid("referrer", r["id"]),
                "title": str(r.get("title", "")),
                "first_name": str(r["first_name"]),
                "last_name": str(r["last_name"]),
                "organisation": str(r.get("organisation", "")),
                "provider_number": "",
                "email": "",
                "phone": "",
            }
            for r in rows["referrers"]
        ],
        # A note of an appointment the writer rejects (unmapped_status) would be rejected with it: not exported.
        "clinical_notes": [
            {
                "note_id": gid("note", n["id"]),
                "client_id": client_gid(n["client_id"]),
                "practitioner_id": gid("practitioner", n["practitioner_id"]),
                "appointment_id": gid("appointment", n["appointment_id"]),
                "title": str(n.get("title", "")),
                "body": str(n["body"]),
                "written": str(n["written"]),  # the practice's local time, as the export writes it
            }
            for n in rows["clinical_notes"]
            if n["appointment_id"] not in unmapped
        ],
        "payments": [
            {
                "payment_id": gid("payment", y["id"]),
                "invoice_id": gid("invoice", y["invoice_id"]),
                "client_id": client_gid(y["client_id"]),
                "paid": str(y["paid"]),
                "amount": str(y["amount"]),
                "method": str(y.get("method", "")).upper(),
                "reference": "",
            }
            for y in rows["payments"]
        ],
    }
    truth = [
        {
            "kind": str(d["kind"]),
            "entity": str(d["entity"]),
            "source_id": client_gid(d["source_id"]) if d["entity"] == "client" else gid("appointment", d["source_id"]),
        }
        for d in neutral.truth
        if d["kind"] not in NOT_DELIVERABLE
    ]
    truth += [
        {"kind": "unmapped_status", "entity": "appointment", "source_id": gid("appointment", aid)}
        for aid in sorted(unmapped)
    ]
    dst_days = [
        {
            "appointment_id": gid("appointment", d["source_id"]),
            "local_start": d["local_start"],
            "time_zone": d["time_zone"],
            "kind": d["kind"],
        }
        for d in neutral.dst_days
    ]
    return CoreplusPractice(api, export, truth, dst_days)


def practice(*, clients: int = 12, seed: int = 7, defects: bool = False) -> CoreplusPractice:
    """The AU neutral small practice with its DST-day visits, a Brisbane location, emergency contacts, varied
    appointment and invoice statuses and full client details, laid out for Core Plus (`lay_out`)."""
    if defects and clients < MIN_DEFECT_CLIENTS:
        raise ValueError(f"defects need at least {MIN_DEFECT_CLIENTS} clients (one of each neutral kind)")
    neutral = small_practice(
        clients=clients,
        seed=seed,
        defects=defects,
        country="AU",
        dst_days=True,
        other_zone_site=True,
        emergency_contacts=True,
        varied_statuses=True,
        client_details=True,
    )
    return lay_out(neutral, seed)


def write_practice(path: Path, *, clients: int = 12, seed: int = 7, defects: bool = False) -> dict[str, Any]:
    """Write `practice(...)`'s API records to `path` as the emulator's practice file; returns them. The ground truth
    goes to `ground_truth.json` beside it (labelled synthetic): with `defects` the defects, always the DST-day
    appointments."""
    built = practice(clients=clients, seed=seed, defects=defects)
    truth = {
        "synthetic": SYNTHETIC_NOTE,
        "format": "coreplus",
        "defects": built.truth,
        "dst_days": built.dst_days,
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    (Path(path).parent / TRUTH_FILE).write_text(json.dumps(truth, indent=1), encoding="utf-8")
    Path(path).write_text(json.dumps(built.api, indent=1, ensure_ascii=False), encoding="utf-8")
    return built.api


def write_export(
    folder: Path, *, clients: int = 12, seed: int = 7, defects: bool = False
) -> dict[str, list[dict[str, str]]]:
    """Write the CSV export of `practice(...)` (the same arguments as its `write_practice`) into `folder` (UTF-8,
    quoted where needed); returns the rows."""
    rows = practice(clients=clients, seed=seed, defects=defects).export
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in rows.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(EXPORT_RESOURCES[name].fields))
            writer.writeheader()
            writer.writerows(records)
    return rows
