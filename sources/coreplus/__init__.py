"""Core Plus (coreplus, AU): the REST API's resources, read from the dump the extractor writes — delivered as a
folder, or extracted through the API into numbered snapshots (sources/coreplus/snapshots.py)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sources.base import SourceExtraction, SourceSystem
from sources.coreplus.api import CoreplusApiError
from sources.coreplus.export import read_resource
from sources.coreplus.location import CoreplusApiSource
from sources.coreplus.settings import EXPORT_DIR, EXPORT_RESOURCES, FILE_SUFFIX, MANIFEST_FILE, RESOURCES
from sources.locations import DumpSource
from store.progress import ExtractionProgress, ignore_lines


# The snapshot module reads the customer home (customers/), which reads this package's location model:
# imported when an extraction runs, not when the registry loads.
def _snapshot(location: CoreplusApiSource, root: Path, emit: Callable[[str], None] = ignore_lines) -> Any:
    from sources.coreplus.snapshots import settings_for, take_snapshot

    return take_snapshot(settings_for(location), root, location.export, lines=ExtractionProgress("coreplus", emit))


def _changes_waiting(location: CoreplusApiSource, since: str, _extracts: Path) -> int:
    from sources.coreplus.snapshots import changes_waiting, settings_for

    return changes_waiting(settings_for(location), since)


# The dump has Cliniko's layout (`<resource>.ndjson` + manifest.json with counts), so Cliniko's reader —
# the NDJSON reader checked against the manifest — reads it unchanged; what the API lacks comes from the CSV
# export in `export/` (export.py).
SYSTEM = SourceSystem(
    name="coreplus",
    title="Core Plus",
    resources={**RESOURCES, **EXPORT_RESOURCES},
    read_resource=read_resource,
    countries=("AU",),
    delivery_files=frozenset({MANIFEST_FILE, EXPORT_DIR}),
    file_suffix=FILE_SUFFIX,
    location_models=(DumpSource, CoreplusApiSource),
    extraction=SourceExtraction(
        location_model=CoreplusApiSource,
        snapshot=_snapshot,
        changes_waiting=_changes_waiting,
        errors=(KeyError, CoreplusApiError),
    ),
)

__all__ = ["SYSTEM"]
