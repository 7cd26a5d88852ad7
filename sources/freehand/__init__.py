"""Freehand (UK): nothing about its export is public, so the layout here (one XLSX workbook, a sheet per
table, date and number cells, UK headers) is assumed until a real delivery confirms it (README.md)."""

from sources.export_columns import export_system
from sources.freehand.settings import READ_OPTIONS, RESOURCES, WORKBOOK_FILE

SYSTEM = export_system("freehand", "Freehand", RESOURCES, countries=("UK",), read_options=READ_OPTIONS)

__all__ = ["SYSTEM", "WORKBOOK_FILE"]
