"""Gumnut (AU): nothing about its export is public, so the layout here (report-style tab-separated files
with title lines above PascalCase headers, `04-Mar-1980` dates, 12-hour times) is assumed until a real
delivery confirms it (README.md)."""

from sources.export_columns import export_system
from sources.gumnut.settings import READ_OPTIONS, RESOURCES

SYSTEM = export_system("gumnut", "Gumnut", RESOURCES, countries=("AU",), read_options=READ_OPTIONS)

__all__ = ["SYSTEM"]
