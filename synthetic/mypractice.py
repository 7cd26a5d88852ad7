"""A SYNTHETIC MyPractice (NZ general practice) export (sources/mypractice/README.md: the layout is
assumed, not public) written from the neutral small practice of synthetic/template.py, NZ, with the same
defects and ground truth: UTF-8 CSV files with UPPER_CASE headers, providers by a short code, an
appointment's day and times in separate columns, `Y`/`N` flags, accounts with their payee and items with
their service type and fund. Every name is fictional."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sources.mypractice.settings import HEADERS
from synthetic.template import SmallPractice, TemplateSummary
from synthetic.vendor_export import (
    CsvStyle,
    Rows,
    lines_by_invoice,
    neutral_moment,
    write_csv_tables,
    write_vendor_export,
)

# A location named as the NHI and NES write place names, with macrons (the reason the export is UTF-8).
_LOCATION_NAMES = {"Harbour Clinic": "Harbour Clinic Tāmaki"}
_STATUS = {"completed": "Seen"}


def _flag(value: bool) -> str:
    return "Y" if value else "N"


def _provider_codes(practice: SmallPractice) -> dict[object, str]:
    """Provider id → its code: the initials, numbered where two share them."""
    codes: dict[object, str] = {}
    for row in practice.rows["practitioners"]:
        initials = f"{str(row['first_name'])[:1]}{str(row['last_name'])[:1]}".upper()
        codes[row["id"]] = initials if initials not in codes.values() else f"{initials}{len(codes) + 1}"
    return codes


def mypractice_rows(practice: SmallPractice) -> dict[str, Rows]:
    """The practice in MyPractice's assumed files (file name → rows by column)."""
    rows = practice.rows
    code = _provider_codes(practice)
    appointments: Rows = []
    for r in rows["appointments"]:
        starts, ends = neutral_moment(r["starts"]), neutral_moment(r["ends"])
        assert isinstance(starts, dt.datetime) and isinstance(ends, dt.datetime)
        appointments.append(
            {
                "APPT_ID": r["id"],
                "PATIENT_ID": r["client_id"],
                "PROVIDER_CODE": code[r["practitioner_id"]],
                "LOCATION_ID": r["site_id"],
                "APPT_DATE": starts.strftime("%d/%m/%Y"),
                "START_TIME": starts.strftime("%H:%M"),
                "END_TIME": ends.strftime("%H:%M"),
                "APPT_TYPE": r.get("appointment_type", ""),
                "STATUS": _STATUS.get(str(r["status"]), str(r["status"]).title()),
            }
        )
    return {
        "locations": [
            {
                "LOCATION_ID": r["id"],
                "LOCATION_NAME": _LOCATION_NAMES.get(str(r["name"]), r["name"]),
                "CITY": r.get("city", ""),
                "PHONE": r.get("phone", ""),
            }
            for r in rows["sites"]
        ],
        "providers": [
            {
                "PROVIDER_CODE": code[r["id"]],
                "FIRST_NAME": r["first_name"],
                "SURNAME": r["last_name"],
                "PROVIDER_TYPE": "GP",
                "EMAIL": r.get("email", ""),
                "ACTIVE": _flag(r.get("active") == "yes"),
            }
            for r in rows["practitioners"]
        ],
        "patients": [
            {
                "PATIENT_ID": r["id"],
                "NHI": r.get("nhi", ""),
                "SURNAME": r["last_name"],
                "FIRST_NAME": r["first_name"],
                "DOB": r.get("date_of_birth", ""),
                "GENDER": str(r.get("sex", ""))[:1].upper(),
                "EMAIL": r.get("email", ""),
                "CELL_PHONE": r.get("mobile_phone", ""),
                "CITY": r.get("city", ""),
                "INACTIVE": _flag(r.get("archived") == "yes"),
            }
            for r in rows["clients"]
        ],
        "appointments": appointments,
        "consultations": [
            {
                "CONSULT_ID": r["id"],
                "PATIENT_ID": r["client_id"],
                "PROVIDER_CODE": code.get(r.get("practitioner_id"), ""),
                "APPT_ID": r.get("appointment_id", ""),
                "CONSULT_DATE": r["written"],
                "NOTES": r["body"],
            }
            for r in rows["clinical_notes"]
        ],
        "accounts": [
            {
                "ACCOUNT_ID": r["id"],
                "PATIENT_ID": r["client_id"],
                "ACCOUNT_NO": r["invoice_number"],
                "ACCOUNT_DATE": r["issue_date"],
                "PAYEE": "Patient",
                "STATUS": str(r["status"]).title(),
                "GST": r.get("tax_amount", ""),
                "TOTAL": r["total_amount"],
            }
            for r in rows["invoices"]
        ],
        "account_items": [
            {
                "ITEM_ID": line["id"],
                "ACCOUNT_ID": invoice,
                "SERVICE_TYPE": "CONS",
                "DESCRIPTION": line.get("description", ""),
                "FUND": "Private",
                "QTY": line["quantity"],
                "FEE": line["unit_price"],
                "AMOUNT": line["total_amount"],
            }
            for invoice, lines in lines_by_invoice(practice).items()
            for line in lines
        ],
        "payments": [
            {
                "PAYMENT_ID": r["id"],
                "ACCOUNT_ID": r.get("invoice_id", ""),
                "PATIENT_ID": r["client_id"],
                "PAYMENT_DATE": r["paid"],
                "AMOUNT": r["amount"],
                "PAYMENT_TYPE": str(r.get("method", "")).upper(),
            }
            for r in rows["payments"]
        ],
    }


def _write_files(out: Path, tables: dict[str, Rows]) -> None:
    write_csv_tables(out, tables, HEADERS, CsvStyle())


def write_mypractice_export(out: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> TemplateSummary:
    """Write a synthetic NZ MyPractice export into folder `out` (created): UTF-8 CSV files (no byte-order
    mark, CRLF line ends) and the ground truth."""
    return write_vendor_export(
        out, "mypractice", "NZ", mypractice_rows, _write_files, clients=clients, seed=seed, defects=defects
    )
