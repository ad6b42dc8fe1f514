"""Alerting's own settings (`ECOVID_*`): SMTP, the SMS provider, notification retries, escalation."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class AlertingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOVID_", extra="ignore")

    # SMTP: `make run` points these at its development server (mails as .eml in var/mailbox/).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10, gt=0)
    mail_from: str = "e-COVID alerts <alerts@ecovid.localhost>"
    # SMS: a provider's REST API (POST JSON {to, text}, bearer token), or files in a directory.
    sms_url: str | None = None
    sms_token: SecretStr | None = None
    sms_dir: Path | None = None
    # Where a recipient opens the alert (the front end), and where addresses are looked up.
    public_url: str = "http://127.0.0.1:8080"
    care_circle_url: str = "http://127.0.0.1:8104"
    notify_max_attempts: int = Field(default=5, ge=1, le=50)
    notify_backoff_seconds: float = Field(default=2, gt=0)
    notify_poll_seconds: float = Field(default=0.5, gt=0)
    # An alert older than this when its notification would be planned is not sent (a replay).
    notify_max_age_seconds: float = Field(default=3600, gt=0)
    # Fault injection for the tests only: a pause between a send and its record.
    notify_record_delay_seconds: float = Field(default=0, ge=0)
    alert_escalation_delay: float = Field(default=900, gt=0)
