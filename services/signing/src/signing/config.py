"""Settings of the signing service (env prefix SIGNING_)."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings
from signing.domain.ports import PadesLevel


class CredentialSetting(BaseModel):
    """A signer's key as development settings name it (production registers keys through the admin API)."""

    backend: str
    credential_id: str
    label: str = ""


class SigningSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNING_", env_nested_delimiter="__", extra="ignore")

    # Workflow (ADR 0019). Signed records are legal documents: their final files stay under object lock this long.
    archive_retention_years: int = Field(default=50, ge=1, le=100)
    pades_level: PadesLevel = "B-T"
    reminder_after_days: int = Field(default=3, ge=1)
    reminder_check_s: float = Field(default=3600.0, gt=0)
    batch_poll_s: float = Field(default=1.0, gt=0)
    batch_max_documents: int = Field(default=1000, ge=1)
    # Keys by owner (`staff:<staff id>` or `seal:<school id>`), consulted when the registry has none (development).
    credentials: dict[str, CredentialSetting] = Field(default_factory=dict)
