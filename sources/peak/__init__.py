"""Peak (NZ): CSV files, one per table (README.md; nothing about its export is public, the layout is
assumed until a real delivery confirms it)."""

from sources.formats import export_system
from sources.peak.settings import READ_OPTIONS, RESOURCES

SYSTEM = export_system("peak", "Peak (NZ)", RESOURCES, READ_OPTIONS, countries=("NZ",))

__all__ = ["SYSTEM"]
