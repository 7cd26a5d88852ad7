"""The CSV format reader on exports as practices really deliver them: encodings, mojibake, delimiters,
title lines, multi-line notes, a broken-quoted row, dates only in declared formats, placeholder dates,
formatted amounts and JSON in cells. Each test loads through the raw layer into a real DuckDB file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from sources.base import FieldType, RawReadError, ResourceSpec, SourceSystem
from sources.formats import ExportLayout
from sources.locations import ExportSource, ReadOverrides
from sources.raw_contract import ReadOptions
from sources.raw_layer import load_raw_resource
from store import Warehouse

F = FieldType
CLIENTS = ResourceSpec(
    name="clients",
    grain="one row per client",
    fields={
        "id": F.INTEGER,
        "first_name": F.TEXT,
        "last_name": F.TEXT,
        "date_of_birth": F.DATE,
        "balance": F.DECIMAL,
        "active": F.BOOLEAN,
        "notes": F.TEXT,
        "custom": F.JSON,
    },
)
LAYOUT = ExportLayout((CLIENTS,))
NZ_PROFILE = ReadOptions(encoding=None, date_formats=("%d/%m/%Y",))
SYSTEM = SourceSystem(
    name="csvtest",
    title="CSV test export",
    resources={"clients": CLIENTS},
    read_resource=LAYOUT.read_resource,
    read_options=NZ_PROFILE,
    completeness=LAYOUT.completeness(),
    location_models=(ExportSource,),
)
HEADER = "id,first_name,last_name,date_of_birth,balance,active,notes,custom\n"
ROWS = (
    '1,José,Müller,02/03/1980,"$1,234.50",yes,"first visit\nsecond line",{"ref": "A1"}\n'
    "2,Zoë,O'Brien,13/12/1975,12.00,no,,\n"
    "3,Ann,Smith,00/00/0000,(5.25),Y,,[1]\n"
)
COLUMNS = "id, first_name, last_name, date_of_birth, balance, active, notes, custom::varchar"


def _load(tmp_path: Path, text: str | bytes, location: ExportSource | None = None, name: str = "w") -> Warehouse:
    dump = tmp_path / f"{name}-export"
    dump.mkdir()
    (dump / "clients.csv").write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    warehouse = Warehouse(tmp_path / f"{name}.duckdb")
    location = location or ExportSource(dump=dump)
    load_raw_resource(warehouse, SYSTEM, "clients", dump, "trial", location=location)
    return warehouse


def _rows(warehouse: Warehouse, columns: str = COLUMNS) -> list[tuple]:
    with warehouse.connect() as con:
        return con.execute(f"select {columns} from raw_csvtest.clients order by _source_record").fetchall()


def test_utf8_bom_and_cp1252_exports_read_identically_and_record_their_encoding(tmp_path: Path) -> None:
    text = HEADER + ROWS
    exports = {
        "utf8": text.encode("utf-8"),
        "bom": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "cp1252": text.encode("cp1252"),
    }
    loaded = {name: _load(tmp_path, data, name=name) for name, data in exports.items()}
    expected = _rows(loaded["utf8"])
    assert expected[0][1:3] == ("José", "Müller")
    for name, warehouse in loaded.items():
        assert _rows(warehouse) == expected, name
    encodings = {n: _rows(w, "distinct _source_encoding") for n, w in loaded.items()}
    assert encodings == {"utf8": [("utf-8",)], "bom": [("utf-8",)], "cp1252": [("cp1252",)]}


def test_mojibake_is_repaired_and_reported_per_cell(tmp_path: Path) -> None:
    # UTF-8 bytes that went through cp1252 once: "José" arrives as "JosÃ©".
    garbled = "José".encode().decode("cp1252")
    warehouse = _load(tmp_path, HEADER + ROWS.replace("José", garbled))
    with warehouse.connect() as con:
        first, issues = con.execute("select first_name, _read_issues from raw_csvtest.clients where id = 1").fetchone()
    assert first == "José"
    assert "first_name:mojibake_repaired" in issues


def test_nz_dates_are_day_first_and_placeholders_become_null_with_a_finding(tmp_path: Path) -> None:
    warehouse = _load(tmp_path, HEADER + ROWS)
    rows = _rows(warehouse, "id, date_of_birth, _read_issues")
    assert rows[0][1] == dt.date(1980, 3, 2)  # 02/03/1980 in an NZ export is 2 March
    assert rows[1][1] == dt.date(1975, 12, 13)
    assert rows[2][1] is None
    assert "date_of_birth:placeholder_date" in rows[2][2]


def test_1900_placeholder_is_null_too(tmp_path: Path) -> None:
    warehouse = _load(tmp_path, HEADER + ROWS.replace("00/00/0000", "01/01/1900"))
    assert _rows(warehouse, "date_of_birth, _read_issues")[2] == (None, "date_of_birth:placeholder_date")


def test_an_undeclared_ambiguous_date_format_fails_naming_file_column_and_line(tmp_path: Path) -> None:
    iso_only = ExportSource(dump=tmp_path, read=ReadOverrides(date_formats=["%Y-%m-%d"]))
    with pytest.raises(RawReadError) as error:
        _load(tmp_path, HEADER + ROWS, location=iso_only)
    message = str(error.value)
    assert "clients.csv" in message
    assert "column 'date_of_birth'" in message
    assert "ambiguous" in message
    assert "line 2" in message  # the first data line: the header is line 1
    assert "02/03/1980" not in message  # never the value
    with pytest.raises(Exception):  # noqa: B017 - the refused file left no table behind
        _rows(Warehouse(tmp_path / "w.duckdb"))


def test_a_broken_quoted_row_is_quarantined_with_its_line_and_every_other_row_loads(tmp_path: Path) -> None:
    broken = '4,"Unclosed,Quote,01/01/1990,1.00,yes,,\n'
    after = "5,Eve,Jones,05/06/1991,2.00,no,,\n"
    warehouse = _load(tmp_path, HEADER + ROWS + broken + after)
    rows = _rows(warehouse, "_source_record, id, last_name, _read_issues")
    # Lines: header 1; record 1 spans lines 2-3 (a quoted note with a line break); then 4, 5, 6 broken, 7.
    assert [r[0] for r in rows] == [2, 4, 5, 6, 7]
    assert rows[3] == (6, None, None, "(row):broken_quoting")
    assert rows[4][1:3] == (5, "Jones")
    assert _rows(warehouse, "notes")[0] == ("first visit\nsecond line",)


def test_values_are_typed_by_the_spec(tmp_path: Path) -> None:
    rows = _rows(_load(tmp_path, HEADER + ROWS), "balance, active, custom::varchar, _read_issues")
    assert rows[0][:3] == (Decimal("1234.5000"), True, '{"ref":"A1"}')
    assert rows[2][:2] == (Decimal("-5.2500"), True)  # accounting negative, "Y"
    assert rows[2][2] == "[1]"


def test_malformed_json_in_a_cell_is_a_read_issue_and_the_cell_is_kept_in_record(tmp_path: Path) -> None:
    warehouse = _load(tmp_path, HEADER + ROWS.replace('{"ref": "A1"}', '"{""ref"": "'))
    with warehouse.connect() as con:
        custom, issues, delivered = con.execute(
            "select custom, _read_issues, _record->>'custom' from raw_csvtest.clients where id = 1"
        ).fetchone()
    assert custom is None
    assert "custom:invalid_json" in issues
    assert delivered == '{"ref": '


def test_semicolon_delimiter_and_a_title_line_above_the_header_are_detected(tmp_path: Path) -> None:
    text = "Client export - Harbour Physio\n" + (HEADER + ROWS).replace(",", ";").replace('"$1;234.50"', "12.00")
    rows = _rows(_load(tmp_path, text), "_source_record, id, last_name")
    assert rows[0] == (3, 1, "Müller")
    assert len(rows) == 3


def test_a_customer_override_names_the_delimiter_and_header_line(tmp_path: Path) -> None:
    text = "title|x\nsecond title\n" + (HEADER + ROWS).replace(",", "|").replace('"$1|234.50"', "12.00")
    location = ExportSource(dump=tmp_path, read=ReadOverrides(delimiter="|", header_line=3))
    rows = _rows(_load(tmp_path, text, location=location), "id, first_name")
    assert rows == [(1, "José"), (2, "Zoë"), (3, "Ann")]


def test_a_missing_column_is_refused_naming_file_and_column(tmp_path: Path) -> None:
    with pytest.raises(RawReadError, match=r"clients\.csv: column 'balance' missing from the header"):
        _load(tmp_path, (HEADER + ROWS).replace("balance", "amount"))


def test_a_few_cp1252_lines_in_a_utf8_export_are_transcoded_and_reported(tmp_path: Path) -> None:
    # A Windows tool appended one row to a UTF-8 export: that line alone is cp1252.
    appended = "4,Renée,Dupré,05/06/1991,2.00,no,,\n"
    data = (HEADER + ROWS).encode("utf-8") + appended.encode("cp1252")
    rows = _rows(_load(tmp_path, data), "id, first_name, last_name, _source_encoding, _read_issues")
    assert rows[0][1:4] == ("José", "Müller", "utf-8")  # the UTF-8 lines are read as UTF-8
    assert rows[3] == (4, "Renée", "Dupré", "cp1252", "first_name:encoding_repaired;last_name:encoding_repaired")


@pytest.mark.parametrize("order", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read_in_the_order_its_nul_bytes_show(tmp_path: Path, order: str) -> None:
    # Before: detection took these bytes for cp1252 and every other character of every cell was a NUL.
    expected = _rows(_load(tmp_path, HEADER + ROWS, name="utf8"))
    warehouse = _load(tmp_path, (HEADER + ROWS).encode(order), name=order)
    assert _rows(warehouse) == expected
    assert _rows(warehouse, "distinct _source_encoding") == [(order,)]


@pytest.mark.parametrize("declared", ["utf-16", "utf-16-le"])
def test_a_customer_declares_utf16_for_a_file_without_a_mark(tmp_path: Path, declared: str) -> None:
    dump = tmp_path / "w-export"
    location = ExportSource(dump=dump, encoding=declared)
    rows = _rows(_load(tmp_path, (HEADER + ROWS).encode("utf-16-le"), location=location), "id, first_name")
    assert rows == [(1, "José"), (2, "Zoë"), (3, "Ann")]


def test_utf16_in_a_file_declared_another_encoding_is_refused_naming_file_and_expectation(tmp_path: Path) -> None:
    dump = tmp_path / "w-export"
    with pytest.raises(RawReadError) as error:
        _load(tmp_path, (HEADER + ROWS).encode("utf-16-le"), location=ExportSource(dump=dump, encoding="cp1252"))
    message = str(error.value)
    assert "clients.csv: the bytes look like UTF-16 (UTF-16-LE) without a byte-order mark" in message
    assert "expected cp1252 text as declared" in message
    assert "utf-16-le or utf-16-be" in message


def test_a_declared_byte_order_the_bytes_contradict_is_refused(tmp_path: Path) -> None:
    dump = tmp_path / "w-export"
    with pytest.raises(RawReadError, match=r"clients\.csv: utf-16-be declared but the bytes are utf-16-le"):
        _load(tmp_path, (HEADER + ROWS).encode("utf-16-le"), location=ExportSource(dump=dump, encoding="utf-16-be"))


def test_bytes_mostly_nul_in_no_clear_order_are_refused_not_read_as_a_code_page(tmp_path: Path) -> None:
    # A third of the characters little-endian, the rest big-endian: NULs in both positions.
    scrambled = b"".join(bytes([0, c] if i % 3 else [c, 0]) for i, c in enumerate(HEADER.encode() * 20))
    with pytest.raises(RawReadError, match=r"clients\.csv: the bytes look like UTF-16 of no clear byte order"):
        _load(tmp_path, scrambled)


def test_a_stray_nul_in_a_cell_still_loads(tmp_path: Path) -> None:
    rows = _rows(_load(tmp_path, HEADER + ROWS.replace("Ann", "An\x00n")), "id, first_name")
    assert rows[2] == (3, "An\x00n")  # as delivered: one NUL is no encoding
