"""Being told (issue 25 item 8): the project's alert sensors, evaluated on a real Dagster instance after real
runs, deliver to a loopback SMTP server and a loopback webhook — one message per failed run (naming its failed
ERROR checks) and one per succeeded run with failed ERROR checks, never two for one run — and the messages hold
ids, names and counts, never the data."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import pytest
from loopback_receivers import LoopbackSmtp, LoopbackWebhook

from alerts import AlertSettings, AlertSettingsError
from migration_assets.alerting import alert_on_failed_error_checks, alert_on_run_failure
from migration_assets.definitions import defs

PATIENT = "Aroha Ngata"  # a personal value the failing run and check carry; no alert may repeat it
PARTITION = "demo-physio|trial"
partitions = dg.StaticPartitionsDefinition([PARTITION])


@dg.asset(partitions_def=partitions)
def client_rows() -> int:
    return 3


@dg.asset_check(asset=client_rows, name="birth_date_plausible")
def birth_date_plausible() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=False, severity=dg.AssetCheckSeverity.ERROR, metadata={"first": PATIENT}, description=PATIENT
    )


@dg.asset_check(asset=client_rows, name="phone_format")
def phone_format() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, description=PATIENT)


@dg.asset(partitions_def=partitions)
def contact_load() -> None:
    raise ValueError(f"contact for {PATIENT} refused")


CHECKED = dg.Definitions(assets=[client_rows, contact_load], asset_checks=[birth_date_plausible, phone_format])


@pytest.fixture
def channels(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LoopbackSmtp, LoopbackWebhook]]:
    with LoopbackSmtp() as smtp, LoopbackWebhook() as webhook:
        monkeypatch.setenv("ALERT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ALERT_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("ALERT_SMTP_SECURITY", "none")
        monkeypatch.setenv("ALERT_SMTP_FROM", "migration@example.org")
        monkeypatch.setenv("ALERT_SMTP_TO", "engineer@example.org, lead@example.org")
        monkeypatch.setenv("ALERT_WEBHOOK_URL", webhook.url)
        yield smtp, webhook


def _run(selection: list[str], instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    job = CHECKED.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=instance,
        partition_key=PARTITION,
        asset_selection=[dg.AssetKey(s) for s in selection],
        raise_on_error=False,
    )


def _tick(instance: dg.DagsterInstance, cursor: str | None) -> str | None:
    result = alert_on_failed_error_checks(dg.build_sensor_context(instance=instance, cursor=cursor))
    return result.cursor


def _assert_no_personal_values(smtp: LoopbackSmtp, webhook: LoopbackWebhook) -> None:
    assert all(PATIENT not in data for _, _, data in smtp.messages)
    assert all(PATIENT not in str(body) for body in webhook.bodies)


def test_a_failed_run_sends_one_message_to_each_channel(channels: tuple[LoopbackSmtp, LoopbackWebhook]) -> None:
    smtp, webhook = channels
    with dg.instance_for_test() as instance:
        failed = _run(["contact_load"], instance)
        assert not failed.success
        _alert_run_failure(failed, instance)

    assert len(smtp.messages) == 1 and len(webhook.bodies) == 1
    sender, recipients, data = smtp.messages[0]
    assert (sender, recipients) == ("migration@example.org", ["engineer@example.org", "lead@example.org"])
    text = webhook.bodies[0]["text"]
    for fact in (f"run id: {failed.run_id}", f"job: {failed.dagster_run.job_name}", f"partition: {PARTITION}"):
        assert fact in text and fact in data
    assert "failed steps: 1 (contact_load)" in text and "failed ERROR checks" not in text
    _assert_no_personal_values(smtp, webhook)


def test_a_run_with_a_failed_error_check_sends_one_message_to_each_channel(
    channels: tuple[LoopbackSmtp, LoopbackWebhook],
) -> None:
    smtp, webhook = channels
    with dg.instance_for_test() as instance:
        cursor = _tick(instance, None)  # the first tick: alerting starts now
        checked = _run(["client_rows"], instance)
        assert checked.success  # a non-blocking ERROR check fails; the run itself succeeds
        cursor = _tick(instance, cursor)
        assert _tick(instance, cursor) == cursor  # the next tick: nothing new, nothing sent again

    assert len(smtp.messages) == 1 and len(webhook.bodies) == 1
    text = webhook.bodies[0]["text"]
    assert f"run id: {checked.run_id}" in text and f"partition: {PARTITION}" in text
    assert "failed ERROR checks: 1" in text and "checks: client_rows.birth_date_plausible" in text
    assert "phone_format" not in text  # a WARN finding does not alert
    assert "client_rows.birth_date_plausible" in smtp.messages[0][2]
    _assert_no_personal_values(smtp, webhook)


def _alert_run_failure(failed: dg.ExecuteInProcessResult, instance: dg.DagsterInstance) -> None:
    context = dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_event=failed.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=failed.dagster_run,
    ).for_run_failure()
    alert_on_run_failure(context)


def test_a_failed_run_with_a_failed_error_check_sends_one_message_naming_both(
    channels: tuple[LoopbackSmtp, LoopbackWebhook],
) -> None:
    smtp, webhook = channels
    with dg.instance_for_test() as instance:
        cursor = _tick(instance, None)
        failed = _run(["client_rows", "contact_load"], instance)  # an ERROR check fails and a step fails
        assert not failed.success
        _alert_run_failure(failed, instance)
        _tick(instance, cursor)  # the check sensor leaves a failed run to the run-failure alert

    assert len(smtp.messages) == 1 and len(webhook.bodies) == 1
    text = webhook.bodies[0]["text"]
    assert "run failed" in text and "failed steps: 1 (contact_load)" in text
    assert "failed ERROR checks: 1" in text and "checks: client_rows.birth_date_plausible" in text
    _assert_no_personal_values(smtp, webhook)


def test_runs_before_the_first_tick_and_runs_without_failed_error_checks_send_nothing(
    channels: tuple[LoopbackSmtp, LoopbackWebhook],
) -> None:
    smtp, webhook = channels
    with dg.instance_for_test() as instance:
        _run(["client_rows"], instance)  # before alerting was switched on
        cursor = _tick(instance, None)
        _run(["contact_load"], instance)  # failed, but no check failed
        _tick(instance, cursor)
    assert smtp.messages == [] and webhook.bodies == []


def test_settings_refuse_plain_smtp_off_loopback_and_plain_http_webhooks() -> None:
    base = {"ALERT_SMTP_FROM": "a@example.org", "ALERT_SMTP_TO": "b@example.org"}
    with pytest.raises(AlertSettingsError, match="ALERT_SMTP_SECURITY"):
        AlertSettings.from_env({**base, "ALERT_SMTP_HOST": "smtp.example.org", "ALERT_SMTP_SECURITY": "none"})
    with pytest.raises(AlertSettingsError, match="ALERT_WEBHOOK_URL"):
        AlertSettings.from_env({"ALERT_WEBHOOK_URL": "http://hooks.example.org/x"})
    with pytest.raises(AlertSettingsError, match="ALERT_SMTP_FROM and ALERT_SMTP_TO"):
        AlertSettings.from_env({"ALERT_SMTP_HOST": "smtp.example.org"})
    assert not AlertSettings.from_env({}).enabled
    assert AlertSettings.from_env({**base, "ALERT_SMTP_HOST": "smtp.example.org"}).smtp.port == 587  # type: ignore[union-attr]


def test_the_code_location_runs_both_alert_sensors_by_default() -> None:
    sensors = {s.name: s for s in defs().sensors}  # type: ignore[union-attr]
    for name in ("alert_on_run_failure", "alert_on_failed_error_checks"):
        assert sensors[name].default_status == dg.DefaultSensorStatus.RUNNING
