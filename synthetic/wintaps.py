"""A SYNTHETIC Wintaps (UK) export (sources/wintaps/README.md: nothing about the export is public; the
layout is assumed) written from the neutral small practice of synthetic/template.py, UK, with the same
defects and ground truth: UTF-16 pipe-delimited text files (`.csv`), Title Case headers with spaces,
`£` amounts, `True`/`False` flags, date-times with seconds. Every name is fictional."""

from __future__ import annotations

from pathlib import Path

from sources.wintaps.settings import DELIMITER, ENCODING, HEADERS
from synthetic.template import SmallPractice, TemplateSummary
from synthetic.vendor_export import CsvStyle, Rows, lines_by_invoice, redate, write_csv_tables, write_vendor_export

_SECONDS = "%d/%m/%Y %H:%M:%S"
_STATUS = {"completed": "Attended"}


def _pounds(amount: object) -> str:
    return f"£{amount}" if amount not in ("", None) else ""


def _flag(value: bool) -> str:
    return "True" if value else "False"


def wintaps_rows(practice: SmallPractice) -> dict[str, Rows]:
    """The practice in Wintaps' assumed files (file name → rows by header)."""
    rows = practice.rows
    return {
        "clinics": [
            {"Clinic No": r["id"], "Clinic Name": r["name"], "Town": r.get("city", ""), "Telephone": r["phone"]}
            for r in rows["sites"]
        ],
        "therapists": [
            {
                "Therapist No": r["id"],
                "First Name": r["first_name"],
                "Last Name": r["last_name"],
                "Email": r.get("email", ""),
                "Active": _flag(r.get("active") == "yes"),
            }
            for r in rows["practitioners"]
        ],
        "patients": [
            {
                "Patient No": r["id"],
                "Last Name": r["last_name"],
                "First Name": r["first_name"],
                "Date Of Birth": r.get("date_of_birth", ""),  # day first, 00/00/0000 as the placeholder
                "Sex": str(r.get("sex", ""))[:1].upper(),
                "Email": r.get("email", ""),
                "Mobile": r.get("mobile_phone", ""),
                "Town": r.get("city", ""),
                "NHS Number": r.get("nhs_number", ""),
                "Archived": _flag(r.get("archived") == "yes"),
            }
            for r in rows["clients"]
        ],
        "appointments": [
            {
                "Appointment No": r["id"],
                "Patient No": r["client_id"],
                "Therapist No": r["practitioner_id"],
                "Clinic No": r["site_id"],
                "Appointment Type": r.get("appointment_type", ""),
                "Start": redate(r["starts"], _SECONDS),
                "End": redate(r["ends"], _SECONDS),
                "Status": _STATUS.get(str(r["status"]), str(r["status"]).title()),
            }
            for r in rows["appointments"]
        ],
        "case_notes": [
            {
                "Note No": r["id"],
                "Patient No": r["client_id"],
                "Therapist No": r.get("practitioner_id", ""),
                "Appointment No": r.get("appointment_id", ""),
                "Written": redate(r["written"], _SECONDS),
                "Note": r["body"],
            }
            for r in rows["clinical_notes"]
        ],
        "invoices": [
            {
                "Invoice No": r["id"],
                "Patient No": r["client_id"],
                "Invoice Number": r["invoice_number"],
                "Invoice Date": r["issue_date"],
                "Status": str(r["status"]).title(),
                "VAT": _pounds(r.get("tax_amount")),
                "Total": _pounds(r["total_amount"]),
            }
            for r in rows["invoices"]
        ],
        "invoice_lines": [
            {
                "Line No": line["id"],
                "Invoice No": invoice,
                "Description": line.get("description", ""),
                "Quantity": line["quantity"],
                "Unit Price": _pounds(line["unit_price"]),
                "Line Total": _pounds(line["total_amount"]),
            }
            for invoice, lines in lines_by_invoice(practice).items()
            for line in lines
        ],
        "receipts": [
            {
                "Receipt No": r["id"],
                "Invoice No": r.get("invoice_id", ""),
                "Patient No": r["client_id"],
                "Received": redate(r["paid"], _SECONDS),
                "Amount": _pounds(r["amount"]),
                "Method": str(r.get("method", "")).title(),
            }
            for r in rows["payments"]
        ],
    }


def _write_files(out: Path, tables: dict[str, Rows]) -> None:
    write_csv_tables(out, tables, HEADERS, CsvStyle(encoding=ENCODING, delimiter=DELIMITER))


def write_wintaps_export(out: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> TemplateSummary:
    """Write a synthetic UK Wintaps export into folder `out` (created): UTF-16 pipe-delimited files (CRLF line
    ends) and the ground truth."""
    return write_vendor_export(
        out, "wintaps", "UK", wintaps_rows, _write_files, clients=clients, seed=seed, defects=defects
    )
