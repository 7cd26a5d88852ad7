"""A golden Intrahealth Profile practice (NZ): a few rows written by hand as Profile's bcp extract holds them
(cell texts as bcp -c writes them), and the staged rows a person works out from them, written literally and
compared column by column (docs/adding-a-source.md item 7). The read goes through the SQL Server family
reader, the raw layer and mappings/profile.yaml, so a wrong type, column or mapping expression shows here.

Worked out by hand: Wellington's clocks went back on Sunday 5 April 2026 at 03:00 (NZDT +13 → NZST +12) and
forward on Sunday 27 September 2026 at 02:00 (→ +13)."""

from __future__ import annotations

import datetime as dt

import pytest
from golden_staging import stage_delivery, staged_rows, write_golden_extract

from mappings.spec import load_spec
from sources.coverage import WHOLE_TABLE, delivered_not_migrated
from sources.profile import SYSTEM
from sources.profile.settings import RESOURCES, SCHEMA
from store import Warehouse

_PATIENT = {"PTNT_STATUS": "1", "PTNT_DELETEDID": "0", "DT_MODIFIED": "2026-05-01 17:00:00.000"}
_APPOINTMENT = {
    "PPPU_ID_PROVIDER": "7",
    "SHCD_ID_LOCATION": "41",
    "APNT_DURATION": "45",
    "APNT_ISCANCELLED": "0",
    "APNT_ISDNA": "0",
    "APNT_ISDELETED": "0",
    "APNT_REASONDESCRIPTION": "Initial consultation",
    "DT_MODIFIED": "2026-05-01 17:00:00.000",
}
GOLDEN: dict[str, list[dict[str, str]]] = {
    "SHORTCODE": [
        {"SHCD_ID": "41", "SHCD_CODE": "WLG", "SHCD_DESCRIPTION": "Harbour Physio Wellington", "SHCD_TYPE": "40",
         "SHCD_DELETEDID": "0"},
        # Another of the practice's code lists (type 12): no site.
        {"SHCD_ID": "42", "SHCD_CODE": "ACC", "SHCD_DESCRIPTION": "ACC", "SHCD_TYPE": "12", "SHCD_DELETEDID": "0"},
    ],
    "PPPU": [
        {"PPPU_ID": "7", "PPPU_CODE": "AN", "PPPU_TITLE": "Ms", "PPPU_FULLNAME": "Aroha Ngata",
         "PPPU_LASTNAME": "Ngata", "PPPU_EMAIL": "Aroha.Ngata@Harbour.example", "PPPU_ISEXTERNAL": "0",
         "PPPU_HPI_I": "29ABCD", "PPPU_STATUS": "1", "PPPU_DELETEDID": "0", "DT_MODIFIED": "2026-03-02 08:15:00.000"},
        {"PPPU_ID": "8", "PPPU_CODE": "JC", "PPPU_FULLNAME": "James Cook", "PPPU_LASTNAME": "Cook",
         "PPPU_ISEXTERNAL": "0", "PPPU_STATUS": "3", "PPPU_DELETEDID": "0"},  # disabled
        {"PPPU_ID": "9", "PPPU_TITLE": "Dr", "PPPU_FULLNAME": "Ian Fox", "PPPU_LASTNAME": "Fox",
         "PPPU_PHONE1": "04 555 0111", "PPPU_ISEXTERNAL": "1", "PPPU_STATUS": "1", "PPPU_DELETEDID": "0",
         "DT_MODIFIED": "2026-04-05 10:00:00.000"},  # the morning the clocks went back: NZST (+12)
    ],
    "PATIENT": [
        {**_PATIENT, "PTNT_ID": "1001", "PTNT_PATIENTCODE": "AQ1001", "PTNT_TITLE": "Ms", "PTNT_FIRSTNAME": "Avery",
         "PTNT_SURNAME": "Quill", "PTNT_SEX": "F", "PTNT_DOB": "1972-07-02 00:00:00.000",
         "PTNT_NATIONALNUM": "ZZZ0016", "PTNT_CELLPHONE": "021 555 0199",
         "PTNT_EMAILADDR": "Avery.Quill@Example.org", "CREATED": "2025-01-06 09:00:00.000"},
        # Soft-deleted in Profile: not migrated, counted as deleted_in_source.
        {**_PATIENT, "PTNT_ID": "1002", "PTNT_FIRSTNAME": "Morgan", "PTNT_SURNAME": "Reed", "PTNT_SEX": "M",
         "PTNT_DOB": "1980-03-14 00:00:00.000", "PTNT_DELETEDID": "1002",
         "PTNT_DELETED_DATE": "2026-04-01 12:00:00.000"},
        # Entered again under another spelling; Profile merged it into 1001 (and logged the merge).
        {**_PATIENT, "PTNT_ID": "1003", "PTNT_FIRSTNAME": "Avery", "PTNT_SURNAME": "Quil", "PTNT_SEX": "F",
         "PTNT_DOB": "1972-07-02 00:00:00.000", "PTNT_MASTER_PTNT_ID": "1001"},
        # Deceased (PTNT_DOD): archived; no date of birth recorded (datetime's zero, 1900-01-01).
        {**_PATIENT, "PTNT_ID": "1004", "PTNT_FIRSTNAME": "Wiremu", "PTNT_SURNAME": "Tane", "PTNT_SEX": "M",
         "PTNT_DOB": "1900-01-01 00:00:00.000", "PTNT_DOD": "2026-02-01 00:00:00.000",
         "PTNT_HOMEPHONE": "04 555 0123", "PTNT_STREET1": "3 Old Road", "PTNT_STREETCODE": "5010"},
    ],
    "ADDRESS": [
        {"OID": "8001", "PTNT_ID": "1001", "ADDRESS_TYPE": "1", "STREET": "12 Example Lane", "SUBURB": "Te Aro",
         "CITY": "Wellington", "POSTCODE": "6011", "DELETEDID": "0"},
    ],
    "PATIENTPROBLEM": [
        {"PAPR_ID": "71", "PTNT_ID": "1001", "PAPR_TYPEID": "7", "PAPR_DXDESCRIPTION": "Latex allergy",
         "PAPR_DELETEDID": "0"},
        {"PAPR_ID": "72", "PTNT_ID": "1001", "PAPR_TYPEID": "1", "PAPR_DXDESCRIPTION": "Knee osteoarthritis",
         "PAPR_DELETEDID": "0"},  # a diagnosis, no alert
    ],
    "PATIENT_ALTERNAT_NAME": [{"OID": "91", "PTAN_PTNT_ID": "1001", "PTAN_NAME": "Avery Smith", "DELETED": "0"}],
    "PATIENT_MERGE_LOG": [
        {"OID": "1", "MASTERID": "1001", "SUBID": "1003", "CREATED_ON": "2026-04-02 09:00:00.000", "DELETEDID": "0"}
    ],
    "BCASE": [
        {"OID": "61", "PATIENT_ID": "1001", "CASE_TITLE": "Left knee", "STATUS": "1",
         "OPENED_ON": "2026-02-20 10:00:00.000", "REASON": "Knee pain on stairs", "DELETEDID": "0"},
    ],
    "APPOINTMENT": [
        # The morning the clocks went back: 09:00 is NZST, +12.
        {**_APPOINTMENT, "APNT_ID": "501", "PTNT_ID": "1001", "APNT_BOOKTIME": "2026-04-05 09:00:00.000",
         "APNT_ENDTIME": "2026-04-05 09:45:00.000", "APNT_ARRIVALTIME": "2026-04-05 08:55:00.000",
         "APNT_CASE_ID": "61", "APNT_COMMENT": "Bring scans"},
        # The day before: still NZDT, +13. Did not attend.
        {**_APPOINTMENT, "APNT_ID": "502", "PTNT_ID": "1001", "APNT_BOOKTIME": "2026-04-04 09:00:00.000",
         "APNT_ENDTIME": "2026-04-04 09:45:00.000", "APNT_ISDNA": "1"},
        # The morning the clocks went forward (02:00 → 03:00): 10:30 is NZDT, +13. Cancelled.
        {**_APPOINTMENT, "APNT_ID": "503", "PTNT_ID": "1001", "APNT_BOOKTIME": "2026-09-27 10:30:00.000",
         "APNT_ENDTIME": "2026-09-27 11:15:00.000", "APNT_ISCANCELLED": "1"},
        # Deleted in Profile: not migrated.
        {**_APPOINTMENT, "APNT_ID": "504", "PTNT_ID": "1001", "APNT_BOOKTIME": "2026-06-01 09:00:00.000",
         "APNT_ENDTIME": "2026-06-01 09:45:00.000", "APNT_ISDELETED": "1"},
        # Booked under the merged record: belongs to its survivor. Winter, +12.
        {**_APPOINTMENT, "APNT_ID": "505", "PTNT_ID": "1003", "APNT_BOOKTIME": "2026-07-01 14:00:00.000",
         "APNT_ENDTIME": "2026-07-01 14:45:00.000"},
    ],
}  # fmt: skip
UTC = dt.UTC
MODIFIED_AT = dt.datetime(2026, 5, 1, 5, 0, tzinfo=UTC)  # DT_MODIFIED 17:00 NZST (+12)


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    delivery = write_golden_extract(
        tmp_path_factory.mktemp("profile-golden") / "extract", SCHEMA, GOLDEN, style="bcp", definitions="script"
    )
    return stage_delivery("profile", delivery, country="NZ", time_zone="Pacific/Auckland")


