"""A template delivered to the landing area without a manifest: the dump-arrival sensor computes the
checksums itself, waits until two ticks agree (a folder still being copied changes between them), then
launches `template_stage` once; a missing table launches nothing and says which."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster_defs import evaluate_dump_arrival

from synthetic.template import TemplateSummary, write_filled_template

CUSTOMER = "landing-template"


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> TemplateSummary:
    return write_filled_template(tmp_path_factory.mktemp("template-landing"), clients=12, seed=5, fmt="csv")


def _deliver(home: Path, practice: TemplateSummary, name: str) -> Path:
    customer = home / "landing" / CUSTOMER
    customer.mkdir(parents=True, exist_ok=True)
    config = {
        "customer_id": CUSTOMER,
        "name": "Landing Physio",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": {"system": "template", "trial": {"dump": "placeholder"}},
        "fallback_owner_email": "owner@example.org",
    }
    (customer / "customer.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    target = customer / "trial" / name
    shutil.copytree(practice.out_dir, target)
    return target


def test_a_template_without_manifest_runs_once_its_checksums_hold_still(
    tmp_path: Path, practice: TemplateSummary
) -> None:
    home = tmp_path / "home"
    delivery = _deliver(home, practice, "2026-11-20")
    with dg.instance_for_test() as instance:
        first = evaluate_dump_arrival(instance, home)
        assert not first.run_requests
        assert "runs when the next look finds them unchanged" in first.skip_reason.skip_message
        # Still copying: a file grows between the two looks.
        with (delivery / "clients.csv").open("a", encoding="utf-8") as handle:
            handle.write("")
        (delivery / "documents" / "late.pdf").write_bytes(b"%PDF late")
        changed = evaluate_dump_arrival(instance, home, first.cursor)
        assert not changed.run_requests
        settled = evaluate_dump_arrival(instance, home, changed.cursor)
        assert [r.job_name for r in settled.run_requests] == ["template_stage"]
        checksum = settled.run_requests[0].tags["migration/dump_checksum"]
        assert len(checksum) == 64
        again = evaluate_dump_arrival(instance, home, settled.cursor)
        assert not again.run_requests  # the same delivery runs once


def test_a_template_missing_a_table_launches_nothing_and_names_the_file(
    tmp_path: Path, practice: TemplateSummary
) -> None:
    home = tmp_path / "home"
    delivery = _deliver(home, practice, "2026-11-20")
    (delivery / "payments.csv").unlink()
    with dg.instance_for_test() as instance:
        result = evaluate_dump_arrival(instance, home)
        second = evaluate_dump_arrival(instance, home, result.cursor)
    assert not result.run_requests and not second.run_requests
    assert f"{delivery / 'payments.csv'}: missing" in second.skip_reason.skip_message
