"""Settings of the signing service (env prefix SIGNING_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings
from signing.domain.ports import PadesLevel


class CredentialSetting(BaseModel):
    """A signer's key as development settings name it (production registers keys through the admin API)."""

    backend: str
    credential_id: str
    label: str = ""


class KeyBackendSettings(BaseModel):
    """Where signer keys live (ADR 0018); a backend is off until configured."""

    # credential id → PKCS#12 file; development and tests only (refused in production)
    pkcs12_files: dict[str, Path] = Field(default_factory=dict)
    pkcs11_module: str | None = None  # e.g. /usr/lib/softhsm/libsofthsm2.so or the token vendor's module
    pkcs11_token: str | None = None  # token label used when a credential id names only the key
    csc_url: str | None = None  # base URL of a CSC v1 remote signing service
    csc_oauth_token: SecretStr | None = None
    csc_batch_allowance: int = Field(default=1000, ge=1)  # signatures one SCAL 1 authorization covers


class TrustSettingsConfig(BaseModel):
    """What signatures must chain to, and the time-stamping authority (ADR 0018)."""

    trust_roots: list[Path] = Field(default_factory=list)  # PEM or DER root certificates
    intermediates: list[Path] = Field(default_factory=list)  # issuing CAs to help path building
    tsa_url: str | None = None  # RFC 3161; required for PAdES B-T and above
    timeout_s: float = Field(default=10.0, gt=0)


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
    keys: KeyBackendSettings = KeyBackendSettings()
    trust: TrustSettingsConfig = TrustSettingsConfig()

    @model_validator(mode="after")
    def _no_timestamp_without_tsa_in_development(self) -> SigningSettings:
        # B-T needs a TSA; a development machine has none, so its signatures stay B-B unless a level is chosen.
        if (
            self.environment == "development"
            and self.trust.tsa_url is None
            and "pades_level" not in self.model_fields_set
        ):
            self.pades_level = "B-B"
        return self

    @model_validator(mode="after")
    def _no_pkcs12_in_production(self) -> SigningSettings:
        # A PKCS#12 file is a private key on a disk; production keys live in tokens, HSMs or a CA's service.
        if self.environment == "production" and (
            self.keys.pkcs12_files or any(c.backend == "pkcs12" for c in self.credentials.values())
        ):
            raise ValueError("PKCS#12 signer keys are for development only; use PKCS#11 or CSC in production")
        return self
