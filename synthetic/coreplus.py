"""A small Core Plus practice as the emulator serves it (`practice.json`), for tests and the demo.

Records carry the fields and quirks of research/sources-round2.md §2.3 (GUID ids, `dateOfBirth`
"1972-07-02T00:00:00" without offset, `amountOwing` a string beside numeric line amounts, `generatedAt`
a date). Appointments are kept as local wall-clock times of their location (emulators/coreplus README);
some fall on both sides of Sydney's daylight-saving changes, so a test sees the offset move while the
local time stays.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from pathlib import Path
from typing import Any

from checks.identifiers import random_medicare
from emulators.coreplus.constants import TIME_ZONES, ZONE_IDS
from sources.coreplus.settings import EXPORT_RESOURCES

# Fictional names: no real person's data in synthetic practices.
_GIVEN = ("Ava", "Noah", "Mia", "Leo", "Isla", "Jack", "Ruby", "Oscar", "Zara", "Hugo", "Elsie", "Finn")
_FAMILY = ("Tremaine", "Okafor", "Lindqvist", "Marchetti", "Nguyen", "Abernathy", "Kowalczyk", "Ferreira")
_STATUSES = ("Attended", "Booked", "Cancelled", "Did not attend")
# Sydney's 2026 daylight-saving changes (first Sunday of April ends it, first Sunday of October starts it).
DST_CHANGE_DAYS = (dt.date(2026, 4, 5), dt.date(2026, 10, 4))


def _mobile(rng: random.Random) -> str:
    """An Australian mobile number in an allocated range (libphonenumber refuses parts of 044, 047 and 049)."""
    return f"04{rng.choice('01236')}{rng.randint(1000000, 9999999)}"


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def practice(*, clients: int = 12, seed: int = 7, first_day: dt.date = dt.date(2026, 3, 23)) -> dict[str, Any]:
    """The practice: two locations (Sydney and Brisbane — Brisbane keeps no daylight saving), three
    practitioners, `clients` clients with family, two appointments and one invoice each."""
    rng = random.Random(seed)
    locations = [
        {"locationId": _guid(rng), "name": "Harbour Clinic", "timezoneId": ZONE_IDS["Australia/Sydney"]},
        {"locationId": _guid(rng), "name": "River Clinic", "timezoneId": ZONE_IDS["Australia/Brisbane"]},
    ]
    practitioners = [
        {
            "practitionerId": _guid(rng),
            "title": "Dr",
            "firstName": rng.choice(_GIVEN),
            "lastName": rng.choice(_FAMILY),
            "email": f"practitioner{i}@example.invalid",
            "providerNumber": f"{rng.randint(100000, 999999)}A",
        }
        for i in range(3)
    ]
    out: dict[str, list[dict[str, Any]]] = {
        "locations": locations,
        "practitioners": practitioners,
        "clients": [],
        "clientFamilies": [],
        "appointments": [],
        "invoices": [],
    }
    for i in range(clients):
        client_id, first, last = _guid(rng), rng.choice(_GIVEN), rng.choice(_FAMILY)
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 30000))
        street = f"{rng.randint(1, 200)} Example Street"
        medicare, irn = random_medicare(rng)
        out["clients"].append(
            {
                "clientId": client_id,
                "title": rng.choice(("Mr", "Ms", "Mrs", "Dr", "")),
                "practitionerId": rng.choice(practitioners)["practitionerId"],
                "preferredName": "",
                "culture": "",
                "pronouns": rng.choice(("he", "she", "they", "")),
                "firstName": first,
                "middleName": "",
                "lastName": last,
                "dateOfBirth": f"{born.isoformat()}T00:00:00",
                "gender": rng.choice(("Male", "Female", "Other", "")),
                "medicareCardNumber": medicare,
                "medicareCardIRN": irn,
                "medicareCardExpireDate": "2029-10-01",
                "dvaCardNumber": "",
                "phoneNumberHome": "",
                "phoneNumberWork": "",
                "phoneNumberMobile": _mobile(rng),
                "email": f"client{i}@example.invalid",
                "Status": rng.choice(("Current", "Current", "Closed", "Deceased")),
                "addressResidential": {"streetAddress": street, "city": "Sydney", "postcode": "2000", "state": "NSW"},
                "addressPostal": {"streetAddress": street, "city": "Sydney", "postcode": "2000", "state": "NSW"},
                "notes1": "",
                "ExternalId": f"EXT-{i:05d}",
            }
        )
        for _ in range(i % 3):
            out["clientFamilies"].append(
                {
                    "clientId": client_id,
                    "familyId": _guid(rng),
                    "title": "",
                    "firstName": rng.choice(_GIVEN),
                    "surname": last,
                    "relationship": rng.choice(("Mother", "Father", "Partner", "Guardian")),
                    "address": street,
                    "suburb": "Sydney",
                    "postcode": "2000",
                    "homePhone": "",
                    "workPhone": "",
                    "mobile": _mobile(rng),
                    "email": "",
                    "notes": "",
                    "medicareCardNumber": "",
                    "medicareCardIRN": "",
                    "emergencyContact": True,
                    "invoiceRecipient": False,
                    "mainContact": False,
                }
            )
        for k in range(2):
            # Half the appointments straddle a DST change day: the local hour is what the patient booked.
            day = DST_CHANGE_DAYS[k] + dt.timedelta(days=rng.choice((-1, 1))) if i % 2 else first_day
            day += dt.timedelta(days=rng.randint(0, 6) if not i % 2 else 0)
            start = dt.datetime.combine(day, dt.time(8 + rng.randint(0, 9), rng.choice((0, 15, 30, 45))))
            location = locations[(i + k) % 2]
            out["appointments"].append(
                {
                    "appointmentId": _guid(rng),
                    "appointmentReferenceNumber": f"{rng.randint(100000, 999999)}",
                    "status": rng.choice(_STATUSES),
                    "practitionerId": rng.choice(practitioners)["practitionerId"],
                    "subject": f"{last.upper()} {first}",
                    "notes": "",
                    "locationId": location["locationId"],
                    "appointmentTypeId": _guid(rng),
                    "start": start.isoformat(),
                    "end": (start + dt.timedelta(minutes=30)).isoformat(),
                    "clientId": client_id,
                }
            )
        amounts = [rng.choice((65.0, 85.5, 120.0)) for _ in range(rng.randint(1, 3))]
        owing = rng.choice((0.0, amounts[0]))
        out["invoices"].append(
            {
                "invoiceId": _guid(rng),
                "invoiceNumber": f"260603-{i + 1}",
                "clientId": client_id,
                "generatedAt": (first_day + dt.timedelta(days=i % 20)).isoformat(),
                "lineItems": [
                    {
                        "lineItemId": _guid(rng),
                        "productId": _guid(rng),
                        "description": "Consultation",
                        "itemNumber": f"{10960 + n}",
                        "unitAmount": amount,
                        "taxAmount": 0.0,
                        "lineAmount": amount,
                        "quantity": 1,
                    }
                    for n, amount in enumerate(amounts)
                ],
                "amountOwing": str(owing),  # §2.3 quirk: a string ("50.0")
                "locked": bool(rng.getrandbits(1)),
            }
        )
    return out


def write_practice(path: Path, *, defects: bool = False, **kwargs: Any) -> dict[str, Any]:
    """Write `practice(**kwargs)` to `path` as the emulator's practice file; returns it. With `defects`, one
    record of each kind in DEFECT_KINDS is damaged and the ground truth written to `ground_truth.json` beside it
    (labelled synthetic)."""
    data = practice(**kwargs)
    if defects:
        truth = {"synthetic": True, "system": "coreplus", "defects": inject_defects(data)}
        (Path(path).parent / TRUTH_FILE).write_text(json.dumps(truth, indent=1), encoding="utf-8")
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    return data


TRUTH_FILE = "ground_truth.json"
# One record each, on different clients (so each record carries exactly one defect). The API renders times and
# ids itself, so the kinds are those a practice's own data entry can produce through it.
DEFECT_KINDS = (
    "invalid_email",
    "invalid_phone",
    "invalid_identifier",
    "future_date_of_birth",
    "no_contact_method",
    "duplicate_client",
    "orphan_appointment",
    "unmapped_status",
    "ends_before_start",
)


def inject_defects(data: dict[str, Any]) -> list[dict[str, str]]:
    """Damage `data` in place, one defect per kind (DEFECT_KINDS); returns the ground truth (kind, entity, API id)."""
    clients = data["clients"]
    if len(clients) < len(DEFECT_KINDS) + 1:
        raise ValueError(f"defects need at least {len(DEFECT_KINDS) + 1} clients")
    truth: list[dict[str, str]] = []

    def client(kind: str, index: int, **changes: Any) -> None:
        clients[index].update(changes)
        truth.append({"kind": kind, "entity": "client", "source_id": clients[index]["clientId"]})

    def appointment(kind: str, index: int, **changes: Any) -> None:
        record = next(a for a in data["appointments"] if a["clientId"] == clients[index]["clientId"])
        record.update(changes)
        truth.append({"kind": kind, "entity": "appointment", "source_id": record["appointmentId"]})

    client("invalid_email", 0, email="client0.example.invalid")
    client("invalid_phone", 1, phoneNumberMobile="04123")
    medicare = clients[2]["medicareCardNumber"]
    client("invalid_identifier", 2, medicareCardNumber=medicare[:8] + str((int(medicare[8]) + 1) % 10) + medicare[9])
    client("future_date_of_birth", 3, dateOfBirth="2099-01-01T00:00:00")
    client("no_contact_method", 4, email="", phoneNumberMobile="", phoneNumberHome="", phoneNumberWork="")
    # Entered twice: same name, birth date and Medicare card; its id sorts after the original's, so the
    # original survives (survivor order: canonical id) and the copy is the one merged.
    copy = {**clients[5], "clientId": "ffffffff" + clients[5]["clientId"][8:], "ExternalId": "EXT-COPY"}
    clients.append(copy)
    truth.append({"kind": "duplicate_client", "entity": "client", "source_id": copy["clientId"]})
    appointment("orphan_appointment", 6, clientId=str(uuid.UUID(int=6, version=4)))
    appointment("unmapped_status", 7, status="Rescheduled by robot")
    first = next(a for a in data["appointments"] if a["clientId"] == clients[8]["clientId"])
    end = dt.datetime.fromisoformat(first["start"]) - dt.timedelta(minutes=30)
    appointment("ends_before_start", 8, end=end.isoformat())
    return truth


# The CSV export beside the API (sources/coreplus/export.py; its layout is assumed): day-first local times.
_EXPORT_DATETIME = "%d/%m/%Y %H:%M"
_NOTE_BODIES = (
    "Subjective: pain 4/10, better after exercises.",
    'Objective: ROM improved; patient said "much easier", reviewed plan.',
    "Assessment: progressing.\nPlan: continue, review in 2 weeks — café-hours appointment preferred.",
)


def export_rows(data: dict[str, Any], *, seed: int = 7) -> dict[str, list[dict[str, str]]]:
    """The export's rows for a practice (`practice()`): two referrers, a note per attended appointment written
    45 minutes after it starts (the practice's Sydney wall time), a payment per paid invoice."""
    from zoneinfo import ZoneInfo

    rng = random.Random(seed + 1)
    sydney = ZoneInfo("Australia/Sydney")
    zone_of = {loc["locationId"]: ZoneInfo(TIME_ZONES[loc["timezoneId"]]) for loc in data["locations"]}
    referrers = [
        {
            "referrer_id": _guid(rng),
            "title": "Dr",
            "first_name": rng.choice(_GIVEN),
            "last_name": rng.choice(_FAMILY),
            "organisation": f"{rng.choice(_FAMILY)} Medical Centre",
            "provider_number": f"{rng.randint(100000, 999999)}B",
            "email": f"referrer{i}@example.invalid",
            "phone": f"02 9{rng.randint(1000000, 9999999)}",
        }
        for i in range(2)
    ]
    notes = []
    for appointment in data["appointments"]:
        if appointment["status"] != "Attended":
            continue
        start = dt.datetime.fromisoformat(appointment["start"]).replace(tzinfo=zone_of[appointment["locationId"]])
        written = (start + dt.timedelta(minutes=45)).astimezone(sydney)
        notes.append(
            {
                "note_id": _guid(rng),
                "client_id": appointment["clientId"],
                "practitioner_id": appointment["practitionerId"],
                "appointment_id": appointment["appointmentId"],
                "title": "Treatment note",
                "body": rng.choice(_NOTE_BODIES),
                "written": written.strftime(_EXPORT_DATETIME),
            }
        )
    payments = []
    for invoice in data["invoices"]:
        if float(invoice["amountOwing"]) != 0:
            continue
        paid = dt.datetime.combine(dt.date.fromisoformat(invoice["generatedAt"]), dt.time(10, 5))
        total = sum(item["lineAmount"] for item in invoice["lineItems"])
        payments.append(
            {
                "payment_id": _guid(rng),
                "invoice_id": invoice["invoiceId"],
                "client_id": invoice["clientId"],
                "paid": paid.strftime(_EXPORT_DATETIME),
                "amount": f"{total:.2f}",
                "method": rng.choice(("EFTPOS", "Cash", "Credit card")),
                "reference": "",
            }
        )
    return {"referrers": referrers, "clinical_notes": notes, "payments": payments}


def write_export(folder: Path, data: dict[str, Any], *, seed: int = 7) -> dict[str, list[dict[str, str]]]:
    """Write the export's CSV files for `data` into `folder` (UTF-8, quoted where needed); returns the rows."""
    import csv

    rows = export_rows(data, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in rows.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(EXPORT_RESOURCES[name].fields))
            writer.writeheader()
            writer.writerows(records)
    return rows
