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

from sources.base import FieldType
from sources.export_columns import ExportTable, export_resources
from sources.raw_contract import ReadOptions

F = FieldType
READ_OPTIONS = ReadOptions(
    # Assumed UTF-8: the NHI and NES hold names with macrons (Māori), which cp1252 cannot carry. Still
    # detected, so a cp1252 re-delivery reads too.
    encoding=None,
    delimiter=",",
    date_formats=("%d/%m/%Y",),
    datetime_formats=("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"),
)

TABLES = (
    ExportTable(
        "locations",
        "one row per practice location",
        (
            ("LOCATION_ID", F.TEXT),
            ("LOCATION_NAME", F.TEXT),
            ("CITY", F.TEXT),
            ("PHONE", F.TEXT),
        ),
        key="LOCATION_ID",
    ),
    ExportTable(
        "providers",
        "one row per provider (doctor, nurse); a short provider code as its id",
        (
            ("PROVIDER_CODE", F.TEXT),
            ("FIRST_NAME", F.TEXT),
            ("SURNAME", F.TEXT),
            ("PROVIDER_TYPE", F.TEXT),
            ("EMAIL", F.TEXT),
            ("ACTIVE", F.BOOLEAN),
        ),
        key="PROVIDER_CODE",
    ),
    ExportTable(
        "patients",
        "one row per patient, with the NHI number",
        (
            ("PATIENT_ID", F.TEXT),
            ("NHI", F.TEXT),
            ("SURNAME", F.TEXT),
            ("FIRST_NAME", F.TEXT),
            ("DOB", F.DATE),
            ("GENDER", F.TEXT),
            ("EMAIL", F.TEXT),
            ("CELL_PHONE", F.TEXT),
            ("CITY", F.TEXT),
            ("INACTIVE", F.BOOLEAN),
        ),
        key="PATIENT_ID",
    ),
    ExportTable(
        "appointments",
        "one row per appointment; its day, start time and end time in three columns (local time)",
        (
            ("APPT_ID", F.TEXT),
            ("PATIENT_ID", F.TEXT),
            ("PROVIDER_CODE", F.TEXT),
            ("LOCATION_ID", F.TEXT),
            ("APPT_DATE", F.DATE),
            ("START_TIME", F.TEXT),
            ("END_TIME", F.TEXT),
            ("APPT_TYPE", F.TEXT),
            ("STATUS", F.TEXT),
        ),
        key="APPT_ID",
    ),
    ExportTable(
        "consultations",
        "one row per consultation note",
        (
            ("CONSULT_ID", F.TEXT),
            ("PATIENT_ID", F.TEXT),
            ("PROVIDER_CODE", F.TEXT),
            ("APPT_ID", F.TEXT),
            ("CONSULT_DATE", F.DATETIME),
            ("NOTES", F.TEXT),
        ),
        key="CONSULT_ID",
    ),
    ExportTable(
        "accounts",
        "one row per account (invoice), with who pays it (patient, ACC, …)",
        (
            ("ACCOUNT_ID", F.TEXT),
            ("PATIENT_ID", F.TEXT),
            ("ACCOUNT_NO", F.TEXT),
            ("ACCOUNT_DATE", F.DATE),
            ("PAYEE", F.TEXT),
            ("STATUS", F.TEXT),
            ("GST", F.DECIMAL),
            ("TOTAL", F.DECIMAL),
        ),
        key="ACCOUNT_ID",
        not_migrated=(
            ("PAYEE", "who pays the account (patient, ACC, …): the canonical invoice has no payer; kept in raw"),
        ),
    ),
    ExportTable(
        "account_items",
        "one row per item of an account: a service type with its funding group",
        (
            ("ITEM_ID", F.TEXT),
            ("ACCOUNT_ID", F.TEXT),
            ("SERVICE_TYPE", F.TEXT),
            ("DESCRIPTION", F.TEXT),
            ("FUND", F.TEXT),
            ("QTY", F.DECIMAL),
            ("FEE", F.DECIMAL),
            ("AMOUNT", F.DECIMAL),
        ),
        key="ITEM_ID",
        not_migrated=(("FUND", "the item's funding group: the canonical invoice line has no funder; kept in raw"),),
    ),
    ExportTable(
        "payments",
        "one row per payment against an account",
        (
            ("PAYMENT_ID", F.TEXT),
            ("ACCOUNT_ID", F.TEXT),
            ("PATIENT_ID", F.TEXT),
            ("PAYMENT_DATE", F.DATETIME),
            ("AMOUNT", F.DECIMAL),
            ("PAYMENT_TYPE", F.TEXT),
        ),
        key="PAYMENT_ID",
    ),
)
RESOURCES = export_resources(TABLES)
HEADERS = {table.name: table.headers for table in TABLES}
