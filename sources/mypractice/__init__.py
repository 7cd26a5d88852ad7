"""MyPractice (NZ general practice; not the Australian myPractice, now Bp Allied): CSV files, one per
table (README.md; the layout is assumed until a real delivery confirms it)."""

from sources.export_columns import export_system
from sources.mypractice.settings import READ_OPTIONS, RESOURCES

SYSTEM = export_system("mypractice", "MyPractice (NZ)", RESOURCES, countries=("NZ",), read_options=READ_OPTIONS)

__all__ = ["SYSTEM"]
