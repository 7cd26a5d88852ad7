"""Intrahealth Profile (NZ/AU): its SQL Server database as a SQL Server extract (README.md)."""

from sources.profile.settings import NOT_MIGRATED_RESOURCES, RESOURCES, SCHEMA
from sources.sqlserver import extract_system

SYSTEM = extract_system(
    name="profile",
    title="Intrahealth Profile",
    resources=RESOURCES,
    schema=SCHEMA,
    countries=("NZ", "AU"),
    not_migrated_resources=NOT_MIGRATED_RESOURCES,
)

__all__ = ["SYSTEM"]
