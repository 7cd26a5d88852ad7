"""A SYNTHETIC PPMP extract (sources/ppmp/README.md: the layout is ASSUMED, not public) written from the
neutral AU small practice of synthetic/template.py, with the same defects and ground truth: the PMPDATA
tables as bcp files (cp1252, `|` between fields: the extract request's `-t "|"`, detected by the reader) with
their definitions, Medicare numbers spaced as on the card, and the shared PPMP folder holding the letters
and attachments the Letters table names. Every name is fictional."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sources.ppmp.settings import LETTERS_FOLDER, SCHEMA
from synthetic.sqlserver import Definitions, Style, numeric_id, practice_datetime, write_extract
from synthetic.template import SmallPractice, TemplateSummary, small_practice, write_truth

# The field terminator PPMP's extract is ASSUMED written with (bcp -t "|"): notes hold tabs and commas.
BCP_FIELD_TERMINATOR = "|"


def _money(text: object) -> Decimal | None:
    return Decimal(str(text)) if text not in (None, "") else None


def _as_on_the_card(number: object) -> str | None:
    """A Medicare number as PPMP's reception types it from the card, `2123 45670 1` (ASSUMED)."""
    text = str(number or "")
    return f"{text[:4]} {text[4:9]} {text[9:]}".strip() if text else None


def with_ppmp_quirks(tables: dict[str, list[dict[str, object]]]) -> dict[str, list[dict[str, object]]]:
    """PPMP's own (ASSUMED) forms on the practice's rows: Medicare numbers spaced as on the card."""
    for row in tables["PATIENTS"]:
        row["MedicareNo"] = _as_on_the_card(row["MedicareNo"])
    return tables


def ppmp_tables(practice: SmallPractice) -> dict[str, list[dict[str, object]]]:
    """The practice in PPMP's assumed tables (TABLE → rows by SQL column)."""
    rows = practice.rows
    i = numeric_id
    return {
        "LOCATIONS": [
            {"LocationID": i(r["id"]), "LocationName": r["name"], "Phone": r.get("phone"), "Inactive": False}
            for r in rows["sites"]
        ],
        "PRACTITIONERS": [
            {
                "PractitionerID": i(r["id"]),
                "FirstName": r["first_name"],
                "Surname": r["last_name"],
                "Email": f"{str(r['first_name']).lower()}@clinic.example.org",
                "ProviderNo": f"2{i(r['id']):05d}A",
                "Active": True,
            }
            for r in rows["practitioners"]
        ],
        "REFERRERS": [
            {
                "ReferrerID": i(r["id"]),
                "Title": r.get("title"),
                "FirstName": r["first_name"],
                "Surname": r["last_name"],
                "Practice": r.get("organisation"),
            }
            for r in rows["referrers"]
        ],
        "PATIENTS": [
            {
                "PatientID": i(r["id"]),
                "FirstName": r["first_name"],
                "Surname": r["last_name"],
                "DOB": practice_datetime(r["date_of_birth"]),
                "Sex": str(r["sex"])[0].upper(),
                "Email": r.get("email") or None,
                "Mobile": r.get("mobile_phone") or None,
                "Suburb": r.get("city"),
                "MedicareNo": r.get("medicare_number"),
                "ReferrerID": i(r["referrer_id"]) if r.get("referrer_id") else None,
                "Archived": r.get("archived") == "yes",
            }
            for r in rows["clients"]
        ],
        "APPOINTMENTS": [
            {
                "ApptID": i(r["id"]),
                "PatientID": i(r["client_id"]),
                "PractitionerID": i(r["practitioner_id"]),
                "LocationID": i(r["site_id"]),
                "StartTime": practice_datetime(r["starts"]),
                "EndTime": practice_datetime(r["ends"]),
                "ApptType": r.get("appointment_type"),
                "Status": "Attended" if r["status"] == "completed" else r["status"],
            }
            for r in rows["appointments"]
        ],
        "CLINICALNOTES": [
            {
                "NoteID": i(r["id"]),
                "PatientID": i(r["client_id"]),
                "PractitionerID": i(r["practitioner_id"]) if r.get("practitioner_id") else None,
                "ApptID": i(r["appointment_id"]) if r.get("appointment_id") else None,
                "NoteDate": practice_datetime(r.get("written")),
                # bcp has no quoting: a line break inside a note would split its record; PPMP's notes are
                # ASSUMED exported with line breaks as ' / ' (the extract request asks for it).
                "NoteText": str(r["body"]).replace("\n", " / "),
            }
            for r in rows["clinical_notes"]
        ],
        "INVOICES": [
            {
                "InvoiceID": i(r["id"]),
                "PatientID": i(r["client_id"]),
                "InvoiceNo": r["invoice_number"],
                "InvoiceDate": practice_datetime(r["issue_date"]),
                "Status": r["status"],
                "GST": _money(r.get("tax_amount")),
                "Total": _money(r["total_amount"]),
            }
            for r in rows["invoices"]
        ],
        "INVOICEITEMS": [
            {
                "ItemID": i(r["id"]),
                "InvoiceID": i(r["invoice_id"]),
                "Description": r.get("description"),
                "Qty": _money(r["quantity"]),
                "UnitPrice": _money(r.get("unit_price")),
                "Amount": _money(r["total_amount"]),
            }
            for r in rows["invoice_lines"]
        ],
        "PAYMENTS": [
            {
                "PaymentID": i(r["id"]),
                "InvoiceID": i(r["invoice_id"]) if r.get("invoice_id") else None,
                "PatientID": i(r["client_id"]),
                "PaidOn": practice_datetime(r["paid"]),
                "Amount": _money(r["amount"]),
                "Method": r.get("method"),
            }
            for r in rows["payments"]
        ],
        "LETTERS": [
            {
                "LetterID": i(r["id"]),
                "PatientID": i(r["client_id"]),
                "FileName": r["file_name"],
                "Description": r.get("description"),
            }
            for r in rows["documents"]
        ],
    }


def write_ppmp_extract(
    out: Path,
    *,
    clients: int = 40,
    seed: int = 3,
    defects: bool = True,
    style: Style = "bcp",
    definitions: Definitions = "script",
) -> TemplateSummary:
    """Write a synthetic AU PPMP extract into folder `out` (created): the tables, their definitions, the
    shared folder's letters and the ground truth (ids as the extract's integer keys)."""
    out = Path(out)
    practice = small_practice(clients=clients, seed=seed, defects=defects, country="AU")
    tables = with_ppmp_quirks(ppmp_tables(practice))
    write_extract(
        out,
        {name: (SCHEMA[name], rows) for name, rows in tables.items()},
        style=style,
        definitions=definitions,
        terminator=BCP_FIELD_TERMINATOR,
    )
    letters = out / LETTERS_FOLDER
    letters.mkdir(parents=True, exist_ok=True)
    for name, content in practice.documents.items():
        (letters / name).write_bytes(content)
    truth = [{**d, "source_id": str(numeric_id(d["source_id"]))} for d in practice.truth]
    truth_file = write_truth(out, SmallPractice("AU", practice.rows, {}, truth), f"ppmp-{style}")
    return TemplateSummary(out, truth_file, {t: len(r) for t, r in tables.items()}, len(truth))
