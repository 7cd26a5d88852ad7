"""The review page and the command line: choices with evidence, sample rows source → canonical, unmapped
columns and unmatched fields on the page (the customer's own); no personal value in the proposal record."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from practice_migrate.cli import main


def _write_dump(folder: Path) -> Path:
    folder.mkdir()
    pl.DataFrame(
        {
            "PTNT_ID": ["1", "2", "3"],
            "PTNT_SURNAME": ["Ngata", "Whitcombe", "Brown"],
            "PTNT_FIRSTNAME": ["Aroha", "Jo", "Sam"],
            "PTNT_DOB": ["25/03/1980", "03/04/1975", "01/02/1990"],
            "PTNT_FAVOURITE_COLOUR": ["teal", "ochre", "plum"],
        }
    ).write_csv(folder / "PTNT.csv")
    return folder


def test_the_review_page_shows_choices_samples_and_gaps(tmp_path: Path) -> None:
    dump, out = _write_dump(tmp_path / "dump"), tmp_path / "proposal"
    assert main(["mapping", "propose", "--dump", str(dump), "--system", "acme", "--out", str(out)]) == 0
    page = (out / "review.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page
    assert "PTNT_SURNAME" in page and "last_name" in page and "SCREAMING_SNAKE" in page  # choice with its evidence
    assert "date format %d/%m/%Y" in page
    assert "Whitcombe" in page  # a sample row, delivered …
    assert "1980-03-25" in page  # … and as canonical
    assert "PTNT_FAVOURITE_COLOUR" in page.split("Unmapped columns")[1]
    assert "preferred_name" in page.split("Canonical fields no column fills")[1]
    record = (out / "proposal.json").read_text(encoding="utf-8")
    assert "Whitcombe" not in record and "25/03/1980" not in record and "ochre" not in record
    assert (out / "proposed.yaml").read_text(encoding="utf-8").startswith("format_version: 1")


def test_confirm_names_what_is_missing(tmp_path: Path, capsys) -> None:
    assert main(["mapping", "--home", str(tmp_path), "confirm", "--customer", "nobody", "--accepted-by", "X"]) == 1
    assert "is not registered" in capsys.readouterr().err
    assert main(["mapping", "propose", "--dump", str(tmp_path)]) == 2
