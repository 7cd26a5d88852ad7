"""A SYNTHETIC Intrahealth Profile SQL Server extract (sources/profile/README.md) written from the neutral
small practice of synthetic/template.py, with its defects and ground truth, plus Profile's own: a
soft-deleted patient and appointment (`*_DELETEDID` / APNT_ISDELETED ≠ 0), a patient Profile merged into
another (PTNT_MASTER_PTNT_ID and a PATIENT_MERGE_LOG row), alerts in PATIENTPROBLEM and cases in BCASE.
Ids are Profile's bigints. Notes, invoices and payments are not written: their Profile tables are not
public (the practice's defects on them are left out of the ground truth). Every name is fictional."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sources.profile.settings import ALERT_TYPE_ID, LOCATION_CODE_TYPE, SCHEMA
from synthetic.sqlserver import Definitions, Style, practice_datetime, write_extract
from synthetic.template import SmallPractice, TemplateSummary, small_practice, write_truth

# Profile's tables do not hold these entities' records: their defects are not injected in its extract.
_NOT_IN_PROFILE = {"invoice", "invoice_line", "payment", "clinical_note", "document"}


def profile_id(source_id: str) -> int:
    """The small practice's ids as Profile's bigints: C12 → 1012, A12-2 → 122 (appointments), P2 → 2, S1 → 501,
    R1 → 101."""
    prefix, rest = source_id[0], source_id[1:]
    if prefix == "A":
        client, visit = rest.split("-")
        return int(client) * 10 + int(visit)
    return {"C": 1000, "P": 0, "S": 500, "R": 100}[prefix] + int(rest)


def profile_tables(practice: SmallPractice, extra_truth: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    """The practice in Profile's tables (TABLE → rows by SQL column), with Profile's own cases appended to
    `extra_truth`."""
    rows = practice.rows
    modified = dt.datetime(2026, 5, 1, 17, 0)
    tables: dict[str, list[dict[str, object]]] = {name: [] for name in SCHEMA}
    for site in rows["sites"]:
        tables["SHORTCODE"].append(
            {
                "SHCD_ID": profile_id(str(site["id"])),
                "SHCD_CODE": str(site["id"]),
                "SHCD_DESCRIPTION": site["name"],
                "SHCD_TYPE": LOCATION_CODE_TYPE,
                "SHCD_DELETEDID": 0,
            }
        )
    for p in rows["practitioners"]:
        pid = profile_id(str(p["id"]))
        tables["PPPU"].append(
            {
                "PPPU_ID": pid,
                "PPPU_CODE": f"PR{pid}",
                "PPPU_FULLNAME": f"{p['first_name']} {p['last_name']}",
                "PPPU_LASTNAME": p["last_name"],
                "PPPU_EMAIL": f"{str(p['first_name']).lower()}@clinic.example.org",
                "PPPU_ISEXTERNAL": 0,
                "PPPU_HPI_I": f"29ABCD{pid:02d}",
                "PPPU_STATUS": 1,
                "PPPU_DELETEDID": 0,
                "DT_MODIFIED": modified,
            }
        )
    for r in rows["referrers"]:
        tables["PPPU"].append(
            {
                "PPPU_ID": profile_id(str(r["id"])),
                "PPPU_TITLE": r["title"],
                "PPPU_FULLNAME": f"{r['first_name']} {r['last_name']}",
                "PPPU_LASTNAME": r["last_name"],
                "PPPU_ISEXTERNAL": 1,
                "PPPU_STATUS": 1,
                "PPPU_DELETEDID": 0,
            }
        )
    for c in rows["clients"]:
        cid = profile_id(str(c["id"]))
        tables["PATIENT"].append(
            {
                "PTNT_ID": cid,
                "PTNT_PATIENTCODE": f"PC{cid}",
                "PTNT_FIRSTNAME": c["first_name"],
                "PTNT_SURNAME": c["last_name"],
                "PTNT_SEX": str(c["sex"])[0].upper(),
                "PTNT_DOB": practice_datetime(c["date_of_birth"]),
                "PTNT_NATIONALNUM": c.get("nhi", ""),
                "PTNT_CELLPHONE": c.get("mobile_phone") or None,
                "PTNT_EMAILADDR": c.get("email") or None,
                "PTNT_STATUS": 1,
                "PTNT_DELETEDID": 0,
                "CREATED": dt.datetime(2025, 1, 6, 9, 0),
                "DT_MODIFIED": modified,
            }
        )
        tables["ADDRESS"].append(
            {"OID": 7000 + cid, "PTNT_ID": cid, "ADDRESS_TYPE": 1, "CITY": c.get("city"), "DELETEDID": 0}
        )
        number = cid - 1000
        if number % 6 == 0:  # an alert, and a diagnosis that is no alert
            tables["PATIENTPROBLEM"] += [
                {"PAPR_ID": 8000 + number, "PTNT_ID": cid, "PAPR_TYPEID": ALERT_TYPE_ID, "PAPR_DELETEDID": 0,
                 "PAPR_DXDESCRIPTION": "Allergic to latex"},
                {"PAPR_ID": 8500 + number, "PTNT_ID": cid, "PAPR_TYPEID": 1, "PAPR_DELETEDID": 0,
                 "PAPR_DXDESCRIPTION": "Knee osteoarthritis"},
            ]  # fmt: skip
        if number % 4 == 0:
            tables["BCASE"].append(
                {"OID": 9000 + number, "PATIENT_ID": cid, "CASE_TITLE": "Left knee", "STATUS": 1, "DELETEDID": 0,
                 "OPENED_ON": dt.datetime(2026, 2, 20, 10, 0), "REASON": "Knee pain on stairs"}
            )  # fmt: skip
    for a in rows["appointments"]:
        tables["APPOINTMENT"].append(
            {
                "APNT_ID": profile_id(str(a["id"])),
                "PTNT_ID": profile_id(str(a["client_id"])),
                "PPPU_ID_PROVIDER": profile_id(str(a["practitioner_id"])),
                "SHCD_ID_LOCATION": profile_id(str(a["site_id"])),
                "APNT_BOOKTIME": practice_datetime(a["starts"]),
                "APNT_ENDTIME": practice_datetime(a["ends"]),
                "APNT_DURATION": 45,
                "APNT_ARRIVALTIME": practice_datetime(a["starts"]) if a["status"] == "completed" else None,
                "APNT_ISCANCELLED": 0,
                "APNT_ISDNA": 0,
                "APNT_ISDELETED": 0,
                "APNT_REASONDESCRIPTION": a.get("appointment_type"),
                "DT_MODIFIED": modified,
            }
        )
    _profile_cases(tables, extra_truth, clients=len(rows["clients"]))
    return tables


def _profile_cases(tables: dict[str, list[dict[str, object]]], truth: list[dict[str, object]], clients: int) -> None:
    """Profile's own: a soft-deleted patient and appointment, and a patient merged into the first one."""
    first = tables["PATIENT"][0]
    deleted_id, merged_id = 1000 + clients * 20 + 1, 1000 + clients * 20 + 2
    tables["PATIENT"].append(
        {**first, "PTNT_ID": deleted_id, "PTNT_SURNAME": "Deleted", "PTNT_NATIONALNUM": None,
         "PTNT_DELETEDID": deleted_id, "PTNT_DELETED_DATE": dt.datetime(2026, 4, 1, 12, 0)}
    )  # fmt: skip
    truth.append({"kind": "soft_deleted", "entity": "client", "source_id": str(deleted_id)})
    appointment = {**tables["APPOINTMENT"][0], "APNT_ID": 9_999_001, "APNT_ISDELETED": 1}
    tables["APPOINTMENT"].append(appointment)
    truth.append({"kind": "soft_deleted", "entity": "appointment", "source_id": str(appointment["APNT_ID"])})
    # Entered twice under another spelling; Profile merged it into the first patient (no rule of ours
    # would have matched it) and logged the merge.
    tables["PATIENT"].append(
        {**first, "PTNT_ID": merged_id, "PTNT_FIRSTNAME": "Ari", "PTNT_NATIONALNUM": None,
         "PTNT_MASTER_PTNT_ID": first["PTNT_ID"]}
    )  # fmt: skip
    tables["PATIENT_MERGE_LOG"].append(
        {"OID": 1, "MASTERID": first["PTNT_ID"], "SUBID": merged_id, "CREATED_ON": dt.datetime(2026, 4, 2, 9, 0),
         "DELETEDID": 0}
    )  # fmt: skip
    truth.append({"kind": "merged_in_source", "entity": "client", "source_id": str(merged_id)})
    tables["PATIENT_ALTERNAT_NAME"].append(
        {"OID": 1, "PTAN_PTNT_ID": first["PTNT_ID"], "PTAN_NAME": f"{first['PTNT_SURNAME']}-Smith"}
    )


