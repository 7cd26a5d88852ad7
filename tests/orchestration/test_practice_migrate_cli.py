"""The practice-migrate console script, run as a user runs it (a subprocess, exit codes, messages)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

SCRIPT = str(Path(sys.executable).parent / "practice-migrate")


def cli(*args: str, home: Path, dagster_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MIGRATION_HOME": str(home), "DAGSTER_HOME": str(dagster_home)}
    return subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def test_generate_then_add_list_validate(tmp_path: Path) -> None:
    home, dagster_home = tmp_path / "home", tmp_path / "dagster"
    dagster_home.mkdir()
    dump = tmp_path / "dump"
    generated = cli(
        "generate",
        "--system",
        "cliniko",
        "--country",
        "UK",
        "--clients",
        "60",
        "--seed",
        "3",
        str(dump),
        home=home,
        dagster_home=dagster_home,
    )
    assert generated.returncode == 0, generated.stderr
    assert json.loads((dump / "manifest.json").read_text())["country"] == "UK"

    config = tmp_path / "new-customer.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "customer_id": "thames-chiro",
                "name": "Thames Chiro",
                "country": "UK",
                "time_zone": "Europe/London",
                "source": {"system": "cliniko", "trial": {"dump": "dump"}},
                "fallback_owner_email": "ops@example.org",
            }
        )
    )
    added = cli("customers", "add", str(config), home=home, dagster_home=dagster_home)
    assert added.returncode == 0, added.stderr
    assert "registered thames-chiro" in added.stdout and "added its partition" in added.stdout
    again = cli("customers", "add", str(config), home=home, dagster_home=dagster_home)
    assert "partition already existed" in again.stdout

    listed = cli("customers", "list", home=home, dagster_home=dagster_home)
    assert listed.returncode == 0 and "thames-chiro" in listed.stdout and "NO PARTITION" not in listed.stdout
    valid = cli("customers", "validate", home=home, dagster_home=dagster_home)
    assert valid.returncode == 0 and "ok" in valid.stdout


def test_invalid_configuration_is_refused_with_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"customer_id": "Bad Id", "country": "FR"}))
    result = cli("customers", "add", str(bad), home=tmp_path / "h", dagster_home=tmp_path)
    assert result.returncode == 1
    assert str(bad) in result.stderr and "country" in result.stderr and "customer_id" in result.stderr
    assert not (tmp_path / "h" / "config").exists()


def test_help_for_every_command(tmp_path: Path) -> None:
    for args in (["--help"], ["customers", "--help"], ["generate", "--help"], ["emulators", "--help"]):
        result = cli(*args, home=tmp_path, dagster_home=tmp_path)
        assert result.returncode == 0 and "usage: practice-migrate" in result.stdout
