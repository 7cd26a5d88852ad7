"""Alert messages and the channels that deliver them, configured from the environment (DESIGN.md §6: secrets
only from the environment; TLS verification never off).

| variable | meaning |
|---|---|
| `ALERT_SMTP_HOST` | SMTP relay; set → email alerts on |
| `ALERT_SMTP_PORT` | default 587 (`starttls`), 465 (`tls`), 25 (`none`) |
| `ALERT_SMTP_SECURITY` | `starttls` (default), `tls` (implicit TLS) or `none` (loopback relays only) |
| `ALERT_SMTP_FROM`, `ALERT_SMTP_TO` | sender; recipients, comma-separated (both required with a host) |
| `ALERT_SMTP_USERNAME`, `ALERT_SMTP_PASSWORD` | login, when the relay needs one |
| `ALERT_WEBHOOK_URL` | a Teams or Slack incoming webhook; set → webhook alerts on (https, or http on loopback) |
| `ALERT_CA_FILE` | an extra CA bundle for both channels (verification stays on) |
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

import httpx

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
SECURITY_MODES = {"starttls": 587, "tls": 465, "none": 25}
# A notification must not hold up the sensor's tick for long; the relay or webhook answers in seconds.
TIMEOUT_SECONDS = 30.0


class AlertSettingsError(ValueError):
    """An alerting environment variable is missing or malformed (the message names the variable)."""


class AlertDeliveryError(RuntimeError):
    """A channel did not accept the alert (the message names the channel and the reason, not the content)."""


@dataclass(frozen=True)
class Alert:
    """One notification: a subject and ``name: value`` facts (ids, names of jobs and checks, counts)."""

    subject: str
    facts: tuple[tuple[str, str], ...]

    def text(self) -> str:
        return "\n".join([self.subject, "", *(f"{name}: {value}" for name, value in self.facts)])


def run_failure_alert(
    run_id: str, job: str, partition: str | None, failed_steps: Sequence[str], failed_checks: Sequence[str] = ()
) -> Alert:
    """A failed run: which run, job and partition, which steps failed (their keys, not their errors, which may
    quote data) and which ERROR checks failed in it — one message per failed run says both."""
    checks = (
        (("failed ERROR checks", str(len(failed_checks))), ("checks", ", ".join(sorted(failed_checks))))
        if failed_checks
        else ()
    )
    return Alert(
        subject=f"[practice-migration] run failed: {job} {partition or ''}".rstrip(),
        facts=(
            ("run id", run_id),
            ("job", job),
            ("partition", partition or "-"),
            ("failed steps", f"{len(failed_steps)} ({', '.join(sorted(failed_steps)) or '-'})"),
            *checks,
        ),
    )


def check_failure_alert(run_id: str, job: str, partition: str | None, failed_checks: Sequence[str]) -> Alert:
    """Failed ERROR checks of one run: their names (``asset key.check``) and how many."""
    return Alert(
        subject=f"[practice-migration] {len(failed_checks)} ERROR check(s) failed: {job} {partition or ''}".rstrip(),
        facts=(
            ("run id", run_id),
            ("job", job),
            ("partition", partition or "-"),
            ("failed ERROR checks", str(len(failed_checks))),
            ("checks", ", ".join(sorted(failed_checks))),
        ),
    )


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    sender: str
    recipients: tuple[str, ...]
    username: str | None
    password: str | None


@dataclass(frozen=True)
class WebhookSettings:
    url: str


@dataclass(frozen=True)
class AlertSettings:
    """The configured channels; none configured → alerts are off."""

    smtp: SmtpSettings | None
    webhook: WebhookSettings | None
    ca_file: str | None

    @property
    def enabled(self) -> bool:
        return self.smtp is not None or self.webhook is not None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AlertSettings:
        """Read the ``ALERT_*`` variables (see the module docstring).

        Raises:
            AlertSettingsError: Naming the variable that is missing or malformed.
        """
        env = os.environ if environ is None else environ
        return cls(smtp=_smtp(env), webhook=_webhook(env), ca_file=env.get("ALERT_CA_FILE") or None)

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)


def _smtp(env: Mapping[str, str]) -> SmtpSettings | None:
    host = env.get("ALERT_SMTP_HOST")
    if not host:
        return None
    security = (env.get("ALERT_SMTP_SECURITY") or "starttls").lower()
    if security not in SECURITY_MODES:
        raise AlertSettingsError(f"ALERT_SMTP_SECURITY: expected one of {', '.join(SECURITY_MODES)}")
    if security == "none" and host not in LOOPBACK_HOSTS:
        raise AlertSettingsError("ALERT_SMTP_SECURITY: 'none' is allowed only for a loopback relay")
    port_text = env.get("ALERT_SMTP_PORT") or str(SECURITY_MODES[security])
    if not port_text.isdigit():
        raise AlertSettingsError("ALERT_SMTP_PORT: expected a port number")
    sender = env.get("ALERT_SMTP_FROM")
    recipients = tuple(a.strip() for a in (env.get("ALERT_SMTP_TO") or "").split(",") if a.strip())
    if not sender or not recipients:
        raise AlertSettingsError("ALERT_SMTP_FROM and ALERT_SMTP_TO: required when ALERT_SMTP_HOST is set")
    return SmtpSettings(
        host=host,
        port=int(port_text),
        security=security,
        sender=sender,
        recipients=recipients,
        username=env.get("ALERT_SMTP_USERNAME") or None,
        password=env.get("ALERT_SMTP_PASSWORD") or None,
    )


def _webhook(env: Mapping[str, str]) -> WebhookSettings | None:
    url = env.get("ALERT_WEBHOOK_URL")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        raise AlertSettingsError("ALERT_WEBHOOK_URL: expected an https URL (http only on loopback)")
    return WebhookSettings(url=url)


def send(alert: Alert, settings: AlertSettings) -> list[str]:
    """Deliver ``alert`` on every configured channel; returns the channels that accepted it.

    Raises:
        AlertDeliveryError: When a channel refused it (the others were still tried).
    """
    delivered: list[str] = []
    errors: list[str] = []
    for channel, deliver in (("smtp", _send_email), ("webhook", _send_webhook)):
        if getattr(settings, channel) is None:
            continue
        try:
            deliver(alert, settings)
            delivered.append(channel)
        except (OSError, smtplib.SMTPException, httpx.HTTPError) as err:
            errors.append(f"{channel}: {type(err).__name__}")
    if errors:
        raise AlertDeliveryError(f"alert not delivered on {'; '.join(errors)} (delivered: {delivered or 'none'})")
    return delivered


def _send_email(alert: Alert, settings: AlertSettings) -> None:
    smtp = settings.smtp
    assert smtp is not None
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message.set_content(alert.text())
    if smtp.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=TIMEOUT_SECONDS, context=settings.tls_context()
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=settings.tls_context())
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        client.send_message(message)


def _send_webhook(alert: Alert, settings: AlertSettings) -> None:
    webhook = settings.webhook
    assert webhook is not None
    # `text` is what both Slack incoming webhooks and Teams connector webhooks render as the message body.
    body = {"text": alert.text(), "summary": alert.subject}
    with httpx.Client(verify=settings.tls_context(), timeout=TIMEOUT_SECONDS) as client:
        client.post(webhook.url, json=body).raise_for_status()
