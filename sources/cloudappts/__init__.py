"""Cloud Appts (Cloud Appointments, NZ): a cloud web app; its export is not public, so the layout here
(CSV files with Title Case headers, ISO dates) is assumed until a real delivery confirms it (README.md)."""

from sources.cloudappts.settings import READ_OPTIONS, RESOURCES
from sources.export_columns import export_system

SYSTEM = export_system("cloudappts", "Cloud Appts", RESOURCES, countries=("NZ",), read_options=READ_OPTIONS)

__all__ = ["SYSTEM"]
