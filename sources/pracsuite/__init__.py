"""Front Desk / PracSuite (Smartsoft, AU): the PracSuite REST API's resources, read from the dump its
extractor writes (sources/pracsuite/api.py) — delivered, or extracted into numbered snapshots."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sources.base import SourceExtraction, SourceSystem
from sources.cliniko.dump import read_resource
from sources.locations import DumpSource
from sources.pracsuite.api import PracsuiteApiError
from sources.pracsuite.location import PracsuiteApiSource
from sources.pracsuite.settings import FILE_SUFFIX, MANIFEST_FILE, NOT_DELIVERED, RESOURCES, TOMBSTONES_FILE
from store.progress import ExtractionProgress, ignore_lines


# The snapshot module reads the customer home (customers/), which reads this package's location model:
# imported when an extraction runs, not when the registry loads.
def _snapshot(location: PracsuiteApiSource, root: Path, emit: Callable[[str], None] = ignore_lines) -> Any:
    from sources.pracsuite.snapshots import settings_for, take_snapshot

    return take_snapshot(settings_for(location), root, lines=ExtractionProgress("pracsuite", emit))


def _changes_waiting(location: PracsuiteApiSource, since: str, _extracts: Path) -> int:
    from sources.pracsuite.api import changes_waiting
    from sources.pracsuite.snapshots import settings_for

    return changes_waiting(settings_for(location), since)


# The dump has Cliniko's layout (`<resource>.ndjson` + manifest.json with counts), so Cliniko's reader —
# the NDJSON reader checked against the manifest — reads it unchanged.
SYSTEM = SourceSystem(
    name="pracsuite",
    title="Front Desk / PracSuite",
    resources=RESOURCES,
    read_resource=read_resource,
    countries=("AU",),
    not_migrated_resources=NOT_DELIVERED,
    delivery_files=frozenset({MANIFEST_FILE, TOMBSTONES_FILE}),
    file_suffix=FILE_SUFFIX,
    location_models=(DumpSource, PracsuiteApiSource),
    extraction=SourceExtraction(
        location_model=PracsuiteApiSource,
        snapshot=_snapshot,
        changes_waiting=_changes_waiting,
        errors=(KeyError, PracsuiteApiError),
    ),
)

__all__ = ["SYSTEM"]
