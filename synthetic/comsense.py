"""A SYNTHETIC Comsense export (sources/comsense/README.md: the layout is assumed, nothing is public)
written from the neutral small practice of synthetic/template.py, with the same defects and ground
truth: cp1252 CSV files with CRLF line ends and UPPERCASE headers, day-first dates, appointments as a
day with start and finish times of day, amounts with a dollar sign, Y/N flags and Medicare numbers
spaced as printed on the card. Every name is fictional."""

from __future__ import annotations

from pathlib import Path

from sources.comsense.settings import HEADERS
from synthetic.template import SmallPractice, TemplateSummary
from synthetic.vendor_export import CsvStyle, neutral_moment, redate, write_csv_tables, write_vendor_export

DATE = "%d/%m/%Y"
TIME = "%d/%m/%Y %H:%M"
STYLE = CsvStyle(encoding="cp1252", line_end="\r\n")
_STATUS = {"completed": "ATT", "did_not_attend": "DNA", "cancelled": "CAN", "booked": "BKD"}


def _money(value: object) -> str:
    return f"${value}" if value not in ("", None) else ""


def _flag(value: bool) -> str:
    return "Y" if value else "N"


def _medicare(number: object) -> str:
    """As printed on the card: `2123 45670 1`."""
    text = str(number or "")
    return f"{text[:4]} {text[4:9]} {text[9:]}".strip() if text else ""


def _book_times(row: dict[str, object]) -> dict[str, str]:
    """The appointment book's day and times of day; an appointment crossing midnight cannot be written."""
    starts, ends = neutral_moment(row["starts"]), neutral_moment(row["ends"])
    if starts is None or ends is None or starts.date() != ends.date():  # type: ignore[union-attr]
        raise ValueError(f"appointment {row['id']}: the book holds one day per appointment")
    return {
        "APPT_DATE": starts.strftime(DATE),
        "START_TIME": starts.strftime("%H:%M"),
        "FINISH_TIME": ends.strftime("%H:%M"),
    }


def comsense_rows(practice: SmallPractice) -> dict[str, list[dict[str, object]]]:
    """The practice in Comsense's assumed tables (file stem → rows by header)."""
    rows = practice.rows
    return {
        "clinics": [
            {"CLINIC_ID": r["id"], "CLINIC_NAME": r["name"], "PHONE": r.get("phone", "")} for r in rows["sites"]
        ],
        "providers": [
            {
                "PROVIDER_ID": r["id"],
                "SURNAME": r["last_name"],
                "GIVEN_NAME": r["first_name"],
                "EMAIL": r.get("email", ""),
                "ACTIVE": _flag(r.get("active") == "yes"),
            }
            for r in rows["practitioners"]
        ],
        "patients": [
            {
                "PATIENT_NO": r["id"],
                "SURNAME": r["last_name"],
                "GIVEN_NAME": r["first_name"],
                "DOB": r.get("date_of_birth", ""),  # already day first; the placeholder as the system writes it
                "SEX": str(r.get("sex", ""))[:1].upper(),
                "EMAIL": r.get("email", ""),
                "MOBILE": r.get("mobile_phone", ""),
                "SUBURB": r.get("city", ""),
                "MEDICARE_NO": _medicare(r.get("medicare_number")),
                "INACTIVE": _flag(r.get("archived") == "yes"),
            }
            for r in rows["clients"]
        ],
        "appointments": [
            {
                "APPT_ID": r["id"],
                "PATIENT_NO": r["client_id"],
                "PROVIDER_ID": r["practitioner_id"],
                "CLINIC_ID": r["site_id"],
                "APPT_TYPE": r.get("appointment_type", ""),
                **_book_times(r),
                "STATUS": _STATUS[str(r["status"])],
            }
            for r in rows["appointments"]
        ],
        "clinical_notes": [
            {
                "NOTE_ID": r["id"],
                "PATIENT_NO": r["client_id"],
                "PROVIDER_ID": r.get("practitioner_id", ""),
                "APPT_ID": r.get("appointment_id", ""),
                "NOTE_DATE": redate(r.get("written"), TIME),
                "NOTE_TEXT": r["body"],
            }
            for r in rows["clinical_notes"]
        ],
        "invoices": [
            {
                "INVOICE_ID": r["id"],
                "INVOICE_NO": r["invoice_number"],
                "PATIENT_NO": r["client_id"],
                "INVOICE_DATE": r["issue_date"],
                "STATUS": str(r["status"]).upper(),
                "GST": _money(r.get("tax_amount")),
                "TOTAL": _money(r["total_amount"]),
            }
            for r in rows["invoices"]
        ],
        "invoice_items": [
            {
                "ITEM_ID": r["id"],
                "INVOICE_ID": r["invoice_id"],
                # A Windows en dash (cp1252 0x96): the file is not UTF-8 beyond its mojibake.
                "DESCRIPTION": f"{r.get('description', '')} \u2013 standard",
                "QTY": r["quantity"],
                "FEE": _money(r.get("unit_price")),
                "AMOUNT": _money(r["total_amount"]),
            }
            for r in rows["invoice_lines"]
        ],
        "receipts": [
            {
                "RECEIPT_ID": r["id"],
                "INVOICE_ID": r.get("invoice_id", ""),
                "PATIENT_NO": r["client_id"],
                "RECEIPT_DATE": redate(r["paid"], TIME),
                "AMOUNT": _money(r["amount"]),
                "PAY_TYPE": str(r.get("method", "")).upper(),
            }
            for r in rows["payments"]
        ],
    }


def write_comsense_export(out: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> TemplateSummary:
    """Write a synthetic AU Comsense export into folder `out` (created): cp1252 CSV files and the ground truth."""
    return write_vendor_export(
        out,
        "comsense",
        "AU",
        comsense_rows,
        lambda folder, tables: write_csv_tables(folder, tables, HEADERS, STYLE),
        clients=clients,
        seed=seed,
        defects=defects,
    )
