"""After real Dagster runs over hostile dumps (wrong shapes quoting phone numbers and NHIs, markup in every
name, a raw layer refusing a value, a step failing with a value in its message), no generated patient
value is anywhere in the Dagster instance's storage: event log (incl. STEP_FAILURE and RUN_FAILURE), run
storage, compute logs — every file under the instance's folder, read as bytes."""

from __future__ import annotations

import dagster as dg
from hardening_jobs import LEAKED_VALUE

from migration_assets.step_guard import UNEXPECTED_REASON


def _instance_bytes(runs) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in runs.instance_root.rglob("*") if p.is_file()}


def test_runs_did_what_the_scan_relies_on(hostile_runs) -> None:
    """The scan means something only if the runs staged, failed and logged as intended."""
    assert hostile_runs.results["hostile"].success
    refused = hostile_runs.results["refused"]
    assert not refused.success
    failure = next(e for e in refused.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "individual_appointments.ndjson: record 2, field 'did_not_arrive': expected boolean" in str(
        failure.event_specific_data.error
    )
    leaky = hostile_runs.results["leaky"]
    failure = next(e for e in leaky.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    error = str(failure.event_specific_data.error)
    assert f"ValueError in step leaky_step ({UNEXPECTED_REASON})" in error
    log_file = hostile_runs.home / "customers" / "hostile" / "logs" / f"{leaky.run_id}.log"
    assert str(log_file) in error
    logged = log_file.read_text(encoding="utf-8")  # the original message and the step's output went here
    assert f"ValueError: could not convert {LEAKED_VALUE!r} to date" in logged
    assert f"parsing {LEAKED_VALUE}" in logged
    files = _instance_bytes(hostile_runs)
    assert any(path.endswith(".db") for path in files)
    assert any("compute_logs" in path for path in files), "compute logs were not captured"
    assert len(hostile_runs.values) > 200


def test_no_patient_value_in_dagster_storage(hostile_runs) -> None:
    files = _instance_bytes(hostile_runs)
    found = {
        (path, value) for value in hostile_runs.values for path, data in files.items() if value.encode("utf-8") in data
    }
    assert not found, f"{len(found)} patient values in Dagster storage, e.g. in {sorted(found)[0][0]}"


def test_every_step_of_the_code_location_is_guarded() -> None:
    """The scrubbing holds for steps not exercised above: every asset's and op's compute function is wrapped."""
    from dagster_defs import DEFINITIONS, REPOSITORY

    from migration_assets.step_guard import GUARD_MARKER

    nodes = {a.node_def.name: a.node_def for a in DEFINITIONS.assets or [] if isinstance(a, dg.AssetsDefinition)}
    for job in REPOSITORY.get_all_jobs():
        nodes.update({node.name: node.definition for node in job.graph.node_dict.values()})
    unguarded = sorted(
        name
        for name, node in nodes.items()
        if isinstance(node, dg.OpDefinition) and not getattr(node.compute_fn.decorated_fn, GUARD_MARKER, False)
    )
    assert len(nodes) > 25
    assert not unguarded
