"""Settings that choose and configure an object store: an embedded directory, or an S3/MinIO bucket.

These are plain pydantic models meant to be nested in a service's own settings class, e.g.
``objectstore: S3StoreSettings | None = None`` where ``None`` means the embedded filesystem store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

__all__ = ["FilesystemStoreSettings", "S3StoreSettings"]


class FilesystemStoreSettings(BaseModel):
    """Where the embedded filesystem store keeps its files."""

    model_config = ConfigDict(frozen=True)

    root: Path


class S3StoreSettings(BaseModel):
    """An S3-compatible endpoint (MinIO) and the object-locked bucket holding the records.

    ``endpoint`` is ``host:port``; a URL such as ``https://minio.example:9000`` is accepted too and then its
    scheme decides ``secure``. ``lock_mode`` defaults to COMPLIANCE because signed records are legal documents
    whose retention nobody may shorten; GOVERNANCE is for test and staging buckets that must be cleaned up.
    """

    model_config = ConfigDict(frozen=True)

    endpoint: str
    access_key: str
    secret_key: SecretStr
    bucket: str
    secure: bool = False
    region: str | None = None
    lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "COMPLIANCE"

    @model_validator(mode="before")
    @classmethod
    def _split_url_endpoint(cls, data: Any) -> Any:
        # The minio client wants host:port and a separate TLS flag; operators naturally paste a URL.
        if not isinstance(data, dict) or "://" not in str(data.get("endpoint", "")):
            return data
        url = urlsplit(str(data["endpoint"]))
        if url.scheme not in ("http", "https") or not url.netloc or url.path.strip("/"):
            raise ValueError(f"endpoint must be host:port or http(s)://host:port, got {data['endpoint']!r}")
        secure = url.scheme == "https"
        if "secure" in data and bool(data["secure"]) != secure:
            raise ValueError(f"endpoint scheme {url.scheme!r} contradicts secure={data['secure']!r}")
        return {**data, "endpoint": url.netloc, "secure": secure}
