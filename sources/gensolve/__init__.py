"""Gensolve Practice Manager as a source: its import-schema tables, read from the embedded per-customer
database the Gensolve target writes or a CSV export folder, or extracted (snapshots, then deltas) from
another customer's embedded database or an Oracle schema (README.md)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import oracledb

from sources.base import SourceExtraction, SourceSystem
from sources.completeness import ComputedChecksumsRule
from sources.gensolve.location import LOCATION_MODELS, GensolveExtractedSource, GensolveExtractionError
from sources.gensolve.reader import missing_parts, read_resource
from sources.gensolve.settings import CSV_SUFFIX, RESOURCES, SNAPSHOT_DATABASE
from sources.locations import DumpSource
from store.progress import ExtractionProgress, ignore_lines
from targets.gensolve.oracle import OracleConfigurationError


# The extraction module reads the customer home (customers/), which reads this package's location models:
# imported when an extraction runs, not when the registry loads.
def _snapshot(location: GensolveExtractedSource, root: Path, emit: Callable[[str], None] = ignore_lines) -> Any:
    from sources.gensolve.extraction import take_snapshot

    return take_snapshot(location, root, lines=ExtractionProgress("gensolve", emit))


def _changes_waiting(location: GensolveExtractedSource, since: str, root: Path) -> int:
    from sources.gensolve.extraction import changes_waiting

    return changes_waiting(location, since, root)


def _delta_changes(delta: Path) -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    from sources.gensolve.extraction import delta_changes

    return delta_changes(delta)


# The Gensolve *target* owns mappings/gensolve.yaml; the source's spec is mappings/gensolve_source.yaml.
SYSTEM = SourceSystem(
    name="gensolve",
    title="Gensolve",
    resources=RESOURCES,
    read_resource=read_resource,
    mapping_spec="gensolve_source",
    # An extraction snapshot is a folder with its database and manifest; an export folder holds <table>.csv.
    delivery_files=frozenset({"manifest.json", SNAPSHOT_DATABASE}),
    file_suffix=CSV_SUFFIX,
    # Delivered without a manifest (a database file or an export folder): complete when every table is
    # there and the checksums hold still between two looks of the landing sensor.
    completeness=ComputedChecksumsRule(missing=missing_parts),
    location_models=(DumpSource, *LOCATION_MODELS),
    extraction=SourceExtraction(
        location_model=GensolveExtractedSource,
        snapshot=_snapshot,
        changes_waiting=_changes_waiting,
        delta_changes=_delta_changes,
        errors=(GensolveExtractionError, OracleConfigurationError, oracledb.Error),
    ),
)

__all__ = ["SYSTEM"]
