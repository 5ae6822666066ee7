"""Settings of the notifications service (env prefix NOTIFICATIONS_)."""

from __future__ import annotations

from edu_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", env_nested_delimiter="__", extra="ignore")
