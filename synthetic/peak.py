"""A SYNTHETIC Peak (NZ) export (sources/peak/README.md: nothing about the export is public; the layout is
assumed) written from the neutral small practice of synthetic/template.py, NZ, with the same defects and
ground truth: UTF-8 CSV files with LF line ends, snake_case headers, ISO 8601 dates and local date-times
for the diary, UTC instants (`…Z`) for when a note was written or a payment taken, `NZ$` amounts,
international phone numbers, an archive timestamp and HTML treatment notes. Every name is fictional."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from zoneinfo import ZoneInfo

from sources.peak.settings import HEADERS
from synthetic.template import SmallPractice, TemplateSummary
from synthetic.vendor_export import (
    CsvStyle,
    Rows,
    lines_by_invoice,
    neutral_moment,
    redate,
    write_csv_tables,
    write_vendor_export,
)

_ZONE = ZoneInfo("Pacific/Auckland")  # the synthetic NZ practice's zone


def _money(amount: object) -> str:
    return f"NZ${amount}" if amount not in ("", None) else ""


def _international(phone: object) -> str:
    """An NZ number as +64 without its trunk 0 (`021 5550001` → `+64 21 5550001`); anything else as given."""
    text = str(phone or "")
    return f"+64 {text[1:]}" if text.startswith("0") else text


def _moment(text: object) -> str:
    """A local wall-clock time (the practice's diary) as ISO without an offset."""
    return redate(text, "%Y-%m-%dT%H:%M:%S")


def _utc(text: object) -> str:
    """A record's own timestamp (when a note was written, a payment taken) as the UTC instant a cloud system
    stores, ISO with `Z`: the neutral local time read in the practice's zone."""
    local = neutral_moment(text)
    assert isinstance(local, dt.datetime)
    return local.replace(tzinfo=_ZONE).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(text: object) -> str:
    """ISO; the neutral placeholder in ISO shape (`0000-00-00`)."""
    return redate(text, "%Y-%m-%d", placeholder="0000-00-00")


def _note_html(body: object) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in str(body).splitlines())


def peak_rows(practice: SmallPractice) -> dict[str, Rows]:
    """The practice in Peak's assumed files (file name → rows by column)."""
    rows = practice.rows
    return {
        "locations": [
            {"location_id": r["id"], "name": r["name"], "city": r.get("city", ""), "phone": _international(r["phone"])}
            for r in rows["sites"]
        ],
        "team_members": [
            {
                "team_member_id": r["id"],
                "first_name": r["first_name"],
                "last_name": r["last_name"],
                "email": r.get("email", ""),
                "active": "true" if r.get("active") == "yes" else "false",
            }
            for r in rows["practitioners"]
        ],
        "clients": [
            {
                "client_id": r["id"],
                "first_name": r["first_name"],
                "last_name": r["last_name"],
                "date_of_birth": _day(r.get("date_of_birth")),
                "gender": r.get("sex", ""),
                "email": r.get("email", ""),
                "mobile": _international(r.get("mobile_phone")),
                "city": r.get("city", ""),
                "nhi": r.get("nhi", ""),
                "archived_at": "",  # the neutral practice archives nobody
            }
            for r in rows["clients"]
        ],
        "bookings": [
            {
                "booking_id": r["id"],
                "client_id": r["client_id"],
                "team_member_id": r["practitioner_id"],
                "location_id": r["site_id"],
                "service": r.get("appointment_type", ""),
                "start_at": _moment(r["starts"]),
                "end_at": _moment(r["ends"]),
                "status": r["status"],
            }
            for r in rows["appointments"]
        ],
        "treatment_notes": [
            {
                "note_id": r["id"],
                "client_id": r["client_id"],
                "team_member_id": r.get("practitioner_id", ""),
                "booking_id": r.get("appointment_id", ""),
                "created_at": _utc(r["written"]),
                "note_html": _note_html(r["body"]),
            }
            for r in rows["clinical_notes"]
        ],
        "invoices": [
            {
                "invoice_id": r["id"],
                "client_id": r["client_id"],
                "invoice_number": r["invoice_number"],
                "issued_on": _day(r["issue_date"]),
                "status": r["status"],
                "tax": _money(r.get("tax_amount")),
                "total": _money(r["total_amount"]),
            }
            for r in rows["invoices"]
        ],
        "invoice_items": [
            {
                "invoice_item_id": line["id"],
                "invoice_id": invoice,
                "description": line.get("description", ""),
                "quantity": line["quantity"],
                "unit_price": _money(line["unit_price"]),
                "amount": _money(line["total_amount"]),
            }
            for invoice, lines in lines_by_invoice(practice).items()
            for line in lines
        ],
        "payments": [
            {
                "payment_id": r["id"],
                "invoice_id": r.get("invoice_id", ""),
                "client_id": r["client_id"],
                "paid_at": _utc(r["paid"]),
                "amount": _money(r["amount"]),
                "method": r.get("method", ""),
            }
            for r in rows["payments"]
        ],
    }


def _write_files(out: Path, tables: dict[str, Rows]) -> None:
    write_csv_tables(out, tables, HEADERS, CsvStyle(line_end="\n"))


def write_peak_export(out: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> TemplateSummary:
    """Write a synthetic NZ Peak export into folder `out` (created): UTF-8 CSV files (LF line ends) and the
    ground truth."""
    return write_vendor_export(out, "peak", "NZ", peak_rows, _write_files, clients=clients, seed=seed, defects=defects)
