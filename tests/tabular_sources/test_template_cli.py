"""`practice-migrate template`: the empty template (XLSX and CSV) with headers, cell formats and notes;
`template validate` refusing a renamed header, a missing required column and an empty required cell,
naming sheet (or file), row (or line), column and what was expected."""

from __future__ import annotations

import csv
from pathlib import Path

import fastexcel
import pytest
import xlsxwriter

from practice_migrate.cli import main
from sources.template.settings import NOTES_SHEET, TABLES, WORKBOOK_FILE, columns
from sources.template.workbook import validate_template


def test_the_xlsx_template_has_a_sheet_per_table_with_its_header_and_the_notes(tmp_path: Path) -> None:
    assert main(["template", "--country", "NZ", "--format", "xlsx", str(tmp_path / "out")]) == 0
    book = fastexcel.read_excel(str(tmp_path / "out" / WORKBOOK_FILE))
    assert book.sheet_names == [*TABLES, NOTES_SHEET]
    clients = book.load_sheet("clients").to_polars()
    assert clients.columns == [c.name for c in columns("clients")] and clients.height == 0
    notes = book.load_sheet(NOTES_SHEET).to_polars()
    row = notes.filter((notes["table"] == "clients") & (notes["column"] == "date_of_birth")).row(0, named=True)
    assert (row["format"], row["required"], row["example"]) == ("a date, DD/MM/YYYY", "no", "02/03/1980")
    assert (tmp_path / "out" / "documents").is_dir()
    assert main(["template", "validate", str(tmp_path / "out")]) == 0


def test_the_csv_template_validates_when_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "--format", "csv", str(tmp_path)]) == 0
    with (tmp_path / "appointments.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == [c.name for c in columns("appointments")]
    assert main(["template", "validate", str(tmp_path)]) == 0
    assert "can be migrated" in capsys.readouterr().out


def _filled(path: Path, rename: tuple[str, str] | None = None) -> Path:
    """A workbook with one site and one client (an empty last name, an impossible date of birth), its
    clients header with one column renamed if asked."""
    book = xlsxwriter.Workbook(str(path))
    rows = {"sites": [["S1", "Harbour Clinic"]], "clients": [["C1", "", "Mere", "", "", "", "31/02/1980"]]}
    for table in TABLES:
        sheet = book.add_worksheet(table)
        header = [c.name for c in columns(table)]
        if rename and table == "clients":
            header = [rename[1] if h == rename[0] else h for h in header]
        sheet.write_row(0, 0, header)
        for number, row in enumerate(rows.get(table, []), start=1):
            sheet.write_row(number, 0, row)
    book.close()
    return path


def test_empty_required_cells_and_bad_dates_are_named_by_sheet_row_and_column(tmp_path: Path) -> None:
    book = _filled(tmp_path / WORKBOOK_FILE)
    problems = validate_template(book)
    assert f"{book}#clients: row 2, column 'last_name': required, found empty" in problems
    assert f"{book}#clients: row 2, column 'date_of_birth': expected a date, DD/MM/YYYY" in problems
    assert f"{book}#practitioners: row 2, column 'id': required, found empty" not in problems


def test_a_renamed_header_is_refused_naming_sheet_and_column(tmp_path: Path) -> None:
    book = _filled(tmp_path / WORKBOOK_FILE, rename=("last_name", "surname"))
    assert validate_template(book) == [f"{book}#clients: column 'last_name' missing from the header (row 1)"]


def test_a_missing_required_column_in_a_csv_is_refused_naming_file_and_column(tmp_path: Path) -> None:
    main(["template", "--format", "csv", str(tmp_path)])
    (tmp_path / "sites.csv").write_text("id,address_line_1\nS1,12 Quay Street\n", encoding="utf-8")
    problems = validate_template(tmp_path)
    assert f"{tmp_path / 'sites.csv'}: column 'name' missing from the header" in problems


def test_validate_shows_its_progress_on_stderr_and_its_result_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["template", "--format", "csv", str(tmp_path)])
    capsys.readouterr()
    (tmp_path / "sites.csv").write_text("id,address_line_1\nS1,12 Quay Street\n", encoding="utf-8")
    assert main(["template", "validate", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    tables = len(TABLES)
    assert "tables read" in captured.err and f"{tables}/{tables}" in captured.err
    assert "references checked" in captured.err
    assert "tables read" not in captured.out and "references checked" not in captured.out
    # the result is what validate_template finds, line by line, then the count
    problems = validate_template(tmp_path)
    assert captured.out.splitlines() == [*problems, f"{len(problems)} problems"]
