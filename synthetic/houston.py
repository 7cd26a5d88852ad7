"""A SYNTHETIC Bp VIP.net (Houston VIP) export (sources/houston/README.md: the layout is assumed, not
public) written from the neutral small practice of synthetic/template.py, AU, with the same defects and
ground truth: one workbook, a sheet per table, Title Case headers, dates and times as Excel date cells,
amounts as numbers, and internal and external (referring) providers in one sheet. Every name is fictional."""

from __future__ import annotations

from pathlib import Path

from sources.houston.settings import HEADERS, WORKBOOK_FILE
from synthetic.template import SmallPractice, TemplateSummary
from synthetic.vendor_export import (
    NEUTRAL_PLACEHOLDER,
    Rows,
    lines_by_invoice,
    neutral_moment,
    write_vendor_export,
    write_xlsx_tables,
)

_STATUS = {"completed": "Attended"}


def _date_cell(text: object) -> object:
    """A date cell, or the placeholder as the text someone typed into the date column; blank stays blank."""
    return text if text == NEUTRAL_PLACEHOLDER else neutral_moment(text) or ""


def houston_rows(practice: SmallPractice) -> dict[str, Rows]:
    """The practice in Bp VIP.net's assumed sheets (sheet name → rows by column)."""
    rows = practice.rows
    items = lines_by_invoice(practice)
    providers: Rows = [
        {
            "Provider ID": r["id"],
            "Provider Type": "Internal",
            "Title": "",
            "Given Name": r["first_name"],
            "Surname": r["last_name"],
            "Organisation": "",
            "Provider Number": "",
            "Email": r.get("email", ""),
        }
        for r in rows["practitioners"]
    ] + [
        {
            "Provider ID": r["id"],
            "Provider Type": "External",
            "Title": r.get("title", ""),
            "Given Name": r["first_name"],
            "Surname": r["last_name"],
            "Organisation": r.get("organisation", ""),
            "Provider Number": r.get("provider_number", ""),
            "Email": r.get("email", ""),
        }
        for r in rows["referrers"]
    ]
    return {
        "units": [
            {"Unit ID": r["id"], "Unit Name": r["name"], "Suburb": r.get("city", ""), "Phone": r.get("phone", "")}
            for r in rows["sites"]
        ],
        "providers": providers,
        "patients": [
            {
                "Patient ID": r["id"],
                "Title": "",
                "Given Name": r["first_name"],
                "Surname": r["last_name"],
                "Date of Birth": _date_cell(r.get("date_of_birth", "")),
                "Sex": str(r.get("sex", ""))[:1].upper(),
                "Email": r.get("email", ""),
                "Mobile": r.get("mobile_phone", ""),
                "Suburb": r.get("city", ""),
                "Medicare No": r.get("medicare_number", ""),
                "Referring Provider ID": r.get("referrer_id", ""),
                "Inactive": r.get("archived") == "yes",
            }
            for r in rows["clients"]
        ],
        "appointments": [
            {
                "Appointment ID": r["id"],
                "Patient ID": r["client_id"],
                "Provider ID": r["practitioner_id"],
                "Unit ID": r["site_id"],
                "Appointment Type": r.get("appointment_type", ""),
                "Start": neutral_moment(r["starts"]),
                "Finish": neutral_moment(r["ends"]),
                "Status": _STATUS.get(str(r["status"]), str(r["status"]).title()),
            }
            for r in rows["appointments"]
        ],
        "consult_notes": [
            {
                "Note ID": r["id"],
                "Patient ID": r["client_id"],
                "Provider ID": r.get("practitioner_id", ""),
                "Appointment ID": r.get("appointment_id", ""),
                "Written": neutral_moment(r["written"]),
                "Note": r["body"],
            }
            for r in rows["clinical_notes"]
        ],
        "invoices": [
            {
                "Invoice ID": r["id"],
                "Patient ID": r["client_id"],
                "Invoice No": r["invoice_number"],
                "Invoice Date": neutral_moment(r["issue_date"]),
                "Status": str(r["status"]).title(),
                "GST": float(str(r.get("tax_amount") or 0)),
                "Total": float(str(r["total_amount"])),
            }
            for r in rows["invoices"]
        ],
        "invoice_items": [
            {
                "Item ID": line["id"],
                "Invoice ID": invoice,
                "Description": line.get("description", ""),
                "Qty": float(str(line["quantity"])),
                "Fee": float(str(line["unit_price"])),
                "Amount": float(str(line["total_amount"])),
            }
            for invoice, lines in items.items()
            for line in lines
        ],
        "receipts": [
            {
                "Receipt ID": r["id"],
                "Invoice ID": r.get("invoice_id", ""),
                "Patient ID": r["client_id"],
                "Received": neutral_moment(r["paid"]),
                "Amount": float(str(r["amount"])),
                "Method": str(r.get("method", "")).upper(),
            }
            for r in rows["payments"]
        ],
    }


def _write_workbook(out: Path, tables: dict[str, Rows]) -> None:
    write_xlsx_tables(out / WORKBOOK_FILE, tables, HEADERS)


def write_houston_export(out: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> TemplateSummary:
    """Write a synthetic AU Bp VIP.net export into folder `out` (created): the workbook and the ground truth."""
    return write_vendor_export(
        out, "houston", "AU", houston_rows, _write_workbook, clients=clients, seed=seed, defects=defects
    )
