"""What the SYNTHETIC vendor-export writers share (synthetic/houston.py, mypractice.py, peak.py, wintaps.py):
the neutral small practice's day-first text turned into each export's own shapes, and the practice's tables
written as CSV files (encoding, delimiter, line ends, a report title line) or as one XLSX workbook with
native date cells. Each writer only lays the neutral practice out in its system's assumed columns."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import xlsxwriter

if TYPE_CHECKING:
    from synthetic.template import TemplateSummary

Rows = list[dict[str, object]]
_DAY = "%d/%m/%Y"
_MOMENT = "%d/%m/%Y %H:%M"


def day(text: object) -> dt.date | None:
    """The neutral practice's `DD/MM/YYYY` as a date; None for a blank or a placeholder (00/00/0000)."""
    try:
        return dt.datetime.strptime(str(text), _DAY).date()
    except ValueError:
        return None


def moment(text: object) -> dt.datetime:
    """The neutral practice's local `DD/MM/YYYY HH:MM` as a naive datetime."""
    return dt.datetime.strptime(str(text), _MOMENT)


def iso_day(text: object) -> str:
    """A neutral date as ISO `YYYY-MM-DD`; a placeholder keeps its meaning in ISO shape (`0000-00-00`)."""
    if text in ("", None):
        return ""
    parsed = day(text)
    return parsed.isoformat() if parsed is not None else "0000-00-00"


def lines_by_invoice(rows: Mapping[str, Rows]) -> dict[object, Rows]:
    """The neutral invoice lines grouped by their invoice id."""
    grouped: dict[object, Rows] = {}
    for line in rows["invoice_lines"]:
        grouped.setdefault(line["invoice_id"], []).append(line)
    return grouped


def write_csv_tables(
    out: Path,
    tables: Mapping[str, Rows],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    line_end: str = "\r\n",
    quoting: int = csv.QUOTE_MINIMAL,
    title: str | None = None,
    suffix: str = ".csv",
) -> None:
    """Each table as `<name><suffix>` in `out`: a header of its rows' keys, then the rows; `title` (formatted
    with the table's name) is a report title line written above the header, as desktop report writers do.
    Text the encoding cannot hold raises (a synthetic writer must not lose characters silently)."""
    for name, rows in tables.items():
        buffer = io.StringIO()
        if title is not None:
            buffer.write(title.format(table=name) + line_end)
        header = list(rows[0]) if rows else []
        writer = csv.DictWriter(
            buffer, fieldnames=header, delimiter=delimiter, lineterminator=line_end, quoting=quoting
        )
        writer.writeheader()
        writer.writerows(rows)
        (Path(out) / f"{name}{suffix}").write_bytes(buffer.getvalue().encode(encoding))


def write_xlsx_tables(path: Path, tables: Mapping[str, Rows], *, date_format: str = "dd/mm/yyyy") -> None:
    """One workbook with a sheet per table: a bold header row, dates and times as native date cells (shown
    day first), numbers as numbers, booleans as Excel booleans and everything else as text cells."""
    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True})
    day_cell = book.add_format({"num_format": date_format})
    time_cell = book.add_format({"num_format": f"{date_format} hh:mm"})
    for name, rows in tables.items():
        sheet = book.add_worksheet(name)
        header: Sequence[str] = list(rows[0]) if rows else []
        sheet.write_row(0, 0, header, bold)
        for number, row in enumerate(rows, start=1):
            for index, value in enumerate(row.values()):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(number, index, value, time_cell)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(number, index, dt.datetime.combine(value, dt.time()), day_cell)
                elif isinstance(value, bool):
                    sheet.write_boolean(number, index, value)
                elif isinstance(value, int | float):
                    sheet.write_number(number, index, value)
                else:
                    sheet.write_string(number, index, str(value))
    book.close()


@dataclass(frozen=True)
class ExportWriter:
    """A vendor system's synthetic export for `practice-migrate generate --system <name>`: the country it
    writes, its title and the writer (`module:function`, imported when used) taking (out, clients=,
    seed=, defects=)."""

    country: str
    title: str
    writer: str

    def write(self, out: Path, *, clients: int, seed: int, defects: bool) -> TemplateSummary:
        module, _, function = self.writer.partition(":")
        write = getattr(importlib.import_module(module), function)
        return write(out, clients=clients, seed=seed, defects=defects)


# The vendor exports `generate --system` writes beside Cliniko, Core Plus, Gensolve, the template and TM3.
EXPORT_WRITERS: dict[str, ExportWriter] = {
    "houston": ExportWriter("AU", "Bp VIP.net / Houston VIP workbook", "synthetic.houston:write_houston_export"),
    "mypractice": ExportWriter("NZ", "MyPractice (NZ) CSV files", "synthetic.mypractice:write_mypractice_export"),
    "peak": ExportWriter("NZ", "Peak (NZ) CSV files", "synthetic.peak:write_peak_export"),
}
