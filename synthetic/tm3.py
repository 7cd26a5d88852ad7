"""A SYNTHETIC TM3 account export (sources/tm3/README.md: the layout is assumed, not public) written from
the neutral small practice of synthetic/template.py, with the same defects and ground truth: CSV files
whose name, contact-details, address, appointment-details and invoice-lines cells hold "Surname,
Firstname" text or JSON, and the errors text file the export comes with. Every name is fictional."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sources.tm3.settings import ERRORS_FILE, RESOURCES
from synthetic.template import SmallPractice, TemplateSummary, small_practice, write_truth

_JSON = {"separators": (",", ":"), "ensure_ascii": False}


def _name(row: dict[str, object]) -> str:
    return f"{row.get('last_name', '')}, {row.get('first_name', '')}"


def _compact(values: dict[str, object]) -> str:
    return json.dumps({k: v for k, v in values.items() if v not in ("", None)}, **_JSON)


def tm3_rows(practice: SmallPractice) -> dict[str, list[dict[str, object]]]:
    """The practice in TM3's assumed tables (file name → rows by column)."""
    rows = practice.rows
    lines_by_invoice: dict[object, list[dict[str, object]]] = {}
    for line in rows["invoice_lines"]:
        lines_by_invoice.setdefault(line["invoice_id"], []).append(line)
    return {
        "locations": [{"Id": r["id"], "Name": r["name"], "Phone": r.get("phone", "")} for r in rows["sites"]],
        "practitioners": [
            {"Id": r["id"], "Name": _name(r), "Email": r.get("email", ""), "Active": "Yes"}
            for r in rows["practitioners"]
        ],
        "clients": [
            {
                "Id": r["id"],
                "Name": _name(r),
                "DateOfBirth": r.get("date_of_birth", ""),
                "Gender": r.get("sex", ""),
                "ContactDetails": _compact({"email": r.get("email"), "mobile": r.get("mobile_phone")}),
                "Address": _compact({"line1": r.get("address_line_1"), "town": r.get("city")}),
                "MedicareNumber": r.get("medicare_number", ""),
                "NhsNumber": r.get("nhs_number", ""),
                "Archived": "Yes" if r.get("archived") == "yes" else "No",
            }
            for r in rows["clients"]
        ],
        "appointments": [
            {
                "Id": r["id"],
                "ClientId": r["client_id"],
                "PractitionerId": r["practitioner_id"],
                "LocationId": r["site_id"],
                "Start": r["starts"],
                "End": r["ends"],
                "Status": "Attended" if r["status"] == "completed" else r["status"],
                "Details": _compact({"type": r.get("appointment_type"), "notes": r.get("notes")}),
            }
            for r in rows["appointments"]
        ],
        "notes": [
            {
                "Id": r["id"],
                "ClientId": r["client_id"],
                "PractitionerId": r.get("practitioner_id", ""),
                "AppointmentId": r.get("appointment_id", ""),
                "Written": r.get("written", ""),
                "Text": r["body"],
            }
            for r in rows["clinical_notes"]
        ],
        "invoices": [
            {
                "Id": r["id"],
                "ClientId": r["client_id"],
                "Number": r["invoice_number"],
                "Date": r["issue_date"],
                "Status": r["status"],
                "Tax": r.get("tax_amount", ""),
                "Total": r["total_amount"],
                "Lines": json.dumps(
                    [
                        {
                            "id": line["id"],
                            "description": line.get("description"),
                            "quantity": line["quantity"],
                            "unitPrice": line.get("unit_price"),
                            "total": line["total_amount"],
                        }
                        for line in lines_by_invoice.get(r["id"], [])
                    ],
                    **_JSON,
                ),
            }
            for r in rows["invoices"]
        ],
        "payments": [
            {
                "Id": r["id"],
                "InvoiceId": r.get("invoice_id", ""),
                "ClientId": r["client_id"],
                "Paid": r["paid"],
                "Amount": r["amount"],
                "Method": r.get("method", ""),
            }
            for r in rows["payments"]
        ],
    }


def write_tm3_export(out: Path, *, clients: int = 40, seed: int = 3, defects: bool = True) -> TemplateSummary:
    """Write a synthetic AU TM3 export into folder `out` (created): CSV files (UTF-8 with a byte-order mark,
    as Windows tools write them), `errors.txt` and the ground truth."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    practice = small_practice(clients=clients, seed=seed, defects=defects, country="AU")
    tables = tm3_rows(practice)
    for name, table_rows in tables.items():
        buffer = io.StringIO()
        header = ["".join(part.capitalize() for part in field.split("_")) for field in RESOURCES[name].fields]
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(table_rows)
        (out / f"{name}.csv").write_text("\ufeff" + buffer.getvalue(), encoding="utf-8", newline="")
    # The helper app's errors file: what it could not export (here the documents, which TM3's export
    # leaves out of the CSV set).
    errors = [f"Attachment for client {r['client_id']} could not be exported" for r in practice.rows["documents"]]
    (out / ERRORS_FILE).write_text("\r\n".join(["TM3 export errors", *errors]) + "\r\n", encoding="utf-8")
    truth_file = write_truth(out, practice, "tm3")
    return TemplateSummary(out, truth_file, {t: len(r) for t, r in tables.items()}, len(practice.truth))
