"""Comsense (AU): nothing about its export is public, so the layout here (a desktop system's cp1252 CSV
files with UPPERCASE headers, day-first dates, an appointment book's day and times of day) is assumed
until a real delivery confirms it (README.md)."""

from sources.comsense.settings import READ_OPTIONS, RESOURCES
from sources.export_columns import export_system

SYSTEM = export_system("comsense", "Comsense", RESOURCES, countries=("AU",), read_options=READ_OPTIONS)

__all__ = ["SYSTEM"]
