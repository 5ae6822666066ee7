"""The S3 object store (MinIO in production): content-addressed objects in one bucket with S3 Object Lock.

* Keys are the port's keys (``prefix + sha256 hex``) used verbatim as object names; S3 needs no sharding.
* The bucket is created on first use **with object lock enabled** (which also turns versioning on). A bucket
  that already exists without object lock is refused: a legal record store that silently cannot retain is
  worse than one that does not start.
* ``retain_until`` becomes the object's retention in ``lock_mode``. Production uses COMPLIANCE: nobody, not
  even the root account, can delete or shorten it. GOVERNANCE can be bypassed by privileged users; the tests
  use it so that their cleanup can remove test buckets (with the bypass header) — the store itself never
  bypasses anything. An existing retention is only ever extended, in the mode it already has.
* The sha256 of the content is kept in the metadata header ``x-amz-meta-edu-sha256`` for :meth:`verify`.
* Metadata values travel as HTTP headers, which must be ASCII. Values that are plain printable ASCII are sent
  verbatim (readable in the MinIO console); anything else — Vietnamese text, leading or trailing spaces, or
  a value that itself looks like an encoded word — is sent as RFC 2047 ``=?UTF-8?B?...?=`` encoded words.
  That is the convention AWS S3 itself uses for non-ASCII metadata, so other S3 tools can read it too.
* Because the bucket is versioned, a plain DELETE would only add a delete marker and succeed even on a locked
  object. :meth:`delete` therefore removes every version of the key explicitly, after checking none of them is
  still retained; the server enforces the lock again on each version.

The ``minio`` client is synchronous; every call runs in a worker thread via :func:`asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import os
import re
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import decode_header
from pathlib import Path
from typing import BinaryIO, Literal

from minio import Minio
from minio.commonconfig import COMPLIANCE, GOVERNANCE
from minio.error import MinioException, S3Error
from minio.retention import Retention

from edu_shared.objectstore.port import (
    ObjectLocked,
    ObjectNotFound,
    ObjectStoreError,
    PutRequest,
    StoredObject,
    content_key,
    is_retained,
    later_retention,
    split_key,
)
from edu_shared.objectstore.settings import S3StoreSettings

__all__ = ["LockMode", "S3ObjectStore", "decode_metadata_value", "encode_metadata_value"]

LockMode = Literal["GOVERNANCE", "COMPLIANCE"]

_CHUNK_SIZE = 1024 * 1024
_META_PREFIX = "x-amz-meta-"
_SHA256_META = "edu-sha256"
_LOCK_MODE_HEADER = "x-amz-object-lock-mode"
_RETAIN_UNTIL_HEADER = "x-amz-object-lock-retain-until-date"
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "NoSuchBucket", "ResourceNotFound"})
_EXISTING_BUCKET_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})
_LOCK_REFUSAL_CODES = frozenset({"AccessDenied", "InvalidRequest"})
# RFC 2047 caps an encoded word at 75 characters; 45 bytes of UTF-8 encode to 60 base64 characters plus
# the 12 of "=?UTF-8?B?" and "?=".
_ENCODED_WORD_BYTES = 45
_ENCODED_WORDS = re.compile(r"(?:=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=\s*)+")
_PLAIN_ASCII = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")

# Opens the content to upload; called once, in the worker thread.
_SourceOpener = Callable[[], BinaryIO]


class S3ObjectStore:
    """Object store over one S3 bucket with object lock, through the synchronous ``minio`` client."""

    def __init__(
        self,
        *,
        client: Minio,
        bucket: str,
        lock_mode: LockMode = "COMPLIANCE",
        region: str | None = None,
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._lock_mode = COMPLIANCE if lock_mode == "COMPLIANCE" else GOVERNANCE
        self._region = region
        self._bucket_ready = False
        self._bucket_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: S3StoreSettings) -> S3ObjectStore:
        """Build a store (and its client) from :class:`S3StoreSettings`."""
        client = Minio(
            settings.endpoint,
            access_key=settings.access_key,
            secret_key=settings.secret_key.get_secret_value(),
            secure=settings.secure,
            region=settings.region,
        )
        return cls(client=client, bucket=settings.bucket, lock_mode=settings.lock_mode, region=settings.region)

    @property
    def bucket(self) -> str:
        """The bucket holding the objects."""
        return self._bucket

    @property
    def supports_retention(self) -> bool:
        """S3 Object Lock enforces retention on the server."""
        return True

    async def put(
        self,
        data: bytes,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
        retain_until: datetime | None = None,
        prefix: str = "",
    ) -> StoredObject:
        """Store ``data`` under ``prefix + sha256``; identical bytes again return the existing object."""
        request = PutRequest.build(
            content_type=content_type, metadata=metadata, retain_until=retain_until, prefix=prefix
        )
        digest = hashlib.sha256(data).hexdigest()
        return await asyncio.to_thread(self._put_sync, request, digest, len(data), lambda: io.BytesIO(data))

    async def put_file(
        self,
        path: Path,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
        retain_until: datetime | None = None,
        prefix: str = "",
    ) -> StoredObject:
        """Store the file at ``path`` like :meth:`put`: hashed in one pass, uploaded in a second."""
        request = PutRequest.build(
            content_type=content_type, metadata=metadata, retain_until=retain_until, prefix=prefix
        )
        source = Path(path)
        digest, size = await asyncio.to_thread(_hash_file, source)
        return await asyncio.to_thread(self._put_sync, request, digest, size, lambda: source.open("rb"))

    async def get(self, key: str) -> bytes:
        """Return the content stored under ``key``."""
        split_key(key)
        return await asyncio.to_thread(self._get_sync, key)

    async def get_to_file(self, key: str, path: Path) -> StoredObject:
        """Stream the content under ``key`` into ``path``, replacing it atomically."""
        split_key(key)
        return await asyncio.to_thread(self._get_to_file_sync, key, Path(path))

    async def stat(self, key: str) -> StoredObject:
        """Describe the object under ``key`` from its headers."""
        split_key(key)
        return await asyncio.to_thread(self._stat_sync, key)

    async def exists(self, key: str) -> bool:
        """Return whether an object is stored under ``key``."""
        split_key(key)
        return await asyncio.to_thread(self._exists_sync, key)

    async def delete(self, key: str) -> None:
        """Remove every version of the object unless one of them is still retained."""
        split_key(key)
        await asyncio.to_thread(self._delete_sync, key)

    async def verify(self, key: str) -> bool:
        """Download and re-hash the content; compare with the key and the recorded sha256."""
        split_key(key)
        return await asyncio.to_thread(self._verify_sync, key)

    # Blocking implementations, run in worker threads.

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with self._bucket_lock:
            if self._bucket_ready:
                return
            try:
                if not self._client.bucket_exists(self._bucket):
                    try:
                        self._client.make_bucket(self._bucket, location=self._region, object_lock=True)
                    except S3Error as error:
                        if error.code not in _EXISTING_BUCKET_CODES:
                            raise
                self._client.get_object_lock_config(self._bucket)
            except S3Error as error:
                if error.code == "ObjectLockConfigurationNotFoundError":
                    raise ObjectStoreError(
                        f"bucket {self._bucket!r} exists without object lock; records could not be retained. "
                        "Use a bucket created with object lock enabled."
                    ) from error
                raise _translate(error, key=None) from error
            self._bucket_ready = True

    def _put_sync(self, request: PutRequest, digest: str, size: int, open_source: _SourceOpener) -> StoredObject:
        self._ensure_bucket()
        key = content_key(prefix=request.prefix, sha256_hex=digest)
        existing = self._head_or_none(key)
        if existing is not None:
            return self._extend_retention(existing, request.retain_until)
        headers = {_META_PREFIX + name: encode_metadata_value(value) for name, value in request.metadata.items()}
        headers[_META_PREFIX + _SHA256_META] = digest
        retention = Retention(self._lock_mode, request.retain_until) if request.retain_until is not None else None
        try:
            with open_source() as source:
                self._client.put_object(
                    self._bucket,
                    key,
                    source,
                    size,
                    content_type=request.content_type,
                    metadata=dict(headers),
                    retention=retention,
                )
        except S3Error as error:
            raise _translate(error, key=key) from error
        return StoredObject(
            key=key,
            sha256=digest,
            size=size,
            content_type=request.content_type,
            metadata=request.metadata,
            retain_until=request.retain_until,
        )

    def _extend_retention(self, existing: _Head, requested: datetime | None) -> StoredObject:
        current = existing.stored
        kept = later_retention(current.retain_until, requested)
        if kept is None or kept == current.retain_until:
            return current
        # Keep the mode the object already has: COMPLIANCE can never be turned into GOVERNANCE.
        mode = existing.lock_mode or self._lock_mode
        try:
            self._client.set_object_retention(
                self._bucket, current.key, Retention(mode, kept), version_id=existing.version_id
            )
        except S3Error as error:
            raise _translate(error, key=current.key) from error
        return StoredObject(
            key=current.key,
            sha256=current.sha256,
            size=current.size,
            content_type=current.content_type,
            metadata=current.metadata,
            retain_until=kept,
        )

    def _head(self, key: str, *, version_id: str | None = None) -> _Head:
        self._ensure_bucket()
        try:
            found = self._client.stat_object(self._bucket, key, version_id=version_id)
        except S3Error as error:
            raise _translate(error, key=key) from error
        headers = {name.lower(): value for name, value in found.metadata.items()} if found.metadata else {}
        metadata = {
            name[len(_META_PREFIX) :]: decode_metadata_value(value)
            for name, value in headers.items()
            if name.startswith(_META_PREFIX) and name != _META_PREFIX + _SHA256_META
        }
        retain_until_header = headers.get(_RETAIN_UNTIL_HEADER)
        stored = StoredObject(
            key=key,
            sha256=headers.get(_META_PREFIX + _SHA256_META, ""),
            size=found.size or 0,
            content_type=found.content_type or "application/octet-stream",
            metadata=metadata,
            retain_until=_parse_retain_until(retain_until_header) if retain_until_header else None,
        )
        return _Head(stored=stored, version_id=found.version_id, lock_mode=headers.get(_LOCK_MODE_HEADER))

    def _head_or_none(self, key: str) -> _Head | None:
        try:
            return self._head(key)
        except ObjectNotFound:
            return None

    def _stat_sync(self, key: str) -> StoredObject:
        return self._head(key).stored

    def _exists_sync(self, key: str) -> bool:
        return self._head_or_none(key) is not None

    def _get_sync(self, key: str) -> bytes:
        self._ensure_bucket()
        try:
            response = self._client.get_object(self._bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()
        except S3Error as error:
            raise _translate(error, key=key) from error

    def _stream_into(self, key: str, version_id: str | None, out: BinaryIO | None) -> tuple[str, int]:
        digest = hashlib.sha256()
        size = 0
        try:
            response = self._client.get_object(self._bucket, key, version_id=version_id)
            try:
                for chunk in response.stream(_CHUNK_SIZE):
                    digest.update(chunk)
                    if out is not None:
                        out.write(chunk)
                    size += len(chunk)
            finally:
                response.close()
                response.release_conn()
        except S3Error as error:
            raise _translate(error, key=key) from error
        return digest.hexdigest(), size

    def _get_to_file_sync(self, key: str, destination: Path) -> StoredObject:
        head = self._head(key)
        destination.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                self._stream_into(key, head.version_id, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(name, destination)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return head.stored

    def _verify_sync(self, key: str) -> bool:
        _, expected = split_key(key)
        head = self._head(key)
        digest, size = self._stream_into(key, head.version_id, None)
        return digest == expected == head.stored.sha256 and size == head.stored.size

    def _delete_sync(self, key: str) -> None:
        self._ensure_bucket()
        try:
            versions = [
                found
                for found in self._client.list_objects(self._bucket, prefix=key, include_version=True)
                if found.object_name == key
            ]
        except S3Error as error:
            raise _translate(error, key=key) from error
        if not any(not found.is_delete_marker for found in versions):
            raise ObjectNotFound(key)
        # Check every version before removing any, so a refused delete leaves the object whole.
        for found in versions:
            if not found.is_delete_marker:
                self._refuse_if_retained(key, found.version_id)
        for found in versions:
            try:
                self._client.remove_object(self._bucket, key, version_id=found.version_id)
            except S3Error as error:
                # MinIO answers InvalidRequest ("Object is WORM protected"), AWS AccessDenied; either way,
                # a refusal on a version that carries a retention is the lock, even if our clock says expired.
                if error.code in _LOCK_REFUSAL_CODES and not found.is_delete_marker:
                    self._refuse_if_retained(key, found.version_id, server_refused=True)
                raise _translate(error, key=key) from error

    def _refuse_if_retained(self, key: str, version_id: str | None, *, server_refused: bool = False) -> None:
        retain_until = self._head(key, version_id=version_id).stored.retain_until
        if retain_until is not None and (server_refused or is_retained(retain_until)):
            raise ObjectLocked(key, retain_until)


@dataclass(frozen=True)
class _Head:
    """One HEAD answer: the port's description plus what S3 needs to act on that exact version."""

    stored: StoredObject
    version_id: str | None
    lock_mode: str | None


