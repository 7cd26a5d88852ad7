"""Profiling a delivered dump: kinds, counts, date-order evidence and candidate keys — never a value."""

from __future__ import annotations

import codecs
import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from proposals.profile import profile_column, profile_dump
from proposals.tables import DumpReadError, dump_layout, read_tables
from sources.base import FieldType, ResourceSpec
from sources.raw_contract import ReadOptions
from sources.sqlserver.definitions import ColumnDefinition, TableDefinition, columns_export


def dump_values(tables: dict[str, pl.DataFrame]) -> set[str]:
    """Every delivered cell long enough to be recognisable (4+ characters, not a bare count)."""
    values = set()
    for frame in tables.values():
        for column in frame.columns:
            for value in frame[column].drop_nulls().unique().to_list():
                if len(value) >= 4 and not (value.isdigit() and len(value) < 6):
                    values.add(value)
    return values


def test_every_table_and_column_is_profiled_by_kind(export_tables: dict[str, pl.DataFrame]) -> None:
    profile = profile_dump(export_tables)
    assert set(profile.tables) == set(export_tables)
    client = profile.tables["gpm_client"]
    assert [c.name for c in client.columns] == export_tables["gpm_client"].columns
    kinds = {c.name: c.kind for c in client.columns}
    assert kinds["email"] == "email"
    assert kinds["mobile_phone"] == "phone:NZ"
    assert kinds["nhi"] == "identifier:nhi"
    assert kinds["date_of_birth"] == "date"
    assert kinds["created_at"] == "instant"
    assert kinds["is_archived"] == "boolean"
    assert kinds["sex"] == "enumeration"
    assert kinds["mig_key"] == "canonical_id"
    assert profile.tables["gpm_invoice"].column("total_amount").kind == "money"
    assert profile.tables["gpm_clinical_note"].column("body_original").kinds.get("html")
    mig_key = client.column("mig_key")
    assert mig_key.unique and mig_key.null_rate == 0 and mig_key.distinct == export_tables["gpm_client"].height
    sex = client.column("sex")
    assert sex.enumeration is not None and sum(sex.enumeration) == export_tables["gpm_client"]["sex"].count()
    assert client.column("date_of_birth").dates is not None
    assert client.column("date_of_birth").dates.decided == "%Y-%m-%d"


def test_candidate_keys_by_value_overlap(export_tables: dict[str, pl.DataFrame]) -> None:
    profile = profile_dump(export_tables)
    keys = {(fk.parent, fk.parent_column) for fk in profile.keys_from("gpm_appointment", "client_key")}
    assert ("gpm_client", "mig_key") in keys
    assert not any(fk.parent == "gpm_practitioner" for fk in profile.keys_from("gpm_appointment", "client_key"))


def leaked_values(tables: dict[str, pl.DataFrame], text: str, own_words: set[str]) -> list[str]:
    """Dump values found in `text` once the words that are not values (table and column names, kind
    names, canonical names) are taken out: `cancelled_at` is a name, a `cancelled` left over is a value."""
    words = own_words | {n for f in tables.values() for n in f.columns} | set(tables)
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, " ")
    return sorted(v for v in dump_values(tables) if v not in words and v in text)


def test_a_profile_holds_shapes_and_counts_never_a_value(export_tables: dict[str, pl.DataFrame]) -> None:
    data = profile_dump(export_tables).as_dict()
    kinds = {c["kind"] for t in data["tables"].values() for c in t["columns"]}
    assert dump_values(export_tables), "the export has values to look for"
    assert leaked_values(export_tables, json.dumps(data), kinds) == []


def test_date_order_evidence_from_the_values() -> None:
    decided = profile_column(pl.Series("dob", ["25/03/1980", "03/04/1975", None]), 0)
    assert decided.kind == "date"
    assert decided.dates is not None and decided.dates.day_first == 1 and decided.dates.ambiguous == 1
    assert decided.dates.decided == "%d/%m/%Y"
    month_first = profile_column(pl.Series("dob", ["03/25/1980", "04/03/1975"]), 0)
    assert month_first.dates is not None and month_first.dates.decided == "%m/%d/%Y"
    ambiguous = profile_column(pl.Series("dob", ["03/04/1975", "01/02/1990"]), 0)
    assert ambiguous.dates is not None and ambiguous.dates.decided is None and ambiguous.dates.ambiguous == 2


