"""Houston VIP, now Bp VIP.net (Best Practice; AU and NZ): one XLSX workbook with a sheet per table
(README.md; the layout is assumed until a real delivery confirms it)."""

from sources.base import SourceSystem
from sources.formats import ExportLayout
from sources.houston.settings import READ_OPTIONS, RESOURCES
from sources.locations import ExportSource

LAYOUT = ExportLayout(tuple(RESOURCES.values()))

SYSTEM = SourceSystem(
    name="houston",
    title="Houston VIP / Bp VIP.net",
    resources=RESOURCES,
    read_resource=LAYOUT.read_resource,
    countries=("AU", "NZ"),
    read_options=READ_OPTIONS,
    completeness=LAYOUT.completeness(),
    location_models=(ExportSource,),
    delivery_files=frozenset({"ground_truth.json"}),
)

__all__ = ["LAYOUT", "SYSTEM"]
