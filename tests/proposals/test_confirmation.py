"""Review and confirmation: an unconfirmed proposal blocks staging in a real Dagster run; confirming
writes the spec and the run proceeds; editing the confirmed spec invalidates an existing signoff; a
dump whose layout changed makes the proposal stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster_defs import REPOSITORY, SIGNOFF_JOB
from pipeline_helpers import register_customer

from checks.signoff import live_gate
from customers import MigrationHome
from migration_assets.partitions import add_customer_partition
from migration_assets.proposals import MAPPING_CONFIRMED, mapping_confirmation, mapping_confirmed, mapping_proposal
from migration_assets.resources import MigrationHomeResource
from migration_assets.signoff import current_versions, latest_signoff
from proposals.workflow import ConfirmationError, confirm_for_customer, confirmation_problem, propose_for_customer

CUSTOMER = "proposed-practice"


def _failures(result: dg.ExecuteInProcessResult) -> list[str]:
    return [e.event_specific_data.error.message for e in result.all_events if e.is_step_failure]  # type: ignore[union-attr]


def _gate(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    """The run's one evaluation of the mapping gate (the `mapping_confirmed` check on mapping/proposal)."""
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == MAPPING_CONFIRMED]
    return evaluation


def test_an_unconfirmed_proposal_blocks_staging_until_a_person_confirms(
    gensolve_export: Path, instance: dg.DagsterInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    register_customer(home, CUSTOMER, gensolve_export, system="gensolve")
    monkeypatch.setenv("MIGRATION_HOME", str(home))
    add_customer_partition(instance, CUSTOMER)
    partition = dg.MultiPartitionKey({"customer": CUSTOMER, "run": "trial"})
    resources = {"migration_home": MigrationHomeResource(path=str(home))}

    proposed = dg.materialize(
        [mapping_proposal, mapping_confirmed],
        partition_key=partition,
        instance=instance,
        resources=resources,
        raise_on_error=False,
    )
    # The proposal is made; its blocking gate check fails until a person confirms it, with counts only.
    gate = _gate(proposed)
    assert not gate.passed and gate.severity == dg.AssetCheckSeverity.ERROR
    assert gate.metadata["gate"].value == "unconfirmed" and gate.metadata["fields_confirmed"].value == 0
    assert gate.metadata["fields_proposed"].value > 0 and gate.metadata["tables"].value > 0
    assert "is not confirmed" in str(gate.metadata["reason"].value)
    metadata = proposed.asset_materializations_for_node("mapping__proposal")[0].metadata
    assert metadata["proposal/spec_problems"].value == 0
    review = Path(str(metadata["review_page"].value))
    assert review.is_file() and review.is_relative_to(MigrationHome(home).customer_dir(CUSTOMER))

    stage_job = REPOSITORY.get_job("gensolve_stage")
    blocked = stage_job.execute_in_process(partition_key=partition, instance=instance, raise_on_error=False)
    assert not blocked.success
    assert any("is not confirmed" in message for message in _failures(blocked))
    assert not _gate(blocked).passed  # the staging run shows the gate failed, and staging refused
    assert "staged/client" not in {e.asset_key.to_user_string() for e in blocked.get_asset_materialization_events()}

    confirmed = dg.materialize(
        [mapping_confirmation],
        partition_key=partition,
        instance=instance,
        resources=resources,
        run_config={"ops": {"mapping__confirmation": {"config": {"accepted_by": "Practice Manager"}}}},
    )
    assert confirmed.success
    config_file = MigrationHome(home).config_path(CUSTOMER)
    overrides = yaml.safe_load(config_file.read_text(encoding="utf-8"))["mapping_overrides"]
    assert overrides["client"]["sources"][0]["table"] == "gpm_client"
    confirmation_metadata = confirmed.asset_materializations_for_node("mapping__confirmation")[0].metadata
    customer = MigrationHome(home).load(CUSTOMER)
    assert confirmation_metadata["mapping/spec_version"].value == current_versions(customer).source

    staged = stage_job.execute_in_process(partition_key=partition, instance=instance, raise_on_error=False)
    assert staged.success, _failures(staged)
    gate = _gate(staged)
    assert gate.passed and gate.metadata["gate"].value == "confirmed"
    assert gate.metadata["fields_confirmed"].value == gate.metadata["fields_proposed"].value > 0
    assert "staged/client" in {e.asset_key.to_user_string() for e in staged.get_asset_materialization_events()}

    signed = SIGNOFF_JOB.execute_in_process(  # type: ignore[attr-defined]
        partition_key=CUSTOMER,
        instance=instance,
        run_config={"ops": {"signoff__trial_signoff": {"config": {"approved_by": "Practice Manager"}}}},
        raise_on_error=False,
    )
    assert signed.success, _failures(signed)
    assert live_gate(latest_signoff(instance, CUSTOMER), current_versions(customer)) is None

    # A person edits the confirmed spec (the customer's overrides): the signoff no longer holds.
    data = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    data["mapping_overrides"]["client"]["sources"][0]["fields"]["occupation"] = {
        "column": "occupation",
        "transforms": ["upper"],
    }
    config_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    edited = MigrationHome(home).load(CUSTOMER)
    reason = live_gate(latest_signoff(instance, CUSTOMER), current_versions(edited))
    assert reason is not None and "mapping changed after signoff" in reason


def test_a_changed_layout_makes_the_proposal_stale_and_a_new_proposal_needs_confirming(
    gensolve_export: Path, tmp_path: Path
) -> None:
    dump = tmp_path / "dump"
    shutil.copytree(gensolve_export, dump)
    home = MigrationHome(tmp_path / "home")
    config = register_customer(home.root, CUSTOMER, dump, system="gensolve")
    assert confirmation_problem(home, config, "trial") is None  # no proposal: the system's spec rules

    record = propose_for_customer(home, config, "trial")
    assert "is not confirmed" in (confirmation_problem(home, config, "trial") or "")
    with pytest.raises(ConfirmationError, match="accepted_by"):
        confirm_for_customer(home, config, "  ")
    confirmation = confirm_for_customer(home, config, "Practice Manager")
    assert confirmation["proposal_version"] == record["proposal_version"]
    assert confirmation_problem(home, home.load(CUSTOMER), "trial") is None

    # The next delivery renames a column: what was confirmed no longer describes the dump.
    appointments = dump / "gpm_appointment.csv"
    lines = appointments.read_text(encoding="utf-8").split("\n", 1)
    appointments.write_text(lines[0].replace("starts_at", "start_time") + "\n" + lines[1], encoding="utf-8")
    problem = confirmation_problem(home, home.load(CUSTOMER), "trial")
    assert problem is not None and "stale" in problem and "gpm_appointment" in problem

    propose_for_customer(home, home.load(CUSTOMER), "trial")
    assert "is not confirmed" in (confirmation_problem(home, home.load(CUSTOMER), "trial") or "")
    saved = json.loads((home.customer_dir(CUSTOMER) / "mapping" / "proposal.json").read_text(encoding="utf-8"))
    assert saved["layout"]["gpm_appointment"].count("start_time") == 1


def test_confirming_keeps_the_customers_declared_not_migrated_columns(gensolve_export: Path, tmp_path: Path) -> None:
    """A proposal confirmed into the customer's overrides replaces the entities it maps; the columns the customer
    declared not migrated are their own decision and stay declared."""
    from checks.approval import customer_spec
    from mappings.spec import parse_spec

    home = MigrationHome(tmp_path / "home")
    config = register_customer(home.root, CUSTOMER, gensolve_export, system="gensolve")
    record = propose_for_customer(home, config, "trial")
    read = customer_spec(config).columns_read()
    proposed = parse_spec(record["spec"], "proposal", delivered={t: set(c) for t, c in record["layout"].items()})
    proposed_read = proposed.columns_read()
    unread = sorted(
        (table, column)
        for table, columns in record["layout"].items()
        for column in columns
        if column not in read.get(table, set()) | proposed_read.get(table, set())
    )
    assert unread, "the export delivers a column neither the system's spec nor the proposal reads"
    table, column = unread[0]
    path = home.config_path(CUSTOMER)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["mapping_overrides"] = {"not_migrated_columns": {table: {column: "the practice retires it"}}}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    confirm_for_customer(home, home.load(CUSTOMER), "Practice Manager")
    overrides = home.load(CUSTOMER).mapping_overrides
    assert overrides["not_migrated_columns"] == {table: {column: "the practice retires it"}}
    assert set(overrides) - {"not_migrated_columns"} == set(record["spec"]["entities"])
