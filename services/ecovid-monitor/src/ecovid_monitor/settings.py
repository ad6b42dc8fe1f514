"""Settings of ecovid-monitor beyond the platform's: rule set file, reporting interval, poll period."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MonitorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOVID_", extra="ignore")

    rule_set_file: Path | None = None
    # Overrides 24 h / readings per day for every episode (tests use a few seconds).
    reporting_interval_seconds: float | None = Field(default=None, gt=0)
    overdue_poll_seconds: float = Field(default=30, gt=0)
