"""Alerts to the migration engineer: email over SMTP and a Teams/Slack-style webhook (issue 25 item 8).

Plain Python, testable without Dagster; the sensors in ``migration_assets/alerting.py`` call it. A message
carries run id, job, partition, check names and counts only — never a personal or clinical value.
"""

from alerts.notify import (
    Alert,
    AlertDeliveryError,
    AlertSettings,
    AlertSettingsError,
    SmtpSettings,
    WebhookSettings,
    check_failure_alert,
    run_failure_alert,
    send,
)

__all__ = [
    "Alert",
    "AlertDeliveryError",
    "AlertSettings",
    "AlertSettingsError",
    "SmtpSettings",
    "WebhookSettings",
    "check_failure_alert",
    "run_failure_alert",
    "send",
]
