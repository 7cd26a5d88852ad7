"""The XLSX format reader: a sheet per resource, Excel date cells and serial day numbers, text dates in
the declared formats, formatted amounts, blank rows skipped and provenance `book.xlsx#sheet` + row."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from test_csv_reader import CLIENTS, SYSTEM

from sources.base import RawReadError
from sources.locations import ExportSource, ReadOverrides
from sources.raw_layer import load_raw_resource
from sources.xlsx_reader import first_used_row
from store import Warehouse

HEADER = ["id", "first_name", "last_name", "date_of_birth", "balance", "active", "notes", "custom"]


def _workbook(path: Path, *, header: list[str] = HEADER, above: tuple[str | None, ...] = ()) -> Path:
    """The clients sheet, with the rows `above` (a report's title, or None for an empty row) over its header."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("clients")
    day_first = book.add_format({"num_format": "dd/mm/yyyy"})
    for index, title in enumerate(above):
        if title is not None:
            sheet.write_string(index, 0, title)
    top = len(above)  # the header's index; Excel numbers it top + 1
    sheet.write_row(top, 0, header)
    sheet.write_row(top + 1, 0, [1, "José", "Müller"])
    sheet.write_datetime(top + 1, 3, dt.datetime(1980, 3, 2), day_first)  # a date cell
    sheet.write_string(top + 1, 4, "$1,234.50")  # a formatted amount typed as text
    sheet.write_row(top + 1, 5, ["yes", "a note", '{"ref": "A1"}'])
    # the row below left blank
    sheet.write_row(top + 3, 0, [2, "Zoë", "O'Brien", 27376, 12.5, False])  # a serial day number: 13/12/1974
    sheet.write_row(top + 4, 0, [3, "Ann", "Smith", "02/03/1980", None, "no"])  # a text date, day first (NZ)
    sheet.write_row(top + 5, 0, [4, "Bo", "Lee", "00/00/0000"])
    book.add_worksheet("notes").write(0, 0, "a sheet of the workbook that is not a resource")
    book.close()
    return path


def _load(
    tmp_path: Path, header: list[str] = HEADER, above: tuple[str | None, ...] = (), location: dict | None = None
) -> Warehouse:
    return _load_book(tmp_path, _workbook(tmp_path / "export.xlsx", header=header, above=above), location)


def _load_book(tmp_path: Path, book: Path, location: dict | None = None) -> Warehouse:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    load_raw_resource(warehouse, SYSTEM, "clients", book, "trial", location=ExportSource(dump=book, **(location or {})))
    return warehouse


def _numbers(warehouse: Warehouse) -> list[tuple[int, int]]:
    with warehouse.connect() as con:
        return con.execute("select _source_record, id from raw_csvtest.clients order by 1").fetchall()


def test_a_sheet_reads_typed_with_its_rows_numbered_as_excel_shows_them(tmp_path: Path) -> None:
    with _load(tmp_path).connect() as con:
        rows = con.execute(
            "select _source_record, _source_file, id, first_name, date_of_birth, balance, active, _read_issues "
            "from raw_csvtest.clients order by _source_record"
        ).fetchall()
    assert [r[0] for r in rows] == [2, 4, 5, 6]  # the blank row 3 is skipped, not renumbered
    assert all(r[1].endswith("export.xlsx#clients") for r in rows)
    assert rows[0][2:7] == (1, "José", dt.date(1980, 3, 2), Decimal("1234.5000"), True)
    assert rows[1][4:7] == (dt.date(1974, 12, 13), Decimal("12.5000"), False)
    assert rows[2][4] == dt.date(1980, 3, 2)  # "02/03/1980" in the NZ profile: 2 March
    assert rows[3][4] is None and "date_of_birth:placeholder_date" in rows[3][7]


def test_a_renamed_header_is_refused_naming_workbook_sheet_and_column(tmp_path: Path) -> None:
    renamed = [("dob" if h == "date_of_birth" else h) for h in HEADER]
    with pytest.raises(RawReadError, match=r"export\.xlsx#clients: column 'date_of_birth' missing from the header"):
        _load(tmp_path, header=renamed)


def test_the_export_layout_lists_a_missing_sheet(tmp_path: Path) -> None:
    book = _workbook(tmp_path / "export.xlsx")
    assert SYSTEM.completeness is not None
    assert SYSTEM.completeness.problems(book) == []
    assert CLIENTS.required
    other = tmp_path / "folder"
    other.mkdir()
    assert SYSTEM.completeness.problems(other) == [
        f"{other / 'clients.csv'}: missing (expected one CSV file per table, or one workbook)"
    ]


# A report's title on row 1 and an empty row 2 above the header on row 3; then the same with row 1 empty too,
# which calamine does not return at all (its rows start at the first row holding a value).
TITLE_ABOVE = ("Client list - all sites", None)
EMPTY_THEN_TITLE = (None, "Client list - all sites", None)


@pytest.mark.parametrize("above", [TITLE_ABOVE, EMPTY_THEN_TITLE], ids=["title-row-1", "empty-row-1"])
def test_rows_below_a_header_under_title_rows_are_numbered_as_excel_shows_them(
    tmp_path: Path, above: tuple[str | None, ...]
) -> None:
    header_row = len(above) + 1
    # Before, the title row was taken for the header (row 1) and the sheet refused; its rows counted from 2.
    assert _numbers(_load(tmp_path, above=above)) == [
        (header_row + n, id_) for n, id_ in ((1, 1), (3, 2), (4, 3), (5, 4))
    ]


def test_a_declared_header_row_is_the_row_excel_shows(tmp_path: Path) -> None:
    warehouse = _load(tmp_path, above=EMPTY_THEN_TITLE, location={"read": ReadOverrides(header_line=4)})
    assert _numbers(warehouse)[0] == (5, 1)


def test_an_undeclared_date_names_its_sheet_row_below_title_rows(tmp_path: Path) -> None:
    iso_only = {"read": ReadOverrides(date_formats=["%Y-%m-%d"])}
    with pytest.raises(RawReadError) as error:
        _load(tmp_path, above=TITLE_ABOVE, location=iso_only)
    # Ann's "02/03/1980" (the date cells are read as dates whatever the formats): header row 3, Ann on row 7.
    assert "export.xlsx#clients: column 'date_of_birth': dates shaped DD/MM/YYYY or MM/DD/YYYY" in str(error.value)
    assert "(e.g. row 7)" in str(error.value)


def test_a_sheet_without_the_key_column_in_its_first_rows_is_refused_naming_it(tmp_path: Path) -> None:
    renamed = [("client_number" if h == "id" else h) for h in HEADER]
    with pytest.raises(RawReadError, match=r"export\.xlsx#clients: no header row holding column 'id' in the first 20"):
        _load(tmp_path, header=renamed, above=TITLE_ABOVE)


# The reader scans a worksheet part in chunks of this many bytes (sources/xlsx_reader.py _XML_CHUNK).
CHUNK = 1 << 16
SHEET_PART = "xl/worksheets/sheet1.xml"  # the clients sheet, xlsxwriter's first


def _with_sheet_part(book: Path, rewrite: Callable[[bytes], bytes]) -> Path:
    """`book` with its clients sheet's XML replaced by `rewrite(xml)`."""
    with zipfile.ZipFile(book) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts[SHEET_PART] = rewrite(parts[SHEET_PART])
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return book


def _doctype_at(xml: bytes, offset: int) -> bytes:
    """The part with a DTD declaration (no internal entities: only `<!DOCTYPE` marks it) starting at byte
    `offset`, padded before it with a prolog comment."""
    declaration, rest = xml.split(b"?>", 1)
    head = declaration + b"?>\n<!--"
    padding = offset - len(head) - len(b"-->\n")
    assert padding > 0
    return head + b" " * padding + b'-->\n<!DOCTYPE worksheet SYSTEM "worksheet.dtd">' + rest.lstrip(b"\r\n")


@pytest.mark.parametrize("straddle", [4, 0, 9], ids=["split-in-two", "starting-a-chunk", "ending-a-chunk"])
def test_a_dtd_across_a_chunk_boundary_is_refused(tmp_path: Path, straddle: int) -> None:
    """Each chunk was checked on its own: `<!DO` ending one chunk and `CTYPE` starting the next passed."""
    book = _with_sheet_part(_workbook(tmp_path / "export.xlsx"), lambda xml: _doctype_at(xml, CHUNK - straddle))
    with zipfile.ZipFile(book) as parts:
        assert parts.read(SHEET_PART)[CHUNK - straddle :].startswith(b"<!DOCTYPE")
    with pytest.raises(RawReadError, match=r"the sheet's rows cannot be read \(not a well-formed XLSX part\)"):
        first_used_row(book, "clients", "export.xlsx#clients")
    with pytest.raises(RawReadError, match=r"export\.xlsx#clients: the sheet's rows cannot be read"):
        _load_book(tmp_path, book)


def test_a_dtd_in_a_utf16_part_is_refused(tmp_path: Path) -> None:
    """An XLSX part may be UTF-16 (ECMA-376 Part 2); its `<!DOCTYPE` is not the UTF-8 bytes."""

    def utf16(xml: bytes) -> bytes:
        text = _doctype_at(xml, 200).decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
        return text.encode("utf-16")

    book = _with_sheet_part(_workbook(tmp_path / "export.xlsx"), utf16)
    with pytest.raises(RawReadError, match=r"not a well-formed XLSX part"):
        first_used_row(book, "clients", "export.xlsx#clients")


def test_a_part_without_a_dtd_across_a_chunk_boundary_still_reads(tmp_path: Path) -> None:
    """The carried overlap changes nothing for a part without a DTD longer than a chunk."""

    def padded(xml: bytes) -> bytes:
        declaration, rest = xml.split(b"?>", 1)
        return declaration + b"?>\n<!--" + b" " * (CHUNK + 100) + b"-->" + rest

    book = _with_sheet_part(_workbook(tmp_path / "export.xlsx", above=TITLE_ABOVE), padded)
    assert first_used_row(book, "clients", "export.xlsx#clients") == 1
    assert _numbers(_load_book(tmp_path, book))[0] == (len(TITLE_ABOVE) + 2, 1)
