"""Cliniko (AU/NZ/UK/CA): the API's resources, read from a delivered dump folder or extracted through the API
into one (sources/cliniko/snapshots.py)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sources.base import SourceExtraction, SourceSystem
from sources.cliniko.api import ClinikoApiError
from sources.cliniko.dump import read_resource
from sources.cliniko.location import ClinikoApiSource
from sources.cliniko.settings import (
    ATTACHMENTS_DIR,
    FILE_SUFFIX,
    MANIFEST_FILE,
    NOT_MIGRATED_RESOURCES,
    RESOURCES,
    SYNTHETIC_TRUTH_FILE,
)
from sources.locations import DumpSource
from store.progress import ExtractionProgress, ignore_lines


# The snapshot module reads the customer home (customers/), which reads this package's location model:
# imported when an extraction runs, not when the registry loads.
def _snapshot(location: ClinikoApiSource, root: Path, emit: Callable[[str], None] = ignore_lines) -> Any:
    from sources.cliniko.snapshots import settings_for, take_snapshot

    return take_snapshot(settings_for(location), root, lines=ExtractionProgress("cliniko", emit))


def _changes_waiting(location: ClinikoApiSource, since: str, _extracts: Path) -> int:
    from sources.cliniko.snapshots import changes_waiting, settings_for

    return changes_waiting(settings_for(location), since)


SYSTEM = SourceSystem(
    name="cliniko",
    title="Cliniko",
    resources=RESOURCES,
    read_resource=read_resource,
    not_migrated_resources=NOT_MIGRATED_RESOURCES,
    delivery_files=frozenset({MANIFEST_FILE, ATTACHMENTS_DIR, SYNTHETIC_TRUTH_FILE}),
    file_suffix=FILE_SUFFIX,
    location_models=(DumpSource, ClinikoApiSource),
    extraction=SourceExtraction(
        location_model=ClinikoApiSource,
        snapshot=_snapshot,
        changes_waiting=_changes_waiting,
        errors=(KeyError, ClinikoApiError),
    ),
)

__all__ = ["SYSTEM"]
