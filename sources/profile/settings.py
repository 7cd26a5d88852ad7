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


RESOURCES: dict[str, ResourceSpec] = resource_specs(SCHEMA, _GRAINS)

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
