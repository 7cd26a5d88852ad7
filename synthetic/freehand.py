"""A SYNTHETIC Freehand export (sources/freehand/README.md: the layout is assumed, nothing is public)
written from the neutral small practice of synthetic/template.py, with the same defects and ground
truth: one XLSX workbook with a sheet per table, UK headers (`Forename`, `NHS No`), dates and times as
date cells, amounts as number cells, flags as TRUE/FALSE cells, NHS numbers shown 3-3-4, and a missing
date typed as the text `00/00/0000`. Every name is fictional."""

from __future__ import annotations

from pathlib import Path

from sources.freehand.settings import HEADERS, WORKBOOK_FILE
from synthetic.template import SmallPractice, TemplateSummary
from synthetic.vendor_export import NEUTRAL_PLACEHOLDER, neutral_moment, write_vendor_export, write_xlsx_tables

_OUTCOME = {"completed": "Attended", "did_not_attend": "DNA", "cancelled": "Cancelled", "booked": "Booked"}


def _cell(value: object) -> object:
    """A neutral date or time as a date cell; the placeholder as the text someone typed; blank stays blank."""
    if value == NEUTRAL_PLACEHOLDER:
        return value
    return neutral_moment(value) or ""


def _number(value: object) -> object:
    return float(str(value)) if value not in ("", None) else ""


def _nhs(number: object) -> str:
    """Shown 3-3-4, as the NHS asks it to be displayed: `943 476 5919`."""
    text = str(number or "")
    return f"{text[:3]} {text[3:6]} {text[6:]}" if text else ""


def freehand_rows(practice: SmallPractice) -> dict[str, list[dict[str, object]]]:
    """The practice in Freehand's assumed sheets (sheet → rows by header)."""
    rows = practice.rows
    return {
        "locations": [
            {"Location Ref": r["id"], "Location": r["name"], "Telephone": r.get("phone", "")} for r in rows["sites"]
        ],
        "practitioners": [
            {
                "Practitioner Ref": r["id"],
                "Forename": r["first_name"],
                "Surname": r["last_name"],
                "Email Address": r.get("email", ""),
                "Active": r.get("active") == "yes",
            }
            for r in rows["practitioners"]
        ],
        "patients": [
            {
                "Patient Ref": r["id"],
                "Forename": r["first_name"],
                "Surname": r["last_name"],
                "Date of Birth": _cell(r.get("date_of_birth")),
                "Gender": str(r.get("sex", "")).capitalize(),
                "Email Address": r.get("email", ""),
                "Mobile No": r.get("mobile_phone", ""),
                "Town": r.get("city", ""),
                "NHS No": _nhs(r.get("nhs_number")),
                "Archived": r.get("archived") == "yes",
            }
            for r in rows["clients"]
        ],
        "appointments": [
            {
                "Appt Ref": r["id"],
                "Patient Ref": r["client_id"],
                "Practitioner Ref": r["practitioner_id"],
                "Location Ref": r["site_id"],
                "Treatment": r.get("appointment_type", ""),
                "Start": _cell(r["starts"]),
                "End": _cell(r["ends"]),
                "Outcome": _OUTCOME[str(r["status"])],
            }
            for r in rows["appointments"]
        ],
        "treatment_notes": [
            {
                "Note Ref": r["id"],
                "Patient Ref": r["client_id"],
                "Practitioner Ref": r.get("practitioner_id", ""),
                "Appt Ref": r.get("appointment_id", ""),
                "Written": _cell(r.get("written")),
                "Notes": r["body"],
            }
            for r in rows["clinical_notes"]
        ],
        "invoices": [
            {
                "Invoice Ref": r["id"],
                "Invoice No": r["invoice_number"],
                "Patient Ref": r["client_id"],
                "Date": _cell(r["issue_date"]),
                "Status": str(r["status"]).capitalize(),
                "VAT": _number(r.get("tax_amount")),
                "Total": _number(r["total_amount"]),
            }
            for r in rows["invoices"]
        ],
        "invoice_lines": [
            {
                "Line Ref": r["id"],
                "Invoice Ref": r["invoice_id"],
                "Item": r.get("description", ""),
                "Quantity": _number(r["quantity"]),
                "Unit Price": _number(r.get("unit_price")),
                "Line Total": _number(r["total_amount"]),
            }
            for r in rows["invoice_lines"]
        ],
        "payments": [
            {
                "Payment Ref": r["id"],
                "Invoice Ref": r.get("invoice_id", ""),
                "Patient Ref": r["client_id"],
                "Paid On": _cell(r["paid"]),
                "Amount": _number(r["amount"]),
                "Method": str(r.get("method", "")).capitalize(),
            }
            for r in rows["payments"]
        ],
    }


def write_freehand_export(out: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> TemplateSummary:
    """Write a synthetic UK Freehand export into folder `out` (created): one workbook and the ground truth."""
    return write_vendor_export(
        out,
        "freehand",
        "UK",
        freehand_rows,
        lambda folder, tables: write_xlsx_tables(folder / WORKBOOK_FILE, tables, HEADERS),
        clients=clients,
        seed=seed,
        defects=defects,
    )
