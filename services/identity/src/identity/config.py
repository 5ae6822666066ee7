"""Settings of the identity service (env prefix IDENTITY_)."""

from __future__ import annotations

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings

DEV_CREDENTIALS_KEY = "dev-only-credentials-key-not-for-production"


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", env_nested_delimiter="__", extra="ignore")

    access_token_ttl_s: int = 900
    key_rotation_days: int = 30

    # argon2id cost (OWASP's 2023 floor: 19 MiB, 2 passes, 1 lane); see docs/performance.md "## Identity".
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19_456
    argon2_parallelism: int = 1
    password_min_length: int = 10

    # Lockout: after `lockout_threshold` consecutive failures the account locks for `lockout_base_s`, doubling at
    # each further failure up to `lockout_max_s`. A successful sign-in (or an admin reset) clears the counter.
    lockout_threshold: int = 5
    lockout_base_s: int = 60
    lockout_max_s: int = 3600

    refresh_token_ttl_days: int = 30
    sign_in_challenge_ttl_s: int = 300  # between the password step and the TOTP / password-change step
    totp_issuer: str = "EduRecords"
    # Second factor required for principals and admins (DOMAIN.md §2); off only for a throw-away demo.
    totp_required_for_admins: bool = True

    otp_ttl_s: int = 300
    otp_max_attempts: int = 5
    otp_max_per_window: int = 3  # codes per phone number per window
    otp_window_s: int = 900
    otp_min_interval_s: int = 60  # between two codes to the same phone

    # Master key for credential secrets: encrypts TOTP secrets (AES-256-GCM) and keys the one-time-code HMAC.
    # Changing it makes enrolled TOTP secrets unreadable (every enrolled account must enrol again).
    credentials_key: SecretStr = SecretStr(DEV_CREDENTIALS_KEY)

    @model_validator(mode="after")
    def _real_credentials_key_in_production(self) -> IdentitySettings:
        key = self.credentials_key.get_secret_value()
        if self.environment == "production" and (key == DEV_CREDENTIALS_KEY or len(key) < 32):
            raise ValueError("IDENTITY_CREDENTIALS_KEY must be a real secret of at least 32 characters in production")
        return self
