"""Cliniko (AU/NZ/UK/CA): the API's resources, read from a dump folder or, later, the API itself."""

from sources.base import SourceSystem
from sources.cliniko.dump import read_resource
from sources.cliniko.settings import (
    ATTACHMENTS_DIR,
    FILE_SUFFIX,
    MANIFEST_FILE,
    NOT_MIGRATED_RESOURCES,
    RESOURCES,
    SYNTHETIC_TRUTH_FILE,
)

SYSTEM = SourceSystem(
    name="cliniko",
    title="Cliniko",
    resources=RESOURCES,
    read_resource=read_resource,
    not_migrated_resources=NOT_MIGRATED_RESOURCES,
    delivery_files=frozenset({MANIFEST_FILE, ATTACHMENTS_DIR, SYNTHETIC_TRUTH_FILE}),
    file_suffix=FILE_SUFFIX,
)

__all__ = ["SYSTEM"]
