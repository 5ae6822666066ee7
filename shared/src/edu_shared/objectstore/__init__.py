"""Content-addressed, write-once object storage: the port, its filesystem and S3 adapters, their settings."""

from edu_shared.objectstore.factory import build_object_store
from edu_shared.objectstore.filesystem import FilesystemObjectStore
from edu_shared.objectstore.port import (
    InvalidObjectKey,
    InvalidObjectMetadata,
    InvalidRetention,
    ObjectLocked,
    ObjectNotFound,
    ObjectStore,
    ObjectStoreError,
    StoredObject,
)
from edu_shared.objectstore.s3 import S3ObjectStore
from edu_shared.objectstore.settings import FilesystemStoreSettings, S3StoreSettings

__all__ = [
    "FilesystemObjectStore",
    "FilesystemStoreSettings",
    "InvalidObjectKey",
    "InvalidObjectMetadata",
    "InvalidRetention",
    "ObjectLocked",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectStoreError",
    "S3ObjectStore",
    "S3StoreSettings",
    "StoredObject",
    "build_object_store",
]
