"""Shared pieces of the SYNTHETIC vendor exports (synthetic/cloudappts.py, comsense.py, freehand.py,
gumnut.py). Each writer lays the neutral small practice of synthetic/template.py out in its system's
assumed layout; the pieces here re-write the practice's day-first dates in a system's own formats,
group invoice lines by invoice, write the tables as CSV files (encoding, byte-order mark, delimiter,
line ends, report title lines above the header) or as one XLSX workbook (date and number cells), and
write the ground truth beside them. Every name is fictional."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from synthetic.template import SmallPractice, TemplateSummary, small_practice, write_truth

Rows = list[dict[str, object]]
# The neutral practice's forms (synthetic/template.py): dates and local times day first, and the
# placeholder an old system writes for a date it does not have.
NEUTRAL_DATE = "%d/%m/%Y"
NEUTRAL_TIME = "%d/%m/%Y %H:%M"
NEUTRAL_PLACEHOLDER = "00/00/0000"


def neutral_moment(value: object) -> dt.date | dt.datetime | None:
    """A neutral date ("04/05/2031") or local time ("02/03/2026 09:00") as a date or datetime; blank or
    the placeholder is None."""
    text = str(value or "").strip()
    if not text or text == NEUTRAL_PLACEHOLDER:
        return None
    if " " in text:
        return dt.datetime.strptime(text, NEUTRAL_TIME)
    return dt.datetime.strptime(text, NEUTRAL_DATE).date()


def redate(value: object, fmt: str, placeholder: str = "") -> str:
    """A neutral date or local time written in `fmt`; the neutral placeholder as the system's own
    `placeholder`; blank stays blank."""
    if str(value or "").strip() == NEUTRAL_PLACEHOLDER:
        return placeholder
    moment = neutral_moment(value)
    return "" if moment is None else moment.strftime(fmt)


def lines_by_invoice(practice: SmallPractice) -> dict[object, Rows]:
    grouped: dict[object, Rows] = {}
    for line in practice.rows["invoice_lines"]:
        grouped.setdefault(line["invoice_id"], []).append(line)
    return grouped


@dataclass(frozen=True)
class CsvStyle:
    """How a system writes its CSV files."""

    encoding: str = "utf-8"
    byte_order_mark: bool = False
    delimiter: str = ","
    line_end: str = "\r\n"
    # Report title lines above the header row (a "print to CSV" report): the reader finds the header as
    # the first line holding the key column.
    preamble: tuple[str, ...] = ()


def write_csv_tables(
    out: Path, tables: Mapping[str, Rows], headers: Mapping[str, Sequence[str]], style: CsvStyle
) -> None:
    """`<table>.csv` per table in `out`, the header row first (after any preamble)."""
    for name, rows in tables.items():
        buffer = io.StringIO()
        for line in style.preamble:
            buffer.write(line + style.line_end)
        writer = csv.DictWriter(
            buffer, fieldnames=list(headers[name]), delimiter=style.delimiter, lineterminator=style.line_end
        )
        writer.writeheader()
        writer.writerows(rows)
        text = ("\ufeff" if style.byte_order_mark else "") + buffer.getvalue()
        # Strict: a character the system's code page cannot hold is a writer bug, never silently replaced.
        (out / f"{name}.csv").write_bytes(text.encode(style.encoding))


def write_xlsx_tables(path: Path, tables: Mapping[str, Rows], headers: Mapping[str, Sequence[str]]) -> None:
    """One workbook with a sheet per table: dates and times as date cells, numbers as number cells, flags as
    TRUE/FALSE cells, everything else as text (a phone number keeps its leading zero). Written row by row in
    constant-memory mode (each row on disk once the next starts; strings stored inline), as
    sources/template/workbook.py does."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    bold = book.add_format({"bold": True})
    formats = {
        dt.datetime: book.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
        dt.date: book.add_format({"num_format": "dd/mm/yyyy"}),
    }
    for name, rows in tables.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, list(headers[name]), bold)
        for number, row in enumerate(rows, start=1):
            for index, header in enumerate(headers[name]):
                value = row.get(header)
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(number, index, value)
                elif isinstance(value, dt.datetime):
                    sheet.write_datetime(number, index, value, formats[dt.datetime])
                elif isinstance(value, dt.date):
                    moment = dt.datetime.combine(value, dt.time())
                    sheet.write_datetime(number, index, moment, formats[dt.date])
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(number, index, value)
                else:
                    sheet.write_string(number, index, str(value))
    book.close()


def write_vendor_export(
    out: Path,
    system: str,
    country: str,
    lay_out: Callable[[SmallPractice], dict[str, Rows]],
    write: Callable[[Path, dict[str, Rows]], None],
    *,
    clients: int,
    seed: int,
    defects: bool,
) -> TemplateSummary:
    """The neutral small practice of `country` laid out in `system`'s tables (`lay_out`), written into folder
    `out` (created) by `write`, with the ground truth beside them."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    practice = small_practice(clients=clients, seed=seed, defects=defects, country=country)
    tables = lay_out(practice)
    write(out, tables)
    truth_file = write_truth(out, practice, system)
    return TemplateSummary(out, truth_file, {t: len(r) for t, r in tables.items()}, len(practice.truth))


__all__ = [
    "CsvStyle",
    "lines_by_invoice",
    "neutral_moment",
    "redate",
    "write_csv_tables",
    "write_vendor_export",
    "write_xlsx_tables",
]
