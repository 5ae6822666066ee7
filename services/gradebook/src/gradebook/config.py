"""Settings of the gradebook service (env prefix GRADEBOOK_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings


class GradebookSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GRADEBOOK_", env_nested_delimiter="__", extra="ignore")
