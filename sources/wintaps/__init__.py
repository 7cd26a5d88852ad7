"""Wintaps (UK): UTF-16 ("Unicode text") pipe-delimited files, one per table (README.md; nothing about its
export is public, the layout is assumed until a real delivery confirms it)."""

from sources.export_columns import export_system
from sources.wintaps.settings import READ_OPTIONS, RESOURCES

SYSTEM = export_system("wintaps", "Wintaps (UK)", RESOURCES, countries=("UK",), read_options=READ_OPTIONS)

__all__ = ["SYSTEM"]