def test_golden_clients(golden: Warehouse) -> None:
    columns = ("canonical_id", "title", "first_name", "last_name", "date_of_birth", "sex", "sex_as_recorded",
               "email", "mobile_phone", "home_phone", "address_line_1", "address_line_2", "city", "postcode",
               "country_code", "nhi", "appointment_notes", "legacy_reference", "is_archived", "created_at",
               "updated_at")  # fmt: skip
    nobody = dict.fromkeys(("title", "email", "mobile_phone", "appointment_notes", "legacy_reference", "created_at"))
    assert staged_rows(golden, "client", *columns) == [
        {
            "canonical_id": "profile:client:1001",
            "title": "Ms",
            "first_name": "Avery",
            "last_name": "Quill",
            "date_of_birth": dt.date(1972, 7, 2),
            "sex": "female",
            "sex_as_recorded": "F",
            "email": "avery.quill@example.org",
            "mobile_phone": "+64215550199",
            "home_phone": None,
            "address_line_1": "12 Example Lane",  # the ADDRESS row, before PTNT_STREET1
            "address_line_2": "Te Aro",
            "city": "Wellington",
            "postcode": "6011",
            "country_code": "NZ",
            "nhi": "ZZZ0016",
            "appointment_notes": "Latex allergy",  # the type-7 problem only
            "legacy_reference": "AQ1001",
            "is_archived": False,
            "created_at": dt.datetime(2025, 1, 5, 20, 0, tzinfo=UTC),  # 09:00 NZDT (+13)
            "updated_at": dt.datetime(2026, 5, 1, 5, 0, tzinfo=UTC),  # 17:00 NZST (+12)
        },
        {
            **nobody,
            "canonical_id": "profile:client:1004",
            "first_name": "Wiremu",
            "last_name": "Tane",
            "date_of_birth": None,  # 1900-01-01 is datetime's zero: no date
            "sex": "male",
            "sex_as_recorded": "M",
            "home_phone": "+6445550123",
            "address_line_1": "3 Old Road",  # no ADDRESS row: the patient's own street
            "address_line_2": None,
            "city": None,
            "postcode": "5010",
            "country_code": "NZ",
            "nhi": None,
            "is_archived": True,  # deceased
            "updated_at": dt.datetime(2026, 5, 1, 5, 0, tzinfo=UTC),
        },
    ]


