"""Cloud Appts (Cloud Appointments, NZ): a cloud web app; its export is not public, so the layout here
(CSV files with Title Case headers, ISO dates) is assumed until a real delivery confirms it (README.md)."""

from sources.base import SourceSystem
from sources.cloudappts.settings import READ_OPTIONS, RESOURCES
from sources.formats import ExportLayout
from sources.locations import ExportSource

LAYOUT = ExportLayout(tuple(RESOURCES.values()))

SYSTEM = SourceSystem(
    name="cloudappts",
    title="Cloud Appts",
    resources=RESOURCES,
    read_resource=LAYOUT.read_resource,
    countries=("NZ",),
    read_options=READ_OPTIONS,
    completeness=LAYOUT.completeness(),
    location_models=(ExportSource,),
    delivery_files=frozenset({"ground_truth.json"}),
)

__all__ = ["LAYOUT", "SYSTEM"]
