"""Sensors that tell the migration engineer: a failed run, and failed ERROR checks (issue 25 item 8); one
message per run — a failed run's failed checks travel in its run-failure alert.

Both are on by default and do nothing until a channel is configured (``ALERT_*``, see alerts/notify.py and the
README's *Alerting*); both start from the moment the daemon first ticks them (no flood of old failures).
Messages carry run id, job, partition, step and check names and counts only.
"""

# No `from __future__ import annotations`: Dagster resolves the sensor functions' annotations itself.

import json
from datetime import UTC, datetime

import dagster as dg

from alerts import AlertSettings, check_failure_alert, run_failure_alert, send

PARTITION_TAG = "dagster/partition"
CHECK_ALERT_INTERVAL_SECONDS = 60
OFF = "alerting off: set ALERT_SMTP_HOST or ALERT_WEBHOOK_URL (README: Alerting)"


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A failed run of this code location sends one alert (email and/or webhook, per ALERT_*): run "
    "id, job, partition, the failed steps' keys and the run's failed ERROR checks — never an error message, "
    "which may quote data.",
)
def alert_on_run_failure(context: dg.RunFailureSensorContext):
    settings = AlertSettings.from_env()
    if not settings.enabled:
        return dg.SkipReason(OFF)
    run = context.dagster_run
    steps = [e.step_key for e in context.get_step_failure_events() if e.step_key]
    checks = _failed_error_checks(context.instance, run.run_id)
    alert = run_failure_alert(run.run_id, run.job_name, run.tags.get(PARTITION_TAG), steps, checks)
    delivered = send(alert, settings)
    context.log.info(f"run failure of {run.run_id} alerted on {', '.join(delivered)}")
    return None


def _failed_error_checks(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    names = []
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data  # type: ignore[union-attr]
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            names.append(f"{evaluation.asset_key.to_user_string()}.{evaluation.check_name}")
    return names


@dg.sensor(
    name="alert_on_failed_error_checks",
    minimum_interval_seconds=CHECK_ALERT_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Each succeeded run with failed ERROR checks sends one alert (email and/or webhook, per "
    "ALERT_*): run id, job, partition, the checks' names and how many. A failed run's checks are in its run-"
    "failure alert, so no run alerts twice.",
)
def alert_on_failed_error_checks(context: dg.SensorEvaluationContext):
    # Cursor: the last finished run's update time handled, and the runs handled at exactly that time.
    cursor = json.loads(context.cursor) if context.cursor else None
    finished = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]
    if cursor is None:  # first tick: alert from now on
        latest = context.instance.get_run_records(
            dg.RunsFilter(statuses=finished), limit=1, order_by="update_timestamp"
        )
        after = latest[0].update_timestamp.timestamp() if latest else 0.0
        seen = [latest[0].dagster_run.run_id] if latest else []
        return dg.SensorResult(cursor=json.dumps({"after": after, "seen": seen}), skip_reason="alerting starts now")
    settings = AlertSettings.from_env()
    records = context.instance.get_run_records(
        dg.RunsFilter(statuses=finished, updated_after=datetime.fromtimestamp(cursor["after"], UTC)),
        order_by="update_timestamp",
        ascending=True,
    )
    after, seen, sent = cursor["after"], set(cursor["seen"]), 0
    for record in records:
        run = record.dagster_run
        stamp = record.update_timestamp.timestamp()
        if run.run_id in seen or stamp < after:
            continue
        # A failed run is alerted once, by alert_on_run_failure, with its failed checks in the same message.
        failed = [] if run.status == dg.DagsterRunStatus.FAILURE else _failed_error_checks(context.instance, run.run_id)
        if failed and settings.enabled:
            send(check_failure_alert(run.run_id, run.job_name, run.tags.get(PARTITION_TAG), failed), settings)
            sent += 1
        seen = seen | {run.run_id} if stamp == after else {run.run_id}
        after = stamp
    new_cursor = json.dumps({"after": after, "seen": sorted(seen)})
    if not settings.enabled:
        return dg.SensorResult(cursor=new_cursor, skip_reason=OFF)
    return dg.SensorResult(cursor=new_cursor, skip_reason=None if sent else "no failed ERROR checks")
