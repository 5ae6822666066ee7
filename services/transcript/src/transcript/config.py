"""Settings of the transcript service (env prefix TRANSCRIPT_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings


class TranscriptSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSCRIPT_", env_nested_delimiter="__", extra="ignore")
