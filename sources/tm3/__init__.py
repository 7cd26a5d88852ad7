"""TM3 (Blue Zinc; UK and AU): the account export on cancellation — CSV files mixing plain text and JSON
cells, and an errors text file (README.md; the layout is assumed until a real delivery confirms it).
TM2 practices upgrade to TM3 first (TM2 on-premise has no export to read)."""

from sources.base import SourceSystem
from sources.formats import ExportLayout
from sources.locations import ExportSource
from sources.tm3.settings import ERRORS_FILE, READ_OPTIONS, RESOURCES

LAYOUT = ExportLayout(tuple(RESOURCES.values()), text_files={"export_errors": ERRORS_FILE})

SYSTEM = SourceSystem(
    name="tm3",
    title="TM3",
    resources=RESOURCES,
    read_resource=LAYOUT.read_resource,
    countries=("UK", "AU"),
    read_options=READ_OPTIONS,
    completeness=LAYOUT.completeness(),
    location_models=(ExportSource,),
    delivery_files=frozenset({"ground_truth.json"}),
)

__all__ = ["LAYOUT", "SYSTEM"]
