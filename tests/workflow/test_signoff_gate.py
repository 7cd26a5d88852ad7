"""The signoff gate: live loads are refused without a valid signoff of the trial, allowed with one, and
refused again once a mapping changes — through real Dagster runs on a test instance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml
from dagster_defs import REPOSITORY, SIGNOFF_JOB

from checks.iterations import Iteration
from checks.signoff import MappingVersions, live_gate, signoff_problems
from customers import MigrationHome
from migration_assets.partitions import add_customer_partition
from migration_assets.signoff import latest_signoff
from synthetic import generate_practice

PREPARED_KEY = dg.AssetKey(["dynamics", "prepared"])
CUSTOMER = "gate-nz"
VERSIONS = MappingVersions("src-1", "dyn-1")


def _iteration(errors: int = 0, spec_version: str = "src-1") -> Iteration:
    return Iteration("trial", 3, "run-3", "abc", spec_version, errors, 1, {"client": 10}, datetime.now(UTC))


def test_signoff_rules_name_the_reason() -> None:
    assert signoff_problems(None, VERSIONS) == ["no trial has been staged for this customer: run the trial first"]
    assert signoff_problems(_iteration(), VERSIONS) == []
    assert "2 failing ERROR checks" in signoff_problems(_iteration(errors=2), VERSIONS)[0]
    assert "source mapping changed" in signoff_problems(_iteration(spec_version="src-0"), VERSIONS)[0]
    good = {"approved": True, "trial_errors": 0, **VERSIONS.as_metadata()}
    assert live_gate(good, VERSIONS) is None
    assert "no signoff" in (live_gate(None, VERSIONS) or "")
    assert "not an approval" in (live_gate({**good, "approved": False}, VERSIONS) or "")
    assert "ERROR checks" in (live_gate({**good, "trial_errors": 1}, VERSIONS) or "")
    changed = live_gate(good, MappingVersions("src-2", "dyn-1"))
    assert changed and "mapping/source_version" in changed
    assert "mapping/target_version" in (live_gate(good, MappingVersions("src-1", "dyn-2")) or "")


def _write_config(root: Path, dump: Path, overrides: dict[str, Any] | None = None) -> Path:
    data = {
        "customer_id": CUSTOMER,
        "name": "Gate Physio",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": {"system": "cliniko", "trial": {"dump": str(dump)}, "live": {"dump": str(dump)}},
        "target": {
            "system": "dynamics365",
            "trial": {"environment": "sandbox", "url": "https://sandbox.invalid"},
            "live": {"environment": "production", "url": "https://production.invalid"},
        },
        "fallback_owner_email": "owner@example.org",
        "mapping_overrides": overrides or {},
    }
    path = root / f"{CUSTOMER}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("gate")
    home = root / "home"
    dump = generate_practice(root / "dump", country="NZ", clients=40, defect_rate=0.0, seed=8).out_dir
    with pytest.MonkeyPatch.context() as patch, dg.instance_for_test() as instance:
        patch.setenv("MIGRATION_HOME", str(home))
        MigrationHome(home).register(_write_config(root, dump))
        add_customer_partition(instance, CUSTOMER)
        yield {"root": root, "home": home, "dump": dump, "instance": instance}


def _run(gate: dict, job: str, run_kind: str, selection: list[dg.AssetKey] | None = None) -> dg.ExecuteInProcessResult:
    return REPOSITORY.get_job(job).execute_in_process(
        partition_key=dg.MultiPartitionKey({"customer": CUSTOMER, "run": run_kind}),
        instance=gate["instance"],
        asset_selection=selection,
        raise_on_error=False,
    )


def _failure(result: dg.ExecuteInProcessResult) -> str:
    return " ".join(
        str(e.event_specific_data.error.message) for e in result.all_events if e.event_type_value == "STEP_FAILURE"
    )


def _sign(gate: dict, approved_by: str = "Dr Practice Owner") -> dg.ExecuteInProcessResult:
    return SIGNOFF_JOB.execute_in_process(  # type: ignore[attr-defined]
        partition_key=CUSTOMER,
        instance=gate["instance"],
        run_config={"ops": {"signoff__trial_signoff": {"config": {"approved_by": approved_by, "comment": "seen"}}}},
        raise_on_error=False,
    )


def test_live_refused_without_signoff_allowed_with_one_refused_after_a_mapping_change(gate: dict) -> None:
    assert _run(gate, "cliniko_stage", "trial").success
    assert _run(gate, "cliniko_stage", "live").success

    refused = _run(gate, "dynamics_migrate", "live", [PREPARED_KEY])
    assert not refused.success
    assert "live load refused" in _failure(refused) and "no signoff" in _failure(refused)

    signed = _sign(gate)
    assert signed.success
    recorded = latest_signoff(gate["instance"], CUSTOMER)
    assert recorded is not None
    assert recorded["approved_by"] == "Dr Practice Owner"
    assert recorded["trial_iteration"] == 1 and recorded["trial_errors"] == 0
    assert recorded["trial_run_id"] and recorded["mapping/source_version"] and recorded["dump_checksum"]

    allowed = _run(gate, "dynamics_migrate", "live", [PREPARED_KEY])
    assert allowed.success, _failure(allowed)
    trial = _run(gate, "dynamics_migrate", "trial", [PREPARED_KEY])  # trials never need a signoff
    assert trial.success, _failure(trial)

    # A mapping override changes the source mapping's version: the signoff no longer covers it.
    override = {"client": {"occupation": {"column": "occupation", "transforms": ["trim", "upper"]}}}
    MigrationHome(gate["home"]).register(_write_config(gate["root"], gate["dump"], override))
    stale = _run(gate, "dynamics_migrate", "live", [PREPARED_KEY])
    assert not stale.success
    assert "mapping changed after signoff" in _failure(stale)
    # ... and the old trial cannot be signed off again: it was staged with the previous mapping.
    resigned = _sign(gate)
    assert not resigned.success
    assert "source mapping changed since trial iteration 1" in _failure(resigned)
