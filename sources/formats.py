"""The format readers side by side, and the delivery shape of a vendor export built on them.

Every reader has the one signature of sources/raw_contract.py (`FormatReader`). A system delivering
NDJSON (Cliniko, Core Plus) reads its files with `ndjson`; a system delivering a vendor export — a
folder of `<resource>.csv` files, or one XLSX workbook with a sheet per resource — uses `ExportLayout`,
which gives it its `read_resource` and its completeness rule (no manifest needed).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sources.base import RawReadError, RawReadResult, ResourceSpec
from sources.completeness import ComputedChecksumsRule
from sources.csv_reader import decode, read_csv_resource
from sources.ndjson import read_ndjson_resource
from sources.raw_contract import FormatReader, ReadOptions, Writer
from sources.tabular import DeliveredRow, write_rows
from sources.xlsx_reader import XLSX_SUFFIX, read_xlsx_resource, sheet_names

CSV_SUFFIX = ".csv"
FORMAT_READERS: dict[str, FormatReader] = {
    "ndjson": read_ndjson_resource,
    "csv": read_csv_resource,
    "xlsx": read_xlsx_resource,
}


@dataclass(frozen=True)
class ExportLayout:
    """A vendor export: `<resource>.csv` files in a folder, or one workbook (the delivery itself, or the
    one `*.xlsx` in the folder) with a sheet per resource. `resources` are the system's resource specs
    (the required ones must be delivered)."""

    resources: tuple[ResourceSpec, ...]
    # Resources delivered as a plain text file (resource name → file name), read one row per non-blank
    # line into the resource's one text field: TM3's errors file.
    text_files: Mapping[str, str] = field(default_factory=dict)

    def workbook(self, delivery: Path) -> Path | None:
        """The delivery's workbook, or None for a CSV export."""
        delivery = Path(delivery)
        if delivery.suffix.lower() == XLSX_SUFFIX:
            return delivery
        books = sorted(delivery.glob(f"*{XLSX_SUFFIX}")) if delivery.is_dir() else []
        return books[0] if len(books) == 1 else None

    def read_resource(
        self, delivery: Path, spec: ResourceSpec, *, write: Writer, options: ReadOptions | None = None
    ) -> RawReadResult:
        """Read `spec` from the delivery: a text file's lines, its sheet of the workbook, else `<name>.csv`."""
        if spec.name in self.text_files:
            return read_text_lines(Path(delivery) / self.text_files[spec.name], spec, write=write, options=options)
        book = self.workbook(delivery)
        if book is not None:
            return read_xlsx_resource(book, spec, write=write, options=options)
        return read_csv_resource(Path(delivery) / f"{spec.name}{CSV_SUFFIX}", spec, write=write, options=options)

    def missing(self, delivery: Path) -> list[str]:
        """Each required resource the delivery lacks (a sheet of the workbook, or a CSV file)."""
        delivery = Path(delivery)
        required = [spec.name for spec in self.resources if spec.required and spec.name not in self.text_files]
        text = [
            f"{delivery / name}: missing (the export delivers it beside its tables)"
            for name in self.text_files.values()
            if delivery.is_dir() and not (delivery / name).is_file()
        ]
        book = self.workbook(delivery)
        if book is not None:
            present = set(sheet_names(book))
            return text + [f"{book}#{name}: sheet missing" for name in required if name not in present]
        if delivery.is_dir() and len(list(delivery.glob(f"*{XLSX_SUFFIX}"))) > 1:
            return [f"{delivery}: more than one workbook (expected one XLSX file, or CSV files)"]
        return text + [
            f"{delivery / (name + CSV_SUFFIX)}: missing (expected one CSV file per table, or one workbook)"
            for name in required
            if not (delivery / f"{name}{CSV_SUFFIX}").is_file()
        ]

    def completeness(self) -> ComputedChecksumsRule:
        return ComputedChecksumsRule(missing=self.missing)


def read_text_lines(
    path: Path, spec: ResourceSpec, *, write: Writer, shown_file: str | None = None, options: ReadOptions | None = None
) -> RawReadResult:
    """A plain text file, one row per non-blank line (numbered by line) into the spec's one field. The
    lines are counted in the result's notes, never quoted (they may name a patient)."""
    shown = shown_file or str(path)
    if not path.is_file():
        raise RawReadError(shown, [f"{shown}: file missing (the export delivers it beside its tables)"])
    decoded = decode(path.read_bytes(), (options or ReadOptions()).encoding, shown)
    (field_name,) = spec.fields
    rows = [
        DeliveredRow(number, {field_name: line.rstrip("\r\n")}, decoded.encoding)
        for number, line in enumerate(io.StringIO(decoded.text, newline=""), start=1)
        if line.strip()
    ]
    result = write_rows(rows, spec, options or ReadOptions(), shown=shown, write=write)
    note = f"{path.name}: {len(rows)} lines the export reported (in raw {spec.name}, for the practice to review)"
    return RawReadResult(result.source_file, result.records, result.issues, (*decoded.notes, note))