def encode_metadata_value(value: str) -> str:
    """Make a metadata value safe for an HTTP header: plain ASCII as is, anything else as RFC 2047 words."""
    if _PLAIN_ASCII.fullmatch(value) and "=?" not in value:
        return value
    words: list[str] = []
    chunk = b""
    for character in value:
        encoded = character.encode("utf-8")
        if len(chunk) + len(encoded) > _ENCODED_WORD_BYTES:
            words.append(_encoded_word(chunk))
            chunk = b""
        chunk += encoded
    words.append(_encoded_word(chunk))
    return " ".join(words)


def decode_metadata_value(value: str) -> str:
    """Reverse :func:`encode_metadata_value` (also accepts RFC 2047 words written by other S3 tools)."""
    if _ENCODED_WORDS.fullmatch(value.strip()) is None:
        return value
    parts: list[str] = []
    for text, charset in decode_header(value.strip()):
        if isinstance(text, bytes):
            parts.append(text.decode(charset or "ascii", errors="replace"))
        else:
            parts.append(text)
    return "".join(parts)


def _encoded_word(data: bytes) -> str:
    return "=?UTF-8?B?" + base64.b64encode(data).decode("ascii") + "?="


def _parse_retain_until(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _translate(error: MinioException, *, key: str | None) -> ObjectStoreError:
    if isinstance(error, S3Error) and key is not None and error.code in _NOT_FOUND_CODES:
        return ObjectNotFound(key)
    return ObjectStoreError(f"S3 request failed: {error}")
