"""Front Desk (desktop; Smartsoft, AU): Smartsoft's decrypted export of its SQL Server database, read as a
SQL Server extract (README.md; the layout is ASSUMED). PracSuite, Smartsoft's cloud product, is its own
system (sources/pracsuite)."""

from sources.frontdesk.settings import RESOURCES, SCHEMA
from sources.sqlserver import extract_system

SYSTEM = extract_system(
    name="frontdesk", title="Front Desk (desktop)", resources=RESOURCES, schema=SCHEMA, countries=("AU",)
)

__all__ = ["SYSTEM"]
