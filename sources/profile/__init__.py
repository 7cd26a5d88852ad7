"""Intrahealth Profile (NZ/AU): its SQL Server database as a SQL Server extract (README.md)."""

from sources.base import SourceSystem
from sources.locations import ExportSource
from sources.profile.settings import NOT_MIGRATED_RESOURCES, READ_OPTIONS, RESOURCES, SCHEMA
from sources.sqlserver import SqlServerExtract

EXTRACT = SqlServerExtract(tuple(RESOURCES.values()), SCHEMA)

SYSTEM = SourceSystem(
    name="profile",
    title="Intrahealth Profile",
    resources=RESOURCES,
    read_resource=EXTRACT.read_resource,
    countries=("NZ", "AU"),
    read_options=READ_OPTIONS,
    completeness=EXTRACT.completeness(),
    resource_of=EXTRACT.resource_of,
    location_models=(ExportSource,),
    not_migrated_resources=NOT_MIGRATED_RESOURCES,
    delivery_files=frozenset({"ground_truth.json", "INFORMATION_SCHEMA.COLUMNS.csv", "schema.sql"}),
)

__all__ = ["EXTRACT", "SYSTEM"]
