"""Peak (NZ): CSV files, one per table (README.md; nothing about its export is public, the layout is
assumed until a real delivery confirms it)."""

from sources.export_columns import export_system
from sources.peak.settings import READ_OPTIONS, RESOURCES

SYSTEM = export_system("peak", "Peak (NZ)", RESOURCES, countries=("NZ",), read_options=READ_OPTIONS)

__all__ = ["SYSTEM"]
