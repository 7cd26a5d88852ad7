"""MedTech (NZ; Medtech32 on InterBase): a vendor extract of its tables in the SQL Server extract family
(README.md; the layout is ASSUMED)."""

from sources.medtech.settings import DIALECT, READ_OPTIONS_MEDTECH, RESOURCES, SCHEMA
from sources.sqlserver import extract_system

SYSTEM = extract_system(
    name="medtech",
    title="MedTech (Medtech32)",
    resources=RESOURCES,
    schema=SCHEMA,
    countries=("NZ",),
    dialect=DIALECT,
    read_options=READ_OPTIONS_MEDTECH,
)

__all__ = ["SYSTEM"]
