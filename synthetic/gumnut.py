"""A SYNTHETIC Gumnut export (sources/gumnut/README.md: the layout is assumed, nothing is public) written
from the neutral small practice of synthetic/template.py, with the same defects and ground truth:
report-style files — title lines above a tab-separated header, PascalCase headers prefixed by the table,
dates as `04-Mar-1980` (`01-Jan-1900` for none), 12-hour times, Yes/No flags — in UTF-8 with a byte-order
mark and CRLF line ends. Every name is fictional."""

from __future__ import annotations

from pathlib import Path

from sources.gumnut.settings import DATE, HEADERS, PLACEHOLDER, TIME
from synthetic.template import SmallPractice, TemplateSummary
from synthetic.vendor_export import CsvStyle, redate, write_csv_tables, write_vendor_export

_STATUS = {"completed": "Completed", "did_not_attend": "Did Not Attend", "cancelled": "Cancelled", "booked": "Booked"}


def _style(title: str) -> CsvStyle:
    """The report's title lines and a blank line above the header (the reader finds the header by its key)."""
    return CsvStyle(
        encoding="utf-8",
        byte_order_mark=True,
        delimiter="\t",
        line_end="\r\n",
        preamble=(f"Gumnut Practice - {title}", "SYNTHETIC export written by synthetic/gumnut.py", ""),
    )


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def gumnut_rows(practice: SmallPractice) -> dict[str, list[dict[str, object]]]:
    """The practice in Gumnut's assumed reports (file stem → rows by header)."""
    rows = practice.rows
    return {
        "locations": [
            {"LocationID": r["id"], "LocationName": r["name"], "LocationPhone": r.get("phone", "")}
            for r in rows["sites"]
        ],
        "practitioners": [
            {
                "PractitionerID": r["id"],
                "PractitionerFirstName": r["first_name"],
                "PractitionerSurname": r["last_name"],
                "PractitionerEmail": r.get("email", ""),
                "PractitionerActive": _yes_no(r.get("active") == "yes"),
            }
            for r in rows["practitioners"]
        ],
        "patients": [
            {
                "PatientID": r["id"],
                "PatientFirstName": r["first_name"],
                "PatientSurname": r["last_name"],
                "PatientDOB": redate(r.get("date_of_birth"), DATE, PLACEHOLDER),
                "PatientSex": str(r.get("sex", "")).capitalize(),
                "PatientEmail": r.get("email", ""),
                "PatientMobile": r.get("mobile_phone", ""),
                "PatientSuburb": r.get("city", ""),
                "PatientMedicare": r.get("medicare_number", ""),
                "PatientArchived": _yes_no(r.get("archived") == "yes"),
            }
            for r in rows["clients"]
        ],
        "appointments": [
            {
                "AppointmentID": r["id"],
                "PatientID": r["client_id"],
                "PractitionerID": r["practitioner_id"],
                "LocationID": r["site_id"],
                "AppointmentType": r.get("appointment_type", ""),
                "AppointmentStart": redate(r["starts"], TIME),
                "AppointmentEnd": redate(r["ends"], TIME),
                "AppointmentStatus": _STATUS[str(r["status"])],
            }
            for r in rows["appointments"]
        ],
        "consult_notes": [
            {
                "NoteID": r["id"],
                "PatientID": r["client_id"],
                "PractitionerID": r.get("practitioner_id", ""),
                "AppointmentID": r.get("appointment_id", ""),
                "NoteCreated": redate(r.get("written"), TIME),
                "NoteText": r["body"],
            }
            for r in rows["clinical_notes"]
        ],
        "invoices": [
            {
                "InvoiceID": r["id"],
                "InvoiceNumber": r["invoice_number"],
                "PatientID": r["client_id"],
                "InvoiceDate": redate(r["issue_date"], DATE),
                "InvoiceStatus": str(r["status"]).capitalize(),
                "InvoiceGST": r.get("tax_amount", ""),
                "InvoiceTotal": r["total_amount"],
            }
            for r in rows["invoices"]
        ],
        "invoice_lines": [
            {
                "LineID": r["id"],
                "InvoiceID": r["invoice_id"],
                "LineDescription": r.get("description", ""),
                "LineQty": r["quantity"],
                "LineUnitPrice": r.get("unit_price", ""),
                "LineTotal": r["total_amount"],
            }
            for r in rows["invoice_lines"]
        ],
        "payments": [
            {
                "PaymentID": r["id"],
                "InvoiceID": r.get("invoice_id", ""),
                "PatientID": r["client_id"],
                "PaymentDate": redate(r["paid"], TIME),
                "PaymentAmount": r["amount"],
                "PaymentMethod": str(r.get("method", "")).upper(),
            }
            for r in rows["payments"]
        ],
    }


def _write_reports(out: Path, tables: dict[str, list[dict[str, object]]]) -> None:
    """Each table as its own report, titled by the table."""
    for name, table_rows in tables.items():
        write_csv_tables(out, {name: table_rows}, HEADERS, _style(name.replace("_", " ").title()))


def write_gumnut_export(out: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> TemplateSummary:
    """Write a synthetic AU Gumnut export into folder `out` (created): report files and the ground truth."""
    return write_vendor_export(
        out, "gumnut", "AU", gumnut_rows, _write_reports, clients=clients, seed=seed, defects=defects
    )
