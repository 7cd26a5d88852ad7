"""MyPractice (NZ general-practice PMS, mypractice.co.nz) as source resources — an ASSUMED layout
(README.md). Not the Australian myPractice, which became Best Practice's Bp Allied (README.md).

Public: an NZ GP system synchronising patients with the NHI and the National Enrolment Service (NHI
number, names, gender, date of birth, ethnicity, address), with accounts built from Service Types (class,
fund, payee, organisation such as ACC) (research/sources-round2.md §2.9). Not public: the database
engine or any export format. The resources below are our assumption — CSV files, UTF-8 (names as the
NHI holds them, with macrons), UPPER_CASE headers, dates `DD/MM/YYYY`, an appointment's day and its start
and end times in separate columns, `Y`/`N` flags, accounts with their payee and items with their service
type and fund — written by synthetic/mypractice.py; the first real delivery is mapped through the
mapping-proposal flow and the confirmed spec replaces this one.
"""

from __future__ import annotations

from sources.base import FieldType, ResourceSpec
from sources.formats import DAY_FIRST_DATES, DAY_FIRST_DATETIMES, export_resources
from sources.raw_contract import ReadOptions

F = FieldType
READ_OPTIONS = ReadOptions(
    # Assumed UTF-8: the NHI and NES hold names with macrons (Māori), which cp1252 cannot carry. Still
    # detected, so a cp1252 re-delivery reads too.
    encoding=None,
    delimiter=",",
    date_formats=DAY_FIRST_DATES,
    datetime_formats=DAY_FIRST_DATETIMES,
)

RESOURCES: dict[str, ResourceSpec] = export_resources(
    (
        "locations",
        "one row per practice location",
        "location_id",
        {"location_id": F.TEXT, "location_name": F.TEXT, "city": F.TEXT, "phone": F.TEXT},
    ),
    (
        "providers",
        "one row per provider (doctor, nurse); a short provider code as its id",
        "provider_code",
        {
            "provider_code": F.TEXT,
            "first_name": F.TEXT,
            "surname": F.TEXT,
            "provider_type": F.TEXT,
            "email": F.TEXT,
            "active": F.BOOLEAN,
        },
    ),
    (
        "patients",
        "one row per patient, with the NHI number",
        "patient_id",
        {
            "patient_id": F.TEXT,
            "nhi": F.TEXT,
            "surname": F.TEXT,
            "first_name": F.TEXT,
            "dob": F.DATE,
            "gender": F.TEXT,
            "email": F.TEXT,
            "cell_phone": F.TEXT,
            "city": F.TEXT,
            "inactive": F.BOOLEAN,
        },
    ),
    (
        "appointments",
        "one row per appointment; its day, start time and end time in three columns (local time)",
        "appt_id",
        {
            "appt_id": F.TEXT,
            "patient_id": F.TEXT,
            "provider_code": F.TEXT,
            "location_id": F.TEXT,
            "appt_date": F.DATE,
            "start_time": F.TEXT,
            "end_time": F.TEXT,
            "appt_type": F.TEXT,
            "status": F.TEXT,
        },
    ),
    (
        "consultations",
        "one row per consultation note",
        "consult_id",
        {
            "consult_id": F.TEXT,
            "patient_id": F.TEXT,
            "provider_code": F.TEXT,
            "appt_id": F.TEXT,
            "consult_date": F.DATETIME,
            "notes": F.TEXT,
        },
    ),
    (
        "accounts",
        "one row per account (invoice), with who pays it (patient, ACC, …)",
        "account_id",
        {
            "account_id": F.TEXT,
            "patient_id": F.TEXT,
            "account_no": F.TEXT,
            "account_date": F.DATE,
            "payee": F.TEXT,
            "status": F.TEXT,
            "gst": F.DECIMAL,
            "total": F.DECIMAL,
        },
    ),
    (
        "account_items",
        "one row per item of an account: a service type with its funding group",
        "item_id",
        {
            "item_id": F.TEXT,
            "account_id": F.TEXT,
            "service_type": F.TEXT,
            "description": F.TEXT,
            "fund": F.TEXT,
            "qty": F.DECIMAL,
            "fee": F.DECIMAL,
            "amount": F.DECIMAL,
        },
    ),
    (
        "payments",
        "one row per payment against an account",
        "payment_id",
        {
            "payment_id": F.TEXT,
            "account_id": F.TEXT,
            "patient_id": F.TEXT,
            "payment_date": F.DATETIME,
            "amount": F.DECIMAL,
            "payment_type": F.TEXT,
        },
    ),
)
