"""Settings of the transcript service (env prefix TRANSCRIPT_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings


class TranscriptSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSCRIPT_", env_nested_delimiter="__", extra="ignore")

    # The QR code on every page leads to `<public_base_url>/api/transcript/verify/<code>`.
    public_base_url: str = Field(default="http://localhost:8000", examples=["https://hocba.so-gd.example.vn"])
