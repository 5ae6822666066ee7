"""Settings of the notifications service (env prefix NOTIFICATIONS_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", env_nested_delimiter="__", extra="ignore")
