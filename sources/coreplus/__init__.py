"""Core Plus (coreplus, AU): the REST API's resources, read from the dump the extractor writes."""

from sources.base import SourceSystem
from sources.cliniko.dump import read_resource
from sources.coreplus.settings import RESOURCES

# The dump has Cliniko's layout (`<resource>.ndjson` + manifest.json with counts), so Cliniko's reader —
# the NDJSON reader checked against the manifest — reads it unchanged.
SYSTEM = SourceSystem(
    name="coreplus", title="Core Plus", resources=RESOURCES, read_resource=read_resource, countries=("AU",)
)

__all__ = ["SYSTEM"]
