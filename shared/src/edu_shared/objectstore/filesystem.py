"""The embedded object store: content-addressed files under one directory, for development and small schools.

On-disk layout under ``root``::

    objects/<prefix><aa>/<bb>/<sha256>        the content, mode 0444
    objects/<prefix><aa>/<bb>/<sha256>.json   sidecar: sha256, size, content type, metadata, retain_until
    staging/                                   temporary files being written (same filesystem as objects/)

``aa`` and ``bb`` are the first two pairs of hex digits, so no directory grows beyond 256 entries per level.
Writes go to a temporary file that is fsynced, then ``os.replace``d into place, then the directory is fsynced:
a crash leaves either the old state or the new one, never a torn file. The sidecar is written *before* the
content, because an object becomes visible only when its content file exists — a crash between the two
leaves an invisible sidecar that the next put overwrites, never a visible object without its retention.

Writers of one shard directory are serialised with ``flock`` on that directory, across threads and processes,
so two concurrent puts of the same bytes cannot race on the sidecar and shorten a retention.

Retention is enforced by this code on delete and the files are read-only; that protects legal records from
application mistakes, not from someone with root on the host — use the S3 store in COMPLIANCE mode for that.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import stat as stat_module
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

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

__all__ = ["FilesystemObjectStore"]

_CHUNK_SIZE = 1024 * 1024
_READ_ONLY = stat_module.S_IRUSR | stat_module.S_IRGRP | stat_module.S_IROTH
_SIDECAR_SUFFIX = ".json"
_SIDECAR_VERSION = 1

# Writes content into an open file and returns (sha256 hex, size).
_Writer = Callable[[BinaryIO], tuple[str, int]]


@dataclass(frozen=True)
class _Staged:
    """Content written to a temporary file, hashed while it was written."""

    path: Path
    sha256: str
    size: int


class FilesystemObjectStore:
    """Object store keeping each object as a read-only file plus a JSON sidecar under ``root``."""

    def __init__(self, root: Path) -> None:
        self._root = Path(root)
        self._objects = self._root / "objects"
        self._staging = self._root / "staging"

    @property
    def root(self) -> Path:
        """The directory holding ``objects/`` and ``staging/``."""
        return self._root

    @property
    def supports_retention(self) -> bool:
        """Retention is enforced by this store on delete (not against the host's administrator)."""
        return True

    def path_of(self, key: str) -> Path:
        """Where the content of ``key`` lives on disk (for operators and tests; callers use the key)."""
        prefix, digest = split_key(key)
        return self._objects / prefix / digest[:2] / digest[2:4] / digest

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
        checked = PutRequest.build(
            content_type=content_type, metadata=metadata, retain_until=retain_until, prefix=prefix
        )
        return await asyncio.to_thread(self._put_sync, checked, lambda out: _write_bytes(out, data))

    async def put_file(
        self,
        path: Path,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
        retain_until: datetime | None = None,
        prefix: str = "",
    ) -> StoredObject:
        """Store the file at ``path`` like :meth:`put`, copying it in chunks."""
        checked = PutRequest.build(
            content_type=content_type, metadata=metadata, retain_until=retain_until, prefix=prefix
        )
        return await asyncio.to_thread(self._put_sync, checked, lambda out: _copy_file(Path(path), out))

    async def get(self, key: str) -> bytes:
        """Return the content stored under ``key``."""
        return await asyncio.to_thread(self._get_sync, key)

    async def get_to_file(self, key: str, path: Path) -> StoredObject:
        """Copy the content under ``key`` into ``path``, replacing it atomically."""
        return await asyncio.to_thread(self._get_to_file_sync, key, Path(path))

    async def stat(self, key: str) -> StoredObject:
        """Describe the object under ``key`` from its sidecar."""
        return await asyncio.to_thread(self._stat_sync, key)

    async def exists(self, key: str) -> bool:
        """Return whether the content file of ``key`` exists."""
        return await asyncio.to_thread(self.path_of(key).is_file)

    async def delete(self, key: str) -> None:
        """Remove the object unless its retention is still active."""
        await asyncio.to_thread(self._delete_sync, key)

    async def verify(self, key: str) -> bool:
        """Re-hash the content file and compare it with the key and the sidecar."""
        return await asyncio.to_thread(self._verify_sync, key)

    # Blocking implementations, run in worker threads.

    def _put_sync(self, request: PutRequest, write: _Writer) -> StoredObject:
        staged = self._stage(write)
        try:
            key = content_key(prefix=request.prefix, sha256_hex=staged.sha256)
            data_path = self.path_of(key)
            data_path.parent.mkdir(parents=True, exist_ok=True)
            with _locked_directory(data_path.parent):
                if data_path.is_file():
                    return self._extend_retention(key, request.retain_until)
                stored = StoredObject(
                    key=key,
                    sha256=staged.sha256,
                    size=staged.size,
                    content_type=request.content_type,
                    metadata=request.metadata,
                    retain_until=request.retain_until,
                )
                _write_sidecar(_sidecar_of(data_path), stored)
                os.replace(staged.path, data_path)
                _fsync_directory(data_path.parent)
                return stored
        finally:
            staged.path.unlink(missing_ok=True)

    def _extend_retention(self, key: str, requested: datetime | None) -> StoredObject:
        current = self._stat_sync(key)
        kept = later_retention(current.retain_until, requested)
        if kept == current.retain_until:
            return current
        extended = StoredObject(
            key=current.key,
            sha256=current.sha256,
            size=current.size,
            content_type=current.content_type,
            metadata=current.metadata,
            retain_until=kept,
        )
        _write_sidecar(_sidecar_of(self.path_of(key)), extended)
        return extended

    def _stage(self, write: _Writer) -> _Staged:
        self._staging.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self._staging, prefix="put-", suffix=".tmp")
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                digest, size = write(out)
                out.flush()
                os.fsync(out.fileno())
                os.fchmod(out.fileno(), _READ_ONLY)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return _Staged(path=path, sha256=digest, size=size)

    def _get_sync(self, key: str) -> bytes:
        try:
            return self.path_of(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def _get_to_file_sync(self, key: str, destination: Path) -> StoredObject:
        stored = self._stat_sync(key)
        destination.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    _copy_file(self.path_of(key), out)
                except FileNotFoundError:
                    raise ObjectNotFound(key) from None
                out.flush()
                os.fsync(out.fileno())
            os.replace(name, destination)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        _fsync_directory(destination.parent)
        return stored

    def _stat_sync(self, key: str) -> StoredObject:
        data_path = self.path_of(key)
        if not data_path.is_file():
            raise ObjectNotFound(key)
        sidecar = _sidecar_of(data_path)
        try:
            document = json.loads(sidecar.read_text(encoding="utf-8"))
            return _stored_from_sidecar(key, document)
        except FileNotFoundError:
            raise ObjectStoreError(f"object {key!r} has lost its sidecar {sidecar}") from None
        except (ValueError, KeyError, TypeError) as error:
            raise ObjectStoreError(f"object {key!r} has a damaged sidecar {sidecar}: {error}") from error

    def _delete_sync(self, key: str) -> None:
        data_path = self.path_of(key)
        if not data_path.parent.is_dir():
            raise ObjectNotFound(key)
        with _locked_directory(data_path.parent):
            stored = self._stat_sync(key)
            if stored.retain_until is not None and is_retained(stored.retain_until):
                raise ObjectLocked(key, stored.retain_until)
            # Content first: once it is gone the object is invisible, whatever happens to the sidecar.
            data_path.unlink()
            _sidecar_of(data_path).unlink(missing_ok=True)
            _fsync_directory(data_path.parent)

    def _verify_sync(self, key: str) -> bool:
        _, expected = split_key(key)
        data_path = self.path_of(key)
        try:
            with data_path.open("rb") as source:
                digest, size = _hash_stream(source)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        try:
            recorded = self._stat_sync(key)
        except ObjectStoreError:
            return False
        return digest == expected == recorded.sha256 and size == recorded.size


def _write_bytes(out: BinaryIO, data: bytes) -> tuple[str, int]:
    out.write(data)
    return hashlib.sha256(data).hexdigest(), len(data)


def _copy_file(source_path: Path, out: BinaryIO) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with source_path.open("rb") as source:
        while chunk := source.read(_CHUNK_SIZE):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _hash_stream(source: BinaryIO) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _sidecar_of(data_path: Path) -> Path:
    return data_path.with_name(data_path.name + _SIDECAR_SUFFIX)


def _write_sidecar(path: Path, stored: StoredObject) -> None:
    document = {
        "version": _SIDECAR_VERSION,
        "sha256": stored.sha256,
        "size": stored.size,
        "content_type": stored.content_type,
        "metadata": dict(stored.metadata),
        "retain_until": stored.retain_until.isoformat() if stored.retain_until else None,
    }
    encoded = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(encoded)
            out.flush()
            os.fsync(out.fileno())
            os.fchmod(out.fileno(), _READ_ONLY)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _stored_from_sidecar(key: str, document: dict[str, Any]) -> StoredObject:
    retain_until = document["retain_until"]
    return StoredObject(
        key=key,
        sha256=str(document["sha256"]),
        size=int(document["size"]),
        content_type=str(document["content_type"]),
        metadata={str(name): str(value) for name, value in document["metadata"].items()},
        retain_until=(datetime.fromisoformat(retain_until).astimezone(UTC) if retain_until is not None else None),
    )


@contextlib.contextmanager
def _locked_directory(directory: Path) -> Iterator[None]:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _fsync_directory(directory: Path) -> None:
    # Without this the rename itself may not survive a power cut, even though the file's bytes would.
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
