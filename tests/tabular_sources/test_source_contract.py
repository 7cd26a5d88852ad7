"""The source contract: the customer's source block validated by the system's own location models, the
completeness rule without a manifest (checksums computed by the sensor), and read options merged from the
system's profile and the customer's overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from config_helpers import valid_config

from customers import CustomerConfigError, parse_customer_config
from sources.cliniko.location import ClinikoApiSource
from sources.completeness import ComputedChecksumsRule
from sources.locations import DumpSource, ExportSource, ReadOverrides
from sources.manifest import MANIFEST_FILE
from sources.raw_contract import ReadOptions


def _config(source: dict[str, Any]) -> dict[str, Any]:
    return {**valid_config("dumps/trial", "dumps/live"), "source": source}


def test_each_system_validates_its_source_block_with_its_own_models() -> None:
    api = {"api_key_env": "PM_HARBOUR_PHYSIO__CLINIKO_KEY", "user_agent": "Migrator (ops@example.org)"}
    config = parse_customer_config(_config({"system": "cliniko", "trial": api}), "customer.yaml")
    assert isinstance(config.source.trial, ClinikoApiSource)
    assert config.secret_env_names()["source.trial.api_key_env"] == "PM_HARBOUR_PHYSIO__CLINIKO_KEY"
    dump = parse_customer_config(_config({"system": "gensolve", "trial": {"dump": "x.duckdb"}}), "customer.yaml")
    assert type(dump.source.trial) is DumpSource
    # Gensolve has no API location: the key is unknown there, and the error keeps its place.
    with pytest.raises(CustomerConfigError, match=r"source\.trial\.api_key_env: unknown key"):
        parse_customer_config(_config({"system": "gensolve", "trial": api}), "customer.yaml")


def test_a_read_block_is_refused_for_a_system_that_takes_none() -> None:
    source = {"system": "cliniko", "trial": {"dump": "d", "read": {"delimiter": ";"}}}
    with pytest.raises(CustomerConfigError, match=r"source\.trial\.read: unknown key"):
        parse_customer_config(_config(source), "customer.yaml")


def test_an_export_location_overrides_the_system_profile() -> None:
    profile = ReadOptions(encoding=None, date_formats=("%d/%m/%Y",), delimiter=None)
    detected = ExportSource(dump=Path("x")).read_options(profile)
    assert (detected.encoding, detected.delimiter, detected.date_formats) == (None, None, ("%d/%m/%Y",))
    stated = ExportSource(
        dump=Path("x"), encoding="cp1252", read=ReadOverrides(delimiter=";", date_formats=["%m/%d/%Y"])
    ).read_options(profile)
    assert (stated.encoding, stated.delimiter, stated.date_formats) == ("cp1252", ";", ("%m/%d/%Y",))
    assert DumpSource(dump=Path("x"), encoding="cp1252").read_options(None).encoding == "cp1252"
    # A system declaring its code page (Comsense: cp1252) keeps it unless the customer says `detect`.
    code_page = ReadOptions(encoding="cp1252")
    assert ExportSource(dump=Path("x")).read_options(code_page).encoding == "cp1252"
    assert ExportSource(dump=Path("x"), encoding="detect").read_options(code_page).encoding is None
    assert ExportSource(dump=Path("x"), encoding="utf-8").read_options(code_page).encoding == "utf-8"


def _rule() -> ComputedChecksumsRule:
    return ComputedChecksumsRule(missing=lambda folder: [] if (folder / "a.csv").exists() else ["a.csv missing"])


def test_without_a_manifest_the_checksums_are_computed_and_follow_the_content(tmp_path: Path) -> None:
    rule = _rule()
    first, second = tmp_path / "one", tmp_path / "two"
    for folder in (first, second):
        (folder / "sub").mkdir(parents=True)
        (folder / "a.csv").write_text("id\n1\n")
        (folder / "sub" / "b.pdf").write_bytes(b"%PDF")
    assert rule.problems(first) == []
    assert rule.fingerprint(first) == rule.fingerprint(second)  # identity of content, not of folder
    before = rule.fingerprint(first)
    (first / "sub" / "b.pdf").write_bytes(b"%PDF-1.7")  # a file still being copied
    assert rule.fingerprint(first) != before
    (second / "a.csv").unlink()
    assert rule.problems(second) == ["a.csv missing"]


def test_a_symbolic_link_in_a_delivery_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.csv").write_text("id\n")
    (folder / "link.csv").symlink_to("/etc/hostname")
    assert _rule().problems(folder) == [f"{folder / 'link.csv'}: a symbolic link (refused, not read)"]


def test_a_delivered_manifest_is_still_checked(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id\n")
    (tmp_path / MANIFEST_FILE).write_text('{"files": [{"path": "a.csv", "bytes": 1, "sha256": "' + "0" * 64 + '"}]}')
    problems = _rule().problems(tmp_path)
    assert len(problems) == 1 and "the manifest says 1" in problems[0]
