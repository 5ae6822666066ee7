"""Settings of the reporting service (env prefix REPORTING_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTING_", env_nested_delimiter="__", extra="ignore")
