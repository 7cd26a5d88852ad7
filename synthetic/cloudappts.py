"""A SYNTHETIC Cloud Appts export (sources/cloudappts/README.md: the layout is assumed, not public) written
from the neutral small practice of synthetic/template.py, with the same defects and ground truth: CSV
files with Title Case headers, ISO dates and local times, UTF-8 without a byte-order mark and LF line
ends, in the vocabulary of Cloud Appts' terms (consultants, session notes). Every name is fictional."""

from __future__ import annotations

from pathlib import Path

from sources.cloudappts.settings import HEADERS
from synthetic.template import SmallPractice, TemplateSummary
from synthetic.vendor_export import CsvStyle, redate, write_csv_tables, write_vendor_export

DATE = "%Y-%m-%d"
TIME = "%Y-%m-%d %H:%M"
PLACEHOLDER = "0000-00-00"  # what a MySQL-backed web app writes for "no date" (assumed)
STYLE = CsvStyle(encoding="utf-8", line_end="\n")
_STATUS = {"completed": "Attended", "did_not_attend": "DNA", "cancelled": "Cancelled", "booked": "Booked"}


def cloudappts_rows(practice: SmallPractice) -> dict[str, list[dict[str, object]]]:
    """The practice in Cloud Appts' assumed tables (file stem → rows by header)."""
    rows = practice.rows
    return {
        "locations": [
            {"Location ID": r["id"], "Location Name": r["name"], "Phone": r.get("phone", "")} for r in rows["sites"]
        ],
        "consultants": [
            {
                "Consultant ID": r["id"],
                "First Name": r["first_name"],
                "Last Name": r["last_name"],
                "Email": r.get("email", ""),
                "Status": "Active" if r.get("active") == "yes" else "Inactive",
            }
            for r in rows["practitioners"]
        ],
        "clients": [
            {
                "Client ID": r["id"],
                "First Name": r["first_name"],
                "Last Name": r["last_name"],
                "Date Of Birth": redate(r.get("date_of_birth"), DATE, PLACEHOLDER),
                "Gender": str(r.get("sex", ""))[:1].upper(),
                "Email": r.get("email", ""),
                "Mobile": r.get("mobile_phone", ""),
                "City": r.get("city", ""),
                "NHI": r.get("nhi", ""),
                "Archived": "TRUE" if r.get("archived") == "yes" else "FALSE",
            }
            for r in rows["clients"]
        ],
        "appointments": [
            {
                "Appointment ID": r["id"],
                "Client ID": r["client_id"],
                "Consultant ID": r["practitioner_id"],
                "Location ID": r["site_id"],
                "Service": r.get("appointment_type", ""),
                "Start": redate(r["starts"], TIME),
                "End": redate(r["ends"], TIME),
                "Status": _STATUS[str(r["status"])],
            }
            for r in rows["appointments"]
        ],
        "session_notes": [
            {
                "Note ID": r["id"],
                "Client ID": r["client_id"],
                "Consultant ID": r.get("practitioner_id", ""),
                "Appointment ID": r.get("appointment_id", ""),
                "Created": redate(r.get("written"), TIME),
                "Note": r["body"],
            }
            for r in rows["clinical_notes"]
        ],
        "invoices": [
            {
                "Invoice ID": r["id"],
                "Invoice Number": r["invoice_number"],
                "Client ID": r["client_id"],
                "Invoice Date": redate(r["issue_date"], DATE),
                "Status": str(r["status"]).capitalize(),
                "GST": r.get("tax_amount", ""),
                "Total": r["total_amount"],
            }
            for r in rows["invoices"]
        ],
        "invoice_items": [
            {
                "Item ID": r["id"],
                "Invoice ID": r["invoice_id"],
                "Description": r.get("description", ""),
                "Qty": r["quantity"],
                "Unit Price": r.get("unit_price", ""),
                "Amount": r["total_amount"],
            }
            for r in rows["invoice_lines"]
        ],
        "payments": [
            {
                "Payment ID": r["id"],
                "Invoice ID": r.get("invoice_id", ""),
                "Client ID": r["client_id"],
                "Payment Date": redate(r["paid"], TIME),
                "Amount": r["amount"],
                "Payment Method": str(r.get("method", "")).upper(),
            }
            for r in rows["payments"]
        ],
    }


def write_cloudappts_export(out: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> TemplateSummary:
    """Write a synthetic NZ Cloud Appts export into folder `out` (created): CSV files and the ground truth."""
    return write_vendor_export(
        out,
        "cloudappts",
        "NZ",
        cloudappts_rows,
        lambda folder, tables: write_csv_tables(folder, tables, HEADERS, STYLE),
        clients=clients,
        seed=seed,
        defects=defects,
    )
