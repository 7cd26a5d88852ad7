"""`practice-migrate generate --system profile|ppmp|medtech|frontdesk` writes each system's SYNTHETIC
extract with its ground truth, and refuses a country the system's writer does not write."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from synthetic import cli as generate_cli


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="practice-migrate generate")
    generate_cli.add_arguments(parser)
    return generate_cli.run(parser.parse_args(argv))


@pytest.mark.parametrize(
    ("system", "country", "table_file"),
    [
        ("profile", "NZ", "PATIENT.dat"),
        ("ppmp", "AU", "PATIENTS.dat"),
        ("medtech", "NZ", "PATIENT.csv"),
        ("frontdesk", "AU", "PATIENTS.csv"),
    ],
)
def test_each_sql_extract_system_is_generated(tmp_path: Path, system: str, country: str, table_file: str) -> None:
    out = tmp_path / system
    argv = ["--system", system, "--country", country, "--clients", "15", "--defects", "0.1", str(out)]
    assert _cli(argv) == 0
    assert (out / table_file).is_file() and any(
        p.name in ("schema.sql", "INFORMATION_SCHEMA.COLUMNS.csv") for p in out.iterdir()
    )
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    assert truth["synthetic"].startswith("SYNTHETIC") and truth["defects"]


def test_a_country_the_writer_does_not_write_is_refused(tmp_path: Path) -> None:
    assert _cli(["--system", "profile", "--country", "AU", "--clients", "15", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()
