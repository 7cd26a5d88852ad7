"""Profiling a delivered dump: kinds, counts, date-order evidence and candidate keys — never a value."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import polars as pl
import pytest

from proposals.profile import profile_column, profile_dump
from proposals.tables import DumpReadError, read_tables


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


def _workbook(path: Path, sheet_xml: str) -> Path:
    parts = {
        "[Content_Types].xml": "<Types/>",
        "xl/workbook.xml": '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Patients" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/sharedStrings.xml": '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>Surname</t></si><si><t>DOB</t></si><si><t>Ngata</t></si></sst>",
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    with zipfile.ZipFile(path, "w") as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return path


SHEET = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="inlineStr"><is><t>25/03/1980</t></is></c></row>'
    '<row r="3"><c r="B3"><v>12345</v></c></row>'
    "</sheetData></worksheet>"
)


def test_an_xlsx_workbook_reads_as_text_tables(tmp_path: Path) -> None:
    tables = read_tables(_workbook(tmp_path / "export.xlsx", SHEET))
    assert list(tables) == ["Patients"]
    assert tables["Patients"].to_dict(as_series=False) == {"Surname": ["Ngata", None], "DOB": ["25/03/1980", "12345"]}


def test_a_workbook_part_with_a_dtd_is_refused(tmp_path: Path) -> None:
    hostile = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + SHEET
    with pytest.raises(DumpReadError, match="declares a DTD"):
        read_tables(_workbook(tmp_path / "export.xlsx", hostile))


def test_a_folder_without_csv_files_is_named(tmp_path: Path) -> None:
    with pytest.raises(DumpReadError, match="expected CSV files"):
        read_tables(tmp_path)


def test_a_cp1252_export_reads_as_declared(tmp_path: Path) -> None:
    (tmp_path / "Patients.csv").write_bytes("Surname,Town\nMāori-free Zoë,Ōtaki\n".encode())
    (tmp_path / "Notes.csv").write_bytes("Body\nCafé résumé\n".encode("cp1252"))
    with pytest.raises(DumpReadError, match=r"Notes\.csv: not a readable CSV file in utf-8"):
        read_tables(tmp_path)
    (tmp_path / "Patients.csv").unlink()
    assert read_tables(tmp_path, "cp1252")["Notes"]["Body"].to_list() == ["Café résumé"]
