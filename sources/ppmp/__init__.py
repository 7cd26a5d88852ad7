"""PPMP (AU): its PMPDATA SQL Server database as a SQL Server extract plus the shared PPMP folder
(README.md; the layout is ASSUMED)."""

from sources.ppmp.settings import RESOURCES, SCHEMA, SHARED
from sources.sqlserver import extract_system

SYSTEM = extract_system(
    name="ppmp",
    title="PPMP",
    resources=RESOURCES,
    schema=SCHEMA,
    countries=("AU",),
    shared_folder=SHARED,
)

__all__ = ["SYSTEM"]
