"""The settings every service shares; a service subclasses with its own env prefix (e.g. GRADEBOOK_).

Defaults boot the embedded mode: a SQLite file per service and the embedded bus under `data_dir`, the
filesystem object store. Setting `database_url`, `kafka` or `object_store` switches to the real servers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from edu_shared.bus.kafka_settings import KafkaSettings
from edu_shared.objectstore.settings import S3StoreSettings
from edu_shared.observability.setup import ObservabilitySettings

PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "password", "minioadmin", ""}


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var/data")
    database_url: str | None = None
    kafka: KafkaSettings | None = None
    object_store: S3StoreSettings | None = None
    jwks_url: str | None = None
    migrate_on_start: bool = True
    bus_connect_timeout_s: float = 120.0
    observability: ObservabilitySettings = ObservabilitySettings()

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_production(self) -> ServiceSettings:
        if self.environment != "production":
            return self
        secrets: list[SecretStr | None] = []
        if self.object_store is not None:
            secrets.append(self.object_store.secret_key)
        if self.kafka is not None:
            secrets.append(self.kafka.sasl_password)
        for secret in secrets:
            if secret is not None and secret.get_secret_value().lower() in PLACEHOLDER_SECRETS:
                raise ValueError("a placeholder secret is configured in production; set a real one")
        if self.database_url is None or self.database_url.startswith("sqlite"):
            raise ValueError("production needs database_url pointing at PostgreSQL")
        return self

    def resolved_database_url(self, service: str) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{service}.db').resolve()}"

    @property
    def bus_path(self) -> Path:
        return (self.data_dir / "bus.db").resolve()

    @property
    def objects_root(self) -> Path:
        return (self.data_dir / "objects").resolve()
