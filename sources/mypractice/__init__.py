"""MyPractice (NZ general practice; not the Australian myPractice, now Bp Allied): CSV files, one per
table (README.md; the layout is assumed until a real delivery confirms it)."""

from sources.base import SourceSystem
from sources.formats import ExportLayout
from sources.locations import ExportSource
from sources.mypractice.settings import READ_OPTIONS, RESOURCES

LAYOUT = ExportLayout(tuple(RESOURCES.values()))

SYSTEM = SourceSystem(
    name="mypractice",
    title="MyPractice (NZ)",
    resources=RESOURCES,
    read_resource=LAYOUT.read_resource,
    countries=("NZ",),
    read_options=READ_OPTIONS,
    completeness=LAYOUT.completeness(),
    location_models=(ExportSource,),
    delivery_files=frozenset({"ground_truth.json"}),
)

__all__ = ["LAYOUT", "SYSTEM"]
