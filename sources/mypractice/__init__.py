"""MyPractice (NZ general practice; not the Australian myPractice, now Bp Allied): CSV files, one per
table (README.md; the layout is assumed until a real delivery confirms it)."""

from sources.formats import export_system
from sources.mypractice.settings import READ_OPTIONS, RESOURCES

SYSTEM = export_system("mypractice", "MyPractice (NZ)", RESOURCES, READ_OPTIONS, countries=("NZ",))

__all__ = ["SYSTEM"]
