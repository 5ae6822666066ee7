"""Settings of the identity service (env prefix IDENTITY_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", env_nested_delimiter="__", extra="ignore")

    access_token_ttl_s: int = 900
    key_rotation_days: int = 30
