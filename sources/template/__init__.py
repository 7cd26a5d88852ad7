"""The generic new-system template (README.md): the path for any practice system not on the list — a
folder of CSV files or one XLSX workbook the practice fills, read without a manifest."""

from sources.base import SourceSystem
from sources.formats import ExportLayout
from sources.locations import ExportSource
from sources.template.settings import DOCUMENTS_DIR, NOTES_SHEET, READ_OPTIONS, RESOURCES, WORKBOOK_FILE

LAYOUT = ExportLayout(tuple(RESOURCES.values()))

SYSTEM = SourceSystem(
    name="template",
    title="Practice template",
    resources=RESOURCES,
    read_resource=LAYOUT.read_resource,
    read_options=READ_OPTIONS,
    completeness=LAYOUT.completeness(),
    location_models=(ExportSource,),
    # The documents' folder, the notes the template is written with, and a synthetic export's ground truth.
    delivery_files=frozenset({DOCUMENTS_DIR, f"{NOTES_SHEET}.csv", WORKBOOK_FILE, "ground_truth.json"}),
)

__all__ = ["LAYOUT", "SYSTEM"]
