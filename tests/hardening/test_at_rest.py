"""Data at rest (issue 15 item 9): a customer's warehouse, reports, extracts, configuration and the
landing area are readable by the owner only, whatever the process umask; `customers purge` removes
everything of one customer on this machine and says what it removed."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml
from pipeline_helpers import register_customer, run_pipeline

from customers import MigrationHome
from sources import landing
from sources.cliniko.api import _DumpWriter
from synthetic import GenerationSummary

SCRIPT = str(Path(sys.executable).parent / "practice-migrate")


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The usual 022: files would be world-readable unless the code makes them private."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _assert_private_tree(root: Path) -> None:
    assert _mode(root) == 0o700, root
    for path in root.rglob("*"):
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), (path, oct(_mode(path)))


def test_warehouse_reports_and_configuration_are_owner_only(
    permissive_umask: None, clean_practices: dict[str, GenerationSummary], migration_home: Path
) -> None:
    config = register_customer(migration_home, "private", clean_practices["NZ"].out_dir)
    outcome = run_pipeline(migration_home, config)
    home = MigrationHome(migration_home)

    customer = home.customer_dir("private")
    assert _mode(customer) == 0o700 and _mode(customer.parent) == 0o700
    assert _mode(customer / "warehouse.duckdb") == 0o600
    assert outcome.report_path.is_relative_to(customer)
    _assert_private_tree(customer / "reports")
    assert {p.name for p in outcome.report_path.parent.iterdir()} >= {"approval-report.html", "rejects.csv"}
    assert _mode(home.config_dir) == 0o700 and _mode(home.config_path("private")) == 0o600
    # A configuration arriving with a delivery is copied into the inbox, privately too.
    fresh = MigrationHome(migration_home.parent / "fresh-home")
    fresh.register_delivery("private", "trial", clean_practices["NZ"].out_dir, config.config_file)
    _assert_private_tree(fresh.inbox)


def test_the_landing_area_and_extracts_are_owner_only(permissive_umask: None, tmp_path: Path) -> None:
    area = tmp_path / "landing"
    (area / "c1" / "trial" / "d1").mkdir(parents=True)
    assert _mode(area) == 0o755
    landing.scan(area)
    assert _mode(area) == 0o700

    writer = _DumpWriter(tmp_path / "extracts" / "snapshots" / "0001")
    writer.write("patients", {"id": "1"})
    writer.attachment("7", "letter.pdf", b"%PDF")
    out = writer.finish({"system": "cliniko"}).parent
    _assert_private_tree(out)


def _cli(*args: str, home: Path, dagster_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MIGRATION_HOME": str(home), "DAGSTER_HOME": str(dagster_home)}
    return subprocess.run(
        [SCRIPT, *args], env=env, capture_output=True, text=True, timeout=300, check=False, stdin=subprocess.DEVNULL
    )


def _partitions(dagster_home: Path) -> list[str]:
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return instance.get_dynamic_partitions("customer")


def test_purge_removes_everything_of_one_customer_and_says_what(
    clean_practices: dict[str, GenerationSummary], tmp_path: Path
) -> None:
    home, dagster_home = tmp_path / "home", tmp_path / "dagster"
    dagster_home.mkdir()
    delivered = home / "landing" / "gone" / "trial" / "d1"
    shutil.copytree(clean_practices["NZ"].out_dir, delivered)
    shared_dump = tmp_path / "shared-dump"  # outside the home: listed, never removed
    shutil.copytree(clean_practices["NZ"].out_dir, shared_dump)
    configs = {}
    for customer_id, trial, live in (("gone", delivered, shared_dump), ("kept", shared_dump, shared_dump)):
        path = tmp_path / f"{customer_id}.yaml"
        data = {
            "customer_id": customer_id,
            "name": f"Practice {customer_id}",
            "country": "NZ",
            "time_zone": "Pacific/Auckland",
            "source": {"system": "cliniko", "trial": {"dump": str(trial)}, "live": {"dump": str(live)}},
            "fallback_owner_email": "owner@example.org",
        }
        path.write_text(yaml.safe_dump(data))
        added = _cli("customers", "add", str(path), home=home, dagster_home=dagster_home)
        assert added.returncode == 0, added.stderr
        configs[customer_id] = MigrationHome(home).load(customer_id)
    (home / "inbox").mkdir(exist_ok=True)
    (home / "inbox" / "gone.yaml").write_text("customer_id: gone\n")
    run_pipeline(home, configs["gone"])
    kept_file = MigrationHome(home).reports_dir("kept", "trial") / "approval-report.html"
    kept_file.parent.mkdir(parents=True)
    kept_file.write_text("<p>another customer's report</p>")
    customer = MigrationHome(home).customer_dir("gone")
    assert (customer / "warehouse.duckdb").exists() and (customer / "reports").exists()
    assert sorted(_partitions(dagster_home)) == ["gone", "kept"]

    invalid = _cli("customers", "purge", "../kept", "--yes", home=home, dagster_home=dagster_home)
    assert invalid.returncode == 2 and "not a slug" in invalid.stderr
    unconfirmed = _cli("customers", "purge", "gone", home=home, dagster_home=dagster_home)
    assert unconfirmed.returncode == 1 and "not confirmed" in unconfirmed.stderr
    assert customer.exists() and "gone" in _partitions(dagster_home)

    purged = _cli("customers", "purge", "gone", "--yes", home=home, dagster_home=dagster_home)
    assert purged.returncode == 0, purged.stderr
    removed = [line.removeprefix("removed ") for line in purged.stdout.splitlines() if line.startswith("removed /")]
    expected = [
        home / "config" / "gone.yaml",
        customer,
        home / "landing" / "gone",
        home / "inbox" / "gone.yaml",
    ]
    assert sorted(removed) == sorted(str(p.resolve()) for p in expected)
    assert not any(p.exists() for p in expected)
    assert "removed partition 'gone'" in purged.stdout
    assert "left in place (outside this customer's folders" in purged.stdout and str(shared_dump) in purged.stdout
    assert _partitions(dagster_home) == ["kept"]
    # The other customer and the shared dump are untouched.
    assert shared_dump.exists() and kept_file.exists()
    assert MigrationHome(home).config_path("kept").exists()
    again = _cli("customers", "purge", "gone", "--yes", home=home, dagster_home=dagster_home)
    assert again.returncode == 0 and "nothing of customer gone" in again.stdout