def write_profile_extract(
    out: Path,
    *,
    clients: int = 40,
    seed: int = 3,
    defects: bool = True,
    style: Style = "bcp",
    definitions: Definitions = "information_schema",
) -> TemplateSummary:
    """Write a synthetic NZ Profile extract into folder `out` (created): one file per table (bcp -c in
    cp1252, the Latin1 collation's code page, or the wizard's CSV), the table definitions and the ground
    truth (small-practice defects on the tables Profile has, and Profile's own cases)."""
    out = Path(out)
    practice = small_practice(clients=clients, seed=seed, defects=defects, country="NZ")
    extra: list[dict[str, object]] = []
    tables = profile_tables(practice, extra)
    truth = [d for d in practice.truth if d["entity"] not in _NOT_IN_PROFILE]
    truth = [{**d, "source_id": str(profile_id(str(d["source_id"])))} for d in truth]
    truth += extra if defects else []
    if not defects:
        _drop_profile_cases(tables)
    write_extract(
        out,
        {name: (SCHEMA[name], rows) for name, rows in tables.items()},
        style=style,
        definitions=definitions,
        encoding="cp1252",
    )
    truth_file = write_truth(out, SmallPractice("NZ", practice.rows, {}, truth), f"profile-{style}")
    return TemplateSummary(out, truth_file, {t: len(r) for t, r in tables.items()}, len(truth))


def _drop_profile_cases(tables: dict[str, list[dict[str, object]]]) -> None:
    tables["PATIENT"] = [r for r in tables["PATIENT"] if not r["PTNT_DELETEDID"] and not r.get("PTNT_MASTER_PTNT_ID")]
    tables["APPOINTMENT"] = [r for r in tables["APPOINTMENT"] if not r["APNT_ISDELETED"]]
    tables["PATIENT_MERGE_LOG"] = []
