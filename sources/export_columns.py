"""A vendor export's tables declared by the headers the export writes (sources/cloudappts/, comsense/,
freehand/, gumnut/). A field is its header in snake_case (`Date Of Birth` → `date_of_birth`, `DOB` →
`dob`); the readers match a header to its field whatever the case and separators (sources/tabular.py
`match_header`), so a profile lists each column once, as delivered, and its synthetic writer writes the
same headers from the same list."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sources.base import FieldType, ResourceSpec, SourceSystem
from sources.formats import ExportLayout
from sources.locations import ExportSource
from sources.raw_contract import ReadOptions
from sources.tabular import header_key


def field_name(header: str) -> str:
    """The snake_case field of a delivered header: `PatientSurname` → `patient_surname`, `Qty.` → `qty`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", header.strip())
    name = re.sub(r"[^0-9a-zA-Z]+", "_", spaced).strip("_").lower()
    if header_key(name) != header_key(header):  # never: only separators were added
        raise ValueError(f"header {header!r} has no field name")
    return name


@dataclass(frozen=True)
class ExportTable:
    """One table of an export: its resource name (the CSV file's stem or the sheet's name), grain, the
    columns as headed in the export with their types, and the header of its key column."""

    name: str
    grain: str
    columns: tuple[tuple[str, FieldType], ...]
    key: str | None
    required: bool = True
    # Columns (as headed) the mapping does not read, each with why (sources/coverage.py).
    not_migrated: tuple[tuple[str, str], ...] = ()

    @property
    def headers(self) -> list[str]:
        return [header for header, _kind in self.columns]

    def spec(self) -> ResourceSpec:
        return ResourceSpec(
            name=self.name,
            grain=self.grain,
            fields={field_name(header): kind for header, kind in self.columns},
            key=field_name(self.key) if self.key is not None else None,
            required=self.required,
            description=self.grain,
            not_migrated={field_name(header): why for header, why in self.not_migrated},
        )


def export_resources(tables: Iterable[ExportTable]) -> dict[str, ResourceSpec]:
    return {table.name: table.spec() for table in tables}


def export_system(
    name: str, title: str, resources: dict[str, ResourceSpec], *, countries: tuple[str, ...], read_options: ReadOptions
) -> SourceSystem:
    """A system delivered as a vendor export (`ExportLayout`: CSV files or one workbook, no manifest), read
    with its declared profile; a customer's block is an `ExportSource`. A synthetic export's ground truth
    lies beside the tables."""
    layout = ExportLayout(tuple(resources.values()))
    return SourceSystem(
        name=name,
        title=title,
        resources=resources,
        read_resource=layout.read_resource,
        countries=countries,
        read_options=read_options,
        completeness=layout.completeness(),
        location_models=(ExportSource,),
        delivery_files=frozenset({"ground_truth.json"}),
    )