def test_golden_soft_deleted_rows_are_rejected_and_the_merge_recorded(golden: Warehouse) -> None:
    assert staged_rows(golden, "rejects", "entity", "source_table", "source_id", "reason", order_by="source_id") == [
        {"entity": "client", "source_table": "patient", "source_id": "1002", "reason": "deleted_in_source"},
        {"entity": "(none)", "source_table": "shortcode", "source_id": "42", "reason": "no_entity"},
        {"entity": "appointment", "source_table": "appointment", "source_id": "504", "reason": "deleted_in_source"},
    ]
    assert staged_rows(golden, "merges", "entity", "canonical_id", "survivor_id", "rule") == [
        {
            "entity": "client",
            "canonical_id": "profile:client:1003",
            "survivor_id": "profile:client:1001",
            "rule": "merged_in_source",
        }
    ]


def test_golden_site_practitioners_referrer_and_case(golden: Warehouse) -> None:
    assert staged_rows(golden, "site", "canonical_id", "name", "country_code", "time_zone", "is_archived") == [
        {
            "canonical_id": "profile:site:41",
            "name": "Harbour Physio Wellington",
            "country_code": "NZ",
            "time_zone": "Pacific/Auckland",
            "is_archived": False,
        }
    ]
    columns = ("canonical_id", "title", "last_name", "display_name", "email", "registration_numbers", "is_active",
               "updated_at")  # fmt: skip
    assert staged_rows(golden, "practitioner", *columns) == [
        {
            "canonical_id": "profile:practitioner:7",
            "title": "Ms",
            "last_name": "Ngata",
            "display_name": "Aroha Ngata",
            "email": "aroha.ngata@harbour.example",
            "registration_numbers": "29ABCD",
            "is_active": True,
            "updated_at": dt.datetime(2026, 3, 1, 19, 15, tzinfo=UTC),  # 08:15 NZDT (+13)
        },
        {
            "canonical_id": "profile:practitioner:8",
            "title": None,
            "last_name": "Cook",
            "display_name": "James Cook",
            "email": None,
            "registration_numbers": None,
            "is_active": False,  # PPPU_STATUS 3: disabled
            "updated_at": None,
        },
    ]
    columns = ("canonical_id", "title", "last_name", "phone", "referral_type", "updated_at")
    assert staged_rows(golden, "referrer", *columns) == [
        {
            "canonical_id": "profile:referrer:9",
            "title": "Dr",
            "last_name": "Fox",
            "phone": "+6445550111",
            "referral_type": "doctor",
            "updated_at": dt.datetime(2026, 4, 4, 22, 0, tzinfo=UTC),  # 10:00 NZST (+12)
        }
    ]
    assert staged_rows(
        golden, "condition", "canonical_id", "client_id", "name", "notes", "is_closed", "created_at"
    ) == [
        {
            "canonical_id": "profile:condition:61",
            "client_id": "profile:client:1001",
            "name": "Left knee",
            "notes": "Knee pain on stairs",
            "is_closed": False,
            "created_at": dt.datetime(2026, 2, 19, 21, 0, tzinfo=UTC),  # 10:00 NZDT (+13)
        }
    ]


