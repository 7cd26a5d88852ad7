"""Intrahealth Profile's tables as source resources, built from its known schema (schema.sql, README.md).

Profile keeps a practice in Microsoft SQL Server (research/sources-round2.md §2.12); the migration receives
the SQL Server extract of the tables below (docs/sqlserver-extracts.md). Their names, columns and types
are public through the Profile 7 scaffold in DigitalOxCanada/HUAPI; which extract a vendor-hosted site
gets from Intrahealth, and the NZ version's differences, are not — ASSUMED to match until a delivery's
own definitions say otherwise (a differing type refuses the file naming the column).
"""

from __future__ import annotations

from pathlib import Path

from sources.base import ResourceSpec
from sources.sqlserver import parse_create_script, resource_specs

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
SCHEMA = parse_create_script(SCHEMA_FILE.read_text(encoding="utf-8"), str(SCHEMA_FILE))
# Problem-list type of an alert (HUAPI's SQLProfileDAL reads alerts as PAPR_TYPEID = 7).
ALERT_TYPE_ID = 7
# SHORTCODE list type of the practice's locations: ASSUMED (the scaffold names SHCD_TYPE, not its codes);
# a delivery's value is set in the customer's mapping_overrides.
LOCATION_CODE_TYPE = 40

_GRAINS = {
    "PATIENT": ("one row per patient; PTNT_DELETEDID ≠ 0 is deleted, PTNT_MASTER_PTNT_ID names a merge", "ptnt_id"),
    "APPOINTMENT": ("one row per appointment; APNT_ISDELETED ≠ 0 is deleted; local wall-clock times", "apnt_id"),
    "PPPU": ("one row per user or provider; PPPU_ISEXTERNAL = 1 is an external provider (referrer)", "pppu_id"),
    "BCASE": ("one row per case (episode of care); DELETEDID ≠ 0 is deleted", "oid"),
    "PATIENTPROBLEM": ("one row per problem-list entry; PAPR_TYPEID 7 is an alert", "papr_id"),
    "PATIENT_ALTERNAT_NAME": ("one row per alternative (former) name of a patient", "oid"),
    "ADDRESS": ("one row per address of a patient or organisation", "oid"),
    "PATIENT_MERGE_LOG": ("one row per merge: SUBID merged into MASTERID", "oid"),
    "SHORTCODE": ("one row per code of a practice code list (SHCD_TYPE); locations are one list", "shcd_id"),
}


# Columns read into raw that the mapping does not read (sources/coverage.py: each needs its reason).
_MODIFIED = "the row's last-change stamp in Profile: bookkeeping of the old system"
_ROW_ID = "the row's own key in Profile; the row is migrated through the record it belongs to"
_NOT_PUBLIC = "its codes are not public (README.md); the same state is migrated from "
_NOT_MIGRATED_COLUMNS: dict[str, dict[str, str]] = {
    "PATIENT": {
        "ptnt_status": _NOT_PUBLIC + "PTNT_DOD and PTNT_DELETEDID",
        "pppu_id_usualdr": "the patient's usual provider: the canonical model has no field for it; kept in raw",
        "ptnt_deleted_date": "set only on deleted patients, which are migrated as deletions (PTNT_DELETEDID)",
    },
    "APPOINTMENT": {
        "apnt_duration": "the same length is migrated as the appointment's start and end times",
        "apnt_status": _NOT_PUBLIC + "APNT_ISCANCELLED, APNT_ISDNA and APNT_ARRIVALTIME",
    },
    "PPPU": {
        "pppu_code": "Profile's short code of the user or provider (a log-in and list key of the old system)",
    },
    "BCASE": {
        "status": _NOT_PUBLIC + "the case's close date",
        "lead_prov_id": "the case's lead provider: the canonical condition has no practitioner; kept in raw",
    },
    "PATIENTPROBLEM": {
        "papr_id": _ROW_ID,
        "papr_date": "when the problem was recorded: the alert is migrated with its own created time",
        "case_id": "the case a problem was recorded under: the canonical note has no condition link; kept in raw",
        "dt_modified": _MODIFIED,
    },
    "ADDRESS": {
        "oid": _ROW_ID,
        "address_type": "its codes are not public: the patient's current address is the one migrated",
        "dt_modified": _MODIFIED,
    },
    "PATIENT_MERGE_LOG": {"oid": _ROW_ID, "dt_modified": _MODIFIED},
    "SHORTCODE": {"shcd_code": "the location's short code in Profile; its description is migrated as the name"},
}

# Tables of which nothing is migrated, though read into raw (listed once in the approval report, for review).
_NOT_MIGRATED_TABLES: dict[str, str] = {
    # An alternative name is another name the patient was known by (a former surname), not the name they prefer
    # to be called: that is PATIENT.PTNT_PREFNAME, migrated as the client's preferred_name.
    "PATIENT_ALTERNAT_NAME": (
        "patients' alternative (former) names: the canonical client holds one name and a preferred name "
        "(PTNT_PREFNAME, migrated), no former names; listed for review, kept in raw"
    ),
}

RESOURCES: dict[str, ResourceSpec] = resource_specs(SCHEMA, _GRAINS, _NOT_MIGRATED_COLUMNS, _NOT_MIGRATED_TABLES)

# Held in Profile but not public (research/sources-round2.md §2.12): read through the mapping-proposal
# flow on the first real delivery, not guessed here.
NOT_MIGRATED_RESOURCES = {
    "CDO_TRANS": "clinical notes and forms: Profile's CDO object store is not public; mapped through a "
    "confirmed mapping proposal on the first real delivery",
    "CDO_TRANSDATA": "clinical note values (CDO object store, not public): mapping proposal on first delivery",
    "CDO_PERSON": "CDO object store's person link (not public): mapping proposal on first delivery",
    "CDO_EHCR": "CDO object store's record link (not public): mapping proposal on first delivery",
    "INVOICE": "finance tables are not public: mapped through a mapping proposal on the first real delivery",
}