def _workbook(path: Path) -> Path:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Patients")
    sheet.write_row(0, 0, ["Surname", "DOB", "Seen"])
    sheet.write_row(1, 0, ["Ngata", "25/03/1980"])
    sheet.write_datetime(1, 2, datetime(2024, 5, 1, 9, 30), book.add_format({"num_format": "dd/mm/yyyy hh:mm"}))
    sheet.write_number(2, 1, 12345)
    book.close()
    return path


def test_an_xlsx_workbook_reads_as_text_tables(tmp_path: Path) -> None:
    """Through the XLSX reader's engine: text as typed, a whole number without a decimal point, a date
    cell as its ISO text, an empty cell null."""
    tables = read_tables(_workbook(tmp_path / "export.xlsx"))
    assert list(tables) == ["Patients"]
    assert tables["Patients"].to_dict(as_series=False) == {
        "Surname": ["Ngata", None],
        "DOB": ["25/03/1980", "12345"],
        "Seen": ["2024-05-01 09:30:00", None],
    }


def test_a_workbook_sheets_header_is_found_below_its_title_rows(tmp_path: Path) -> None:
    """A report-style sheet (title and date lines, a blank row, then the header) reads from its header row,
    found as the CSV reader finds it; a sheet without title rows still reads from its first row, and a
    declared header_line wins."""
    path = tmp_path / "report.xlsx"
    book = xlsxwriter.Workbook(path)
    titled = book.add_worksheet("Patients")
    titled.write_row(0, 0, ["Practice report - Patients"])
    titled.write_row(1, 0, ["Printed 01/05/2024"])
    titled.write_row(3, 0, ["Id", "Surname", "DOB", "Notes"])
    titled.write_row(4, 0, ["1", "Ngata", "25/03/1980", "first"])
    titled.write_row(5, 0, ["2", "Parata", "01/02/1990"])
    plain = book.add_worksheet("Sites")
    plain.write_row(0, 0, ["Id", "Name"])
    plain.write_row(1, 0, ["1", "Main street"])
    book.close()
    tables = read_tables(path)
    assert tables["Patients"].to_dict(as_series=False) == {
        "Id": ["1", "2"],
        "Surname": ["Ngata", "Parata"],
        "DOB": ["25/03/1980", "01/02/1990"],
        "Notes": ["first", None],
    }
    assert tables["Sites"].columns == ["Id", "Name"] and tables["Sites"].height == 1
    assert dump_layout(path)["Patients"] == ["Id", "Surname", "DOB", "Notes"]
    declared = read_tables(path, ReadOptions(encoding=None, header_line=5))["Patients"]
    assert declared.columns == ["1", "Ngata", "25/03/1980", "first"]


def test_a_sql_server_bcp_extract_reads_by_its_table_definitions(tmp_path: Path) -> None:
    """bcp files have no header: their columns are the delivered definitions' (INFORMATION_SCHEMA export),
    fields split at the format file's terminator or the detected one (cp1252, the Latin1 collation's code
    page); a record with another field count is left out; the wizard's CSV beside them keeps its header,
    and the definitions file is no table."""
    latin1 = "Latin1_General_CI_AS"
    definitions = [
        TableDefinition(
            "PATIENT",
            (ColumnDefinition("PTNT_ID", "int"), ColumnDefinition("PTNT_SURNAME", "varchar", latin1)),
        ),
        TableDefinition("APPOINTMENT", (ColumnDefinition("APNT_ID", "int"), ColumnDefinition("PTNT_ID", "int"))),
        TableDefinition("SHORTCODE", (ColumnDefinition("SHCD_ID", "int"), ColumnDefinition("SHCD_CODE", "varchar"))),
    ]
    (tmp_path / "INFORMATION_SCHEMA.COLUMNS.csv").write_text(columns_export(definitions), encoding="utf-8")
    (tmp_path / "PATIENT.dat").write_bytes("1\tNgata\r\n2\tZoë\r\n3\tbroken\textra\r\n4\t\r\n".encode("cp1252"))
    (tmp_path / "dbo.APPOINTMENT.bcp").write_text("11|1\n12|2\n", encoding="utf-8")
    (tmp_path / "dbo.APPOINTMENT.fmt").write_text(
        '14.0\n2\n1 SQLCHAR 0 12 "|" 1 APNT_ID ""\n2 SQLCHAR 0 12 "\\n" 2 PTNT_ID ""\n', encoding="utf-8"
    )
    (tmp_path / "SHORTCODE.csv").write_text("SHCD_ID,SHCD_CODE\n501,S1\n", encoding="utf-8")
    tables = read_tables(tmp_path)
    assert sorted(tables) == ["PATIENT", "SHORTCODE", "dbo.APPOINTMENT"]
    assert tables["PATIENT"].to_dict(as_series=False) == {
        "PTNT_ID": ["1", "2", "4"],
        "PTNT_SURNAME": ["Ngata", "Zoë", None],
    }
    assert tables["dbo.APPOINTMENT"].to_dict(as_series=False) == {"APNT_ID": ["11", "12"], "PTNT_ID": ["1", "2"]}
    assert tables["SHORTCODE"].columns == ["SHCD_ID", "SHCD_CODE"] and tables["SHORTCODE"].height == 1
    assert dump_layout(tmp_path)["PATIENT"] == ["PTNT_ID", "PTNT_SURNAME"]


