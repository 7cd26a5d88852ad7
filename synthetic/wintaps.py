"""A SYNTHETIC Wintaps (UK) export (sources/wintaps/README.md: nothing about the export is public; the
layout is assumed) written from the neutral small practice of synthetic/template.py, UK, with the same
defects and ground truth: tab-delimited cp1252 text files (`.csv`) under a report title line, headers
prefixed by their table (`PatientSurname`), `£` amounts, `True`/`False` flags, date-times with seconds.
Every name is fictional."""

from __future__ import annotations

from pathlib import Path

from sources.wintaps.settings import HEADERS, TITLE_LINE
from synthetic.template import SmallPractice, TemplateSummary, small_practice
from synthetic.vendor_export import CsvStyle, Rows, finish_export, lines_by_invoice, redate, write_csv_tables

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
            {"ClinicID": r["id"], "ClinicName": r["name"], "ClinicTown": r.get("city", ""), "ClinicPhone": r["phone"]}
            for r in rows["sites"]
        ],
        "therapists": [
            {
                "TherapistID": r["id"],
                "TherapistForename": r["first_name"],
                "TherapistSurname": r["last_name"],
                "TherapistEmail": r.get("email", ""),
                "TherapistActive": _flag(r.get("active") == "yes"),
            }
            for r in rows["practitioners"]
        ],
        "patients": [
            {
                "PatientID": r["id"],
                "PatientSurname": r["last_name"],
                "PatientForename": r["first_name"],
                "PatientDOB": r.get("date_of_birth", ""),  # day first, 00/00/0000 as the placeholder
                "PatientSex": str(r.get("sex", ""))[:1].upper(),
                "PatientEmail": r.get("email", ""),
                "PatientMobile": r.get("mobile_phone", ""),
                "PatientTown": r.get("city", ""),
                "PatientNHSNo": r.get("nhs_number", ""),
                "PatientArchived": _flag(r.get("archived") == "yes"),
            }
            for r in rows["clients"]
        ],
        "appointments": [
            {
                "ApptID": r["id"],
                "ApptPatientID": r["client_id"],
                "ApptTherapistID": r["practitioner_id"],
                "ApptClinicID": r["site_id"],
                "ApptType": r.get("appointment_type", ""),
                "ApptStart": redate(r["starts"], _SECONDS),
                "ApptEnd": redate(r["ends"], _SECONDS),
                "ApptStatus": _STATUS.get(str(r["status"]), str(r["status"]).title()),
            }
            for r in rows["appointments"]
        ],
        "case_notes": [
            {
                "NoteID": r["id"],
                "NotePatientID": r["client_id"],
                "NoteTherapistID": r.get("practitioner_id", ""),
                "NoteApptID": r.get("appointment_id", ""),
                "NoteWritten": redate(r["written"], _SECONDS),
                "NoteText": r["body"],
            }
            for r in rows["clinical_notes"]
        ],
        "invoices": [
            {
                "InvoiceID": r["id"],
                "InvoicePatientID": r["client_id"],
                "InvoiceNo": r["invoice_number"],
                "InvoiceDate": r["issue_date"],
                "InvoiceStatus": str(r["status"]).title(),
                "InvoiceVAT": _pounds(r.get("tax_amount")),
                "InvoiceTotal": _pounds(r["total_amount"]),
            }
            for r in rows["invoices"]
        ],
        "invoice_lines": [
            {
                "LineID": line["id"],
                "LineInvoiceID": invoice,
                "LineDescription": line.get("description", ""),
                "LineQty": line["quantity"],
                "LinePrice": _pounds(line["unit_price"]),
                "LineTotal": _pounds(line["total_amount"]),
            }
            for invoice, lines in lines_by_invoice(practice).items()
            for line in lines
        ],
        "receipts": [
            {
                "ReceiptID": r["id"],
                "ReceiptInvoiceID": r.get("invoice_id", ""),
                "ReceiptPatientID": r["client_id"],
                "ReceiptDate": redate(r["paid"], _SECONDS),
                "ReceiptAmount": _pounds(r["amount"]),
                "ReceiptMethod": str(r.get("method", "")).title(),
            }
            for r in rows["payments"]
        ],
    }


def write_wintaps_export(out: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> TemplateSummary:
    """Write a synthetic UK Wintaps export into folder `out` (created): tab-delimited cp1252 files, each under
    its report title line (CRLF line ends), and the ground truth."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    practice = small_practice(clients=clients, seed=seed, defects=defects, country="UK")
    tables = wintaps_rows(practice)
    for name, table_rows in tables.items():
        style = CsvStyle(encoding="cp1252", delimiter="\t", preamble=(TITLE_LINE.format(table=name),))
        write_csv_tables(out, {name: table_rows}, HEADERS, style)
    return finish_export(out, practice, tables, "wintaps")
