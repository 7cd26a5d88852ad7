"""A SYNTHETIC PracSuite practice as its emulator serves it (`practice.json`) with the ground truth,
written from the neutral small practice of synthetic/template.py (same defects, same fictional people).

Records carry the fields and forms of the PracSuite API (research/sources-round2.md §2.5,
docs.api.pracsuite.com): integer ids, `tenant_id` on every record, `date_of_birth` an ISO date,
appointments as `app_time` — a local date-time in the tenant's zone, no offset — with a `duration` in
minutes, `created`/`modified` RFC 3339 UTC with microseconds. Cancelled appointments are their own list.
Fields the docs do not show (practitioner, note, attachment and account fields; the patient's Medicare
and referrer fields) are ASSUMED, as sources/pracsuite/README.md lists.

The small practice's invoices and payments are not written: the public API has no invoice resource
(§2.5). Of its defects, those an API cannot deliver are left out of the truth: `placeholder_date` (a
`date` field cannot hold 00/00/0000: the record is written without a date of birth) and
`invoice_lines_mismatch`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthetic.template import SYNTHETIC_NOTE, TRUTH_FILE, small_practice

PRACTICE_FILE = "practice.json"
TENANT_ID = 4101
NOT_DELIVERABLE = frozenset({"placeholder_date", "invoice_lines_mismatch"})
# Every record was created and last modified well before any test runs: a change a test makes (the
# emulator stamps it now) is after every extraction's high-water mark.
_CREATED = dt.datetime(2026, 1, 5, 22, 0, tzinfo=dt.UTC)
APPOINTMENT_STATUSES = {1: "Booked", 2: "Arrived", 3: "Completed", 4: "Did Not Arrive"}
CANCELLATION_REASONS = {1: "Patient unwell", 2: "Clinic closed"}


@dataclass(frozen=True)
class PracsuiteSummary:
    practice_file: Path
    truth_file: Path
    counts: dict[str, int]
    defects: int


def _stamp(offset_minutes: int) -> str:
    return (_CREATED + dt.timedelta(minutes=offset_minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _number(source_id: object) -> int:
    """`C12` → 12: the neutral practice's ids as PracSuite's integers."""
    return int(str(source_id).lstrip("CPRSDNAIY").split("-")[0])


def _appointment_id(source_id: object) -> int:
    """`A12-2` → 122 (a client's visits are 1 and 2)."""
    client, visit = str(source_id)[1:].split("-")
    return int(client) * 10 + int(visit)


def _iso_date(text: object) -> str | None:
    try:
        return dt.datetime.strptime(str(text), "%d/%m/%Y").date().isoformat()
    except ValueError:
        return None  # the placeholder 00/00/0000: an API date cannot carry it


def _iso_local(text: object) -> str:
    return dt.datetime.strptime(str(text), "%d/%m/%Y %H:%M").strftime("%Y-%m-%dT%H:%M:%S")


def _record(values: dict[str, Any], offset: int) -> dict[str, Any]:
    return {"tenant_id": TENANT_ID, **values, "created": _stamp(offset), "modified": _stamp(offset)}


def practice(*, clients: int = 40, seed: int = 3, defects: bool = True) -> tuple[dict[str, list[dict[str, Any]]], list]:
    """(the practice by list key, the ground truth with PracSuite's ids)."""
    neutral = small_practice(clients=clients, seed=seed, defects=defects, country="AU")
    rows = neutral.rows
    out: dict[str, list[dict[str, Any]]] = {}
    out["businesses"] = [
        _record(
            {
                "business_id": _number(r["id"]),
                "business_name": r["name"],
                "display_name": r["name"],
                "suburb": r.get("city"),
                "address_state": "NSW",
                "country": "Australia",
                "phone": r.get("phone"),
                "archive": False,
            },
            i,
        )
        for i, r in enumerate(rows["sites"])
    ]
    out["practitioners"] = [
        _record(
            {
                "practitioner_id": _number(r["id"]),
                "title": "",
                "first_name": r["first_name"],
                "surname": r["last_name"],
                "email": f"{str(r['first_name']).lower()}@example.org",
                "provider_no": f"{2400000 + i}A",
                "archive": False,
            },
            i,
        )
        for i, r in enumerate(rows["practitioners"], start=1)
    ]
    out["referrers"] = [
        _record(
            {
                "referrer_id": _number(r["id"]),
                "title": r.get("title"),
                "first_name": r["first_name"],
                "surname": r["last_name"],
                "description": r.get("organisation"),
                "provider_no": "2345678B",
                "email": "referrals@example.org",
                "archive": False,
            },
            0,
        )
        for r in rows["referrers"]
    ]
    out["patients"] = [
        _record(
            {
                "client_id": _number(r["id"]),
                "title": "",
                "first_name": r["first_name"],
                "middle_name": "",
                "surname": r["last_name"],
                "preferred_name": "",
                "date_of_birth": _iso_date(r.get("date_of_birth")),
                "email": r.get("email") or None,
                "gender": "Female" if r.get("sex") == "female" else "Male",
                "suburb": r.get("city"),
                "address_state": "NSW",
                "country": "Australia",
                "mobile": r.get("mobile_phone") or None,
                "home_phone": None,
                "medicare_no": r.get("medicare_number"),
                "referrer_id": _number(r["referrer_id"]) if r.get("referrer_id") else None,
                "accepted_privacy_policy": None,
                "time_zone": None,
                "archive": False,
            },
            n,
        )
        for n, r in enumerate(rows["clients"])
    ]
    out["patient_accounts"] = [
        _record(
            {"account_id": p["client_id"], "client_id": p["client_id"], "account_name": "Private", "archive": False}, 0
        )
        for p in out["patients"]
    ]
    out["appointment_types"] = [_record({"appointment_type_id": 1, "description": "Consultation", "duration": 45}, 0)]
    out["appointment_statuses"] = [
        _record({"appointment_status_id": k, "description": v}, 0) for k, v in APPOINTMENT_STATUSES.items()
    ]
    out["appointment_cancellation_reasons"] = [
        _record({"appointment_cancellation_reason_id": k, "reason": v}, 0) for k, v in CANCELLATION_REASONS.items()
    ]
    out["appointments"], out["cancelled_appointments"] = [], []
    for i, r in enumerate(rows["appointments"]):
        start = dt.datetime.strptime(str(r["starts"]), "%d/%m/%Y %H:%M")
        end = dt.datetime.strptime(str(r["ends"]), "%d/%m/%Y %H:%M")
        record = _record(
            {
                "appointment_id": _appointment_id(r["id"]),
                "client_id": _number(r["client_id"]),
                "account_id": _number(r["client_id"]),
                "app_time": start.strftime("%Y-%m-%dT%H:%M:%S"),
                "duration": int((end - start).total_seconds() // 60),
                "description": r.get("appointment_type"),
                "appointment_type_id": 1,
                "appointment_status_id": 3,
                "practitioner_id": _number(r["practitioner_id"]),
                "business_id": _number(r["site_id"]),
                "notes": "",
            },
            i,
        )
        out["appointments"].append(record)
        client = _number(r["client_id"])
        if str(r["id"]).endswith("-2") and client % 4 == 0:
            # Every fourth client also cancelled a third visit: listed only by /cancelled_appointment.
            cancelled_at = start + dt.timedelta(days=10)
            out["cancelled_appointments"].append(
                {
                    **record,
                    "appointment_id": client * 10 + 3,
                    "app_time": cancelled_at.strftime("%Y-%m-%dT%H:%M:%S"),
                    "appointment_status_id": 1,
                    "appointment_cancellation_reason_id": 1 + client % 2,
                    "cancelled": _stamp(i + 1),
                }
            )
    out["notes"] = [
        _record(
            {
                "note_id": n,
                "client_id": _number(r["client_id"]),
                "practitioner_id": _number(r["practitioner_id"]),
                "appointment_id": _appointment_id(r["appointment_id"]),
                "title": r.get("title"),
                "note": r["body"],
                "note_date": _iso_local(r["written"]),
            },
            n,
        )
        for n, r in enumerate(rows["clinical_notes"], start=1)
    ]
    out["patient_attachments"] = [
        _record(
            {
                "attachment_id": _number(r["id"]),
                "client_id": _number(r["client_id"]),
                "file_name": r["file_name"],
                "description": r.get("description"),
                "mime_type": "application/pdf",
                "file_size": len(neutral.documents[str(r["file_name"])]),
            },
            0,
        )
        for r in rows["documents"]
    ]
    truth = [
        {
            "kind": d["kind"],
            "entity": d["entity"],
            "source_id": str(
                _appointment_id(d["source_id"]) if d["entity"] == "appointment" else _number(d["source_id"])
            ),
        }
        for d in neutral.truth
        if d["kind"] not in NOT_DELIVERABLE
    ]
    return out, truth


def write_practice(out_dir: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> PracsuiteSummary:
    """Write `practice.json` (what the emulator serves) and `ground_truth.json` into `out_dir` (created)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data, truth = practice(clients=clients, seed=seed, defects=defects)
    practice_file = out_dir / PRACTICE_FILE
    practice_file.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    truth_file = out_dir / TRUTH_FILE
    truth_file.write_text(
        json.dumps({"synthetic": SYNTHETIC_NOTE, "format": "pracsuite", "defects": truth}, indent=1), encoding="utf-8"
    )
    return PracsuiteSummary(practice_file, truth_file, {k: len(v) for k, v in data.items()}, len(truth))
