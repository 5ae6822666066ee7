"""Settings of the transcript service (env prefix TRANSCRIPT_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings


class TranscriptSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSCRIPT_", env_nested_delimiter="__", extra="ignore")

    # The QR code on every page leads to the portal page `<public_base_url>/#/xac-thuc/<code>`; the schools' DID
    # documents are published under the same base (did:web).
    public_base_url: str = Field(default="http://localhost:8000", examples=["https://hocba.so-gd.example.vn"])
    # Signatures of an imported package are checked by the signing service at this URL...
    signing_verify_url: str = "http://127.0.0.1:8000/api/signing/verify"
    # ...unless trust roots are given here (PEM or DER): then pyHanko checks them in this service.
    trust_roots: list[Path] = Field(default_factory=list)
