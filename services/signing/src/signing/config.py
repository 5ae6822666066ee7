"""Settings of the signing service (env prefix SIGNING_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings


class SigningSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNING_", env_nested_delimiter="__", extra="ignore")
