"""Gensolve Practice Manager as a source: its import-schema tables, read from the embedded per-customer
database the Gensolve target writes or a CSV export folder (README.md)."""

from sources.base import SourceSystem
from sources.gensolve.reader import read_resource
from sources.gensolve.settings import RESOURCES

# The Gensolve *target* owns mappings/gensolve.yaml; the source's spec is mappings/gensolve_source.yaml.
SYSTEM = SourceSystem(
    name="gensolve",
    title="Gensolve",
    resources=RESOURCES,
    read_resource=read_resource,
    mapping_spec="gensolve_source",
)

__all__ = ["SYSTEM"]