def test_golden_appointments_in_the_sites_zone_across_both_clock_changes(golden: Warehouse) -> None:
    columns = ("canonical_id", "client_id", "condition_id", "starts_at", "ends_at", "starts_local", "status",
               "notes", "updated_at")  # fmt: skip
    assert staged_rows(golden, "appointment", *columns) == [
        {
            "canonical_id": "profile:appointment:501",
            "client_id": "profile:client:1001",
            "condition_id": "profile:condition:61",
            "starts_at": dt.datetime(2026, 4, 4, 21, 0, tzinfo=UTC),  # 09:00 NZST (+12), clocks back at 03:00
            "ends_at": dt.datetime(2026, 4, 4, 21, 45, tzinfo=UTC),
            "starts_local": dt.datetime(2026, 4, 5, 9, 0),
            "status": "completed",  # arrived
            "notes": "Bring scans",
            "updated_at": MODIFIED_AT,
        },
        {
            "canonical_id": "profile:appointment:502",
            "client_id": "profile:client:1001",
            "condition_id": None,
            "starts_at": dt.datetime(2026, 4, 3, 20, 0, tzinfo=UTC),  # 09:00 NZDT (+13), the day before
            "ends_at": dt.datetime(2026, 4, 3, 20, 45, tzinfo=UTC),
            "starts_local": dt.datetime(2026, 4, 4, 9, 0),
            "status": "did_not_attend",
            "notes": None,
            "updated_at": MODIFIED_AT,
        },
        {
            "canonical_id": "profile:appointment:503",
            "client_id": "profile:client:1001",
            "condition_id": None,
            "starts_at": dt.datetime(2026, 9, 26, 21, 30, tzinfo=UTC),  # 10:30 NZDT (+13), clocks forward at 02:00
            "ends_at": dt.datetime(2026, 9, 26, 22, 15, tzinfo=UTC),
            "starts_local": dt.datetime(2026, 9, 27, 10, 30),
            "status": "cancelled",
            "notes": None,
            "updated_at": MODIFIED_AT,
        },
        {
            "canonical_id": "profile:appointment:505",
            "client_id": "profile:client:1001",  # booked under 1003, merged into 1001
            "condition_id": None,
            "starts_at": dt.datetime(2026, 7, 1, 2, 0, tzinfo=UTC),  # 14:00 NZST (+12)
            "ends_at": dt.datetime(2026, 7, 1, 2, 45, tzinfo=UTC),
            "starts_local": dt.datetime(2026, 7, 1, 14, 0),
            "status": "booked",
            "notes": None,
            "updated_at": MODIFIED_AT,
        },
    ]


def test_golden_alternative_names_are_listed_once_as_a_table_for_the_approval_review(golden: Warehouse) -> None:
    """A former name (PATIENT_ALTERNAT_NAME) has no canonical field — the preferred name is PTNT_PREFNAME —: the
    table is declared wholly not migrated with its reason and listed once, with its records ("Delivered but not
    migrated" in the approval report) — not column by column beside its row ids and bookkeeping — and not
    taken for the client's preferred name."""
    with golden.connect(read_only=True) as con:
        listed = delivered_not_migrated(con, SYSTEM, "trial", load_spec("profile").columns_read())
    found = {(f.resource, f.field): (f.records_with_value, f.reason) for f in listed}
    reason = RESOURCES["patient_alternat_name"].not_migrated_table
    assert reason and "preferred name" in reason
    assert [key for key in found if key[0] == "patient_alternat_name"] == [("patient_alternat_name", WHOLE_TABLE)]
    assert found[("patient_alternat_name", WHOLE_TABLE)] == (len(GOLDEN["PATIENT_ALTERNAT_NAME"]), reason)
    assert staged_rows(golden, "client", "source_id", "preferred_name")[0] == {
        "source_id": "1001",
        "preferred_name": None,
    }
