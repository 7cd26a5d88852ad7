"""Houston VIP, now Bp VIP.net (Best Practice; AU and NZ): one XLSX workbook with a sheet per table
(README.md; the layout is assumed until a real delivery confirms it)."""

from sources.export_columns import export_system
from sources.houston.settings import READ_OPTIONS, RESOURCES

SYSTEM = export_system(
    "houston", "Houston VIP / Bp VIP.net", RESOURCES, countries=("AU", "NZ"), read_options=READ_OPTIONS
)

__all__ = ["SYSTEM"]
