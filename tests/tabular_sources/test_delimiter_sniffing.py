"""The delimiter of an export with a report writer's title line above its header (research/sources-round2.md
§4): the rows outvote the title, whatever it holds; quoted delimiters do not count."""

from __future__ import annotations

from pathlib import Path

import pytest

from proposals.tables import read_tables
from sources.csv_reader import sniff_delimiter


def _lines(*texts: str) -> list[tuple[int, str]]:
    return [(number, text + "\n") for number, text in enumerate(texts, start=1)]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (_lines("Patient list printed 03/03/2026", "Id;Surname;DOB", "1;Ngata;02/03/1980", "2;Smith, Jr;1970"), ";"),
        (_lines("Report: Patients", "Id|Surname|DOB", "1|Ngata|02/03/1980"), "|"),
        (_lines("Clinic A - patients, all sites", "Id\tSurname", "1\tNgata", "2\tLee"), "\t"),
        (_lines("id,name,notes", '1,"Ngata; Aroha","a|b"', "2,Lee,x"), ","),
        (_lines("id;name", "", "1;Ngata", "2;Lee"), ";"),
    ],
)
def test_the_rows_decide_the_delimiter(lines: list[tuple[int, str]], expected: str) -> None:
    assert sniff_delimiter(lines, '"') == expected


def test_a_titled_semicolon_export_reads_into_its_columns(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "patients.csv").write_text(
        "Patient list, printed 03/03/2026\nId;Surname;DOB\n1;Ngata;02/03/1980\n2;Lee;05/06/1970\n", encoding="utf-8"
    )
    frame = read_tables(folder)["patients"]
    assert frame.columns == ["Id", "Surname", "DOB"]
    assert frame["Surname"].to_list() == ["Ngata", "Lee"]
