"""The one place that turns object store settings into an adapter."""

from __future__ import annotations

from pathlib import Path

from edu_shared.objectstore.filesystem import FilesystemObjectStore
from edu_shared.objectstore.port import ObjectStore
from edu_shared.objectstore.s3 import S3ObjectStore
from edu_shared.objectstore.settings import S3StoreSettings

__all__ = ["build_object_store"]


def build_object_store(settings: S3StoreSettings | None, *, default_root: Path) -> ObjectStore:
    """Return the S3 store for ``settings``; ``None`` means the embedded filesystem store in ``default_root``.

    The S3 bucket is created (with object lock) on first use, not here, so building a store never does I/O.
    """
    if settings is None:
        return FilesystemObjectStore(default_root)
    return S3ObjectStore.from_settings(settings)
