"""Cliniko (AU/NZ/UK/CA): the API's resources, read from a dump folder or, later, the API itself."""

from sources.base import SourceSystem
from sources.cliniko.dump import read_resource
from sources.cliniko.settings import RESOURCES

SYSTEM = SourceSystem(name="cliniko", title="Cliniko", resources=RESOURCES, read_resource=read_resource)

__all__ = ["SYSTEM"]