def test_a_file_that_is_not_a_workbook_is_named(tmp_path: Path) -> None:
    (tmp_path / "export.xlsx").write_bytes(b"Surname,DOB\n")
    with pytest.raises(DumpReadError, match=r"export\.xlsx: not a readable XLSX workbook"):
        read_tables(tmp_path / "export.xlsx")


def test_a_folder_without_csv_files_is_named(tmp_path: Path) -> None:
    with pytest.raises(DumpReadError, match="expected CSV files"):
        read_tables(tmp_path)


def test_a_cp1252_export_reads_as_declared_or_detected(tmp_path: Path) -> None:
    (tmp_path / "Patients.csv").write_bytes("Surname,Town\nMāori-free Zoë,Ōtaki\n".encode())
    (tmp_path / "Notes.csv").write_bytes("Body\nCafé résumé\n".encode("cp1252"))
    with pytest.raises(DumpReadError, match=r"Notes\.csv: line 2: bytes are not utf-8 text"):
        read_tables(tmp_path, ReadOptions(encoding="utf-8"))
    detected = read_tables(tmp_path)
    assert detected["Notes"]["Body"].to_list() == ["Café résumé"]
    assert detected["Patients"]["Town"].to_list() == ["Ōtaki"]
    (tmp_path / "Patients.csv").unlink()
    assert read_tables(tmp_path, ReadOptions(encoding="cp1252"))["Notes"]["Body"].to_list() == ["Café résumé"]


def test_a_csv_reads_as_the_raw_layer_reads_it(tmp_path: Path) -> None:
    """Byte-order mark, `;` delimiter, a multi-line note kept whole and a record with a quote that never
    closes left out (the raw layer quarantines it), through the contract's CSV reader; a title line above
    a header is skipped."""
    text = 'Id;Surname;Note\r\n1;Ngata;"line one\r\nline two"\r\n2;"Walker;broken\r\n3;Parata;\r\n'
    (tmp_path / "Patients.csv").write_bytes(codecs.BOM_UTF8 + text.encode())
    (tmp_path / "Sites.csv").write_text("Site list exported 2024-05-01\nId,Name\n1,Main street\n", encoding="utf-8")
    tables = read_tables(tmp_path)
    assert tables["Patients"].to_dict(as_series=False) == {
        "Id": ["1", "3"],
        "Surname": ["Ngata", "Parata"],
        "Note": ["line one\r\nline two", None],
    }
    assert tables["Sites"].to_dict(as_series=False) == {"Id": ["1"], "Name": ["Main street"]}
    assert dump_layout(tmp_path) == {"Patients": ["Id", "Surname", "Note"], "Sites": ["Id", "Name"]}
    (tmp_path / "Patients.csv").unlink()  # declared options hold for every file of the dump
    declared = read_tables(tmp_path, ReadOptions(encoding=None, delimiter=",", header_line=2))["Sites"]
    assert declared.columns == ["Id", "Name"] and declared.height == 1


def test_a_system_resource_gets_the_raw_layers_column_names(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_text("Id,DateOfBirth,Extra\n1,1980-03-25,x\n", encoding="utf-8")
    spec = ResourceSpec(
        name="clients",
        grain="one row per client",
        fields={"id": FieldType.STRING, "date_of_birth": FieldType.DATE},
        key="id",
    )
    tables = read_tables(tmp_path, resources={"clients": spec})
    assert tables["clients"].columns == ["id", "date_of_birth", "Extra"]
    assert dump_layout(tmp_path, resources={"clients": spec}) == {"clients": ["id", "date_of_birth", "Extra"]}
