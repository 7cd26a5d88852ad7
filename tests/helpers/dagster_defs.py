"""The code location's Definitions, resolved once when a test module imports this (outside any instance).

Resolving a repository reads the *current* instance's definitions-state storage (a ContextVar Dagster sets
when an instance is entered). Resolved inside one test's `instance_for_test`, a later resolution can find a
storage whose temporary folder is already gone ("unable to open database file"); resolved here, at import,
no instance is current and every test reuses the same resolved jobs, sensors and schedules.
"""

from __future__ import annotations

from migration_assets.definitions import defs

DEFINITIONS = defs()
REPOSITORY = DEFINITIONS.get_repository_def()


def _signoff_job() -> object:
    import dagster as dg

    from migration_assets.partitions import customer_partitions
    from migration_assets.resources import MigrationHomeResource
    from migration_assets.signoff import trial_signoff

    # The signoff is launched on its own (the Launchpad's "Materialize"); resolved here for the same reason.
    definitions = dg.Definitions(
        assets=[trial_signoff],
        jobs=[dg.define_asset_job("trial_signoff_job", selection=[trial_signoff], partitions_def=customer_partitions)],
        resources={"migration_home": MigrationHomeResource(path=dg.EnvVar("MIGRATION_HOME"))},
    )
    return definitions.get_repository_def().get_job("trial_signoff_job")


SIGNOFF_JOB = _signoff_job()


def evaluate_dump_arrival(instance: object, home: object, cursor: str | None = None) -> object:
    """One tick of the `dump_arrival` sensor on the migration home at `home` (a path)."""
    import dagster as dg

    from migration_assets.resources import MigrationHomeResource

    context = dg.build_sensor_context(
        instance=instance,  # type: ignore[arg-type]
        cursor=cursor,
        resources={"migration_home": MigrationHomeResource(path=str(home))},
        definitions=DEFINITIONS,
    )
    return REPOSITORY.get_sensor_def("dump_arrival")(context)


def assert_run_succeeded(result: object) -> object:
    """`result` (an ExecuteInProcessResult) succeeded; the failing steps' messages otherwise."""
    failures = [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]  # type: ignore[attr-defined]
    assert result.success, failures  # type: ignore[attr-defined]
    return result


def check_outcomes(result: object) -> dict[tuple[str, str], bool]:
    """(asset, check name) → passed, for every asset check a run evaluated."""
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]  # type: ignore[attr-defined]
    return {(c.asset_key.to_user_string(), c.check_name): c.passed for c in evaluations}
