"""The object store port: content-addressed, write-once storage for documents such as signed transcripts.

Every adapter (embedded filesystem, S3/MinIO) follows the rules written here, and the contract tests hold
them to it. Keys, metadata and retention are validated by the functions in this module so both adapters
accept and refuse exactly the same inputs.

Key layout: ``prefix + sha256 hex`` (lower case, 64 characters). The prefix is empty or a run of path segments
each ending in ``/`` (``"transcripts/2024/"``), so a key never depends on the adapter; the filesystem adapter
shards its directories underneath, which callers never see.

Metadata: keys are lower-case ASCII (``[a-z0-9][a-z0-9-]*``) because S3 sends them as HTTP headers, which are
case-insensitive; keys starting with ``edu-`` are reserved for the stores' own bookkeeping. Values are any
Unicode text (Vietnamese names survive the round trip). Keys and values together may take at most
``MAX_METADATA_BYTES`` of UTF-8: S3 caps user metadata at 2 KiB and the S3 adapter's ASCII encoding of
Vietnamese text (RFC 2047 words) is up to 60 % larger. Metadata is for short labels; anything bigger
belongs in a database.

Retention: ``retain_until`` must be timezone-aware and in the future; it is rounded *up* to the whole second
(S3 keeps no finer precision, and rounding down would shorten a legal retention). A retention is never
shortened: putting the same bytes again keeps the later of the two dates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Protocol, runtime_checkable

__all__ = [
    "MAX_METADATA_BYTES",
    "InvalidObjectKey",
    "InvalidObjectMetadata",
    "InvalidRetention",
    "ObjectLocked",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectStoreError",
    "PutRequest",
    "StoredObject",
    "check_content_type",
    "check_metadata",
    "check_prefix",
    "content_key",
    "is_retained",
    "later_retention",
    "normalise_retain_until",
    "split_key",
]

SHA256_HEX_LENGTH = 64
RESERVED_METADATA_PREFIX = "edu-"
MAX_METADATA_BYTES = 1024

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_PREFIX = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]*/)*")
_METADATA_KEY = re.compile(r"[a-z0-9][a-z0-9-]*")
_CONTENT_TYPE = re.compile(r"[\x21-\x7e][\x20-\x7e]*")


class ObjectStoreError(Exception):
    """Base class of every error an object store raises."""


class ObjectNotFound(ObjectStoreError):
    """No object is stored under ``key``."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no object stored under key {key!r}")
        self.key = key


class ObjectLocked(ObjectStoreError):
    """The object is under retention until ``retain_until`` and cannot be deleted before then."""

    def __init__(self, key: str, retain_until: datetime) -> None:
        super().__init__(f"object {key!r} is retained until {retain_until.isoformat()}")
        self.key = key
        self.retain_until = retain_until


class InvalidObjectKey(ObjectStoreError, ValueError):
    """The key (or prefix) does not follow the content-addressed layout ``prefix + sha256 hex``."""


class InvalidObjectMetadata(ObjectStoreError, ValueError):
    """A metadata key is malformed or reserved, or the metadata is too large for the store."""


class InvalidRetention(ObjectStoreError, ValueError):
    """A retention date is naive (no timezone) or not in the future."""


@dataclass(frozen=True)
class StoredObject:
    """What a store knows about one object; ``metadata`` is a read-only copy."""

    key: str
    sha256: str
    size: int
    content_type: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    retain_until: datetime | None = None

    def __post_init__(self) -> None:
        # A frozen dataclass still hands out its dict; a proxy over a private copy makes it truly read-only.
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))


@dataclass(frozen=True)
class PutRequest:
    """The arguments of a put, validated once by the same rules for every adapter."""

    content_type: str
    metadata: Mapping[str, str]
    retain_until: datetime | None
    prefix: str

    @classmethod
    def build(
        cls,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None,
        retain_until: datetime | None,
        prefix: str,
    ) -> PutRequest:
        """Validate and normalise the arguments of :meth:`ObjectStore.put`."""
        return cls(
            content_type=check_content_type(content_type),
            metadata=check_metadata(metadata),
            retain_until=normalise_retain_until(retain_until),
            prefix=check_prefix(prefix),
        )


@runtime_checkable
class ObjectStore(Protocol):
    """Content-addressed, write-once object storage with optional retention (WORM) per object.

    Every method taking a key raises :class:`InvalidObjectKey` for a key that is not ``prefix + sha256 hex``.
    """

    @property
    def supports_retention(self) -> bool:
        """True when the store refuses, through this API, to delete an object before its ``retain_until``."""
        ...

    async def put(
        self,
        data: bytes,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
        retain_until: datetime | None = None,
        prefix: str = "",
    ) -> StoredObject:
        """Store ``data`` under ``prefix + sha256``; identical bytes again return the existing object.

        A second put never overwrites content or metadata; it only extends the retention when the new
        ``retain_until`` is later than the stored one.
        """
        ...

    async def put_file(
        self,
        path: Path,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
        retain_until: datetime | None = None,
        prefix: str = "",
    ) -> StoredObject:
        """Like :meth:`put`, streaming the file at ``path`` instead of holding it in memory."""
        ...

    async def get(self, key: str) -> bytes:
        """Return the content stored under ``key``; raise :class:`ObjectNotFound` if there is none."""
        ...

    async def get_to_file(self, key: str, path: Path) -> StoredObject:
        """Stream the content under ``key`` into ``path`` (replaced atomically) and return its description."""
        ...

    async def stat(self, key: str) -> StoredObject:
        """Describe the object under ``key`` without reading its content."""
        ...

    async def exists(self, key: str) -> bool:
        """Return whether an object is stored under ``key``."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; raise :class:`ObjectLocked` while its retention is active.

        Deleting a key that holds nothing raises :class:`ObjectNotFound` rather than passing silently, so a
        caller that thinks it removed a record learns that it was never there.
        """
        ...

    async def verify(self, key: str) -> bool:
        """Re-hash the stored content and return whether it still matches its key and recorded sha256."""
        ...


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` if it is empty or path segments each ending in ``/``; raise otherwise."""
    # Segments may not start with a dot, so ".." can never climb out of a filesystem root.
    if _PREFIX.fullmatch(prefix) is None:
        raise InvalidObjectKey(
            f"invalid key prefix {prefix!r}: use segments of letters, digits, '.', '_' or '-', "
            "each ending in '/', not starting with '.'"
        )
    return prefix


def content_key(*, prefix: str, sha256_hex: str) -> str:
    """Build the content-addressed key ``prefix + sha256_hex``."""
    if _SHA256_HEX.fullmatch(sha256_hex) is None:
        raise InvalidObjectKey(f"not a lower-case sha256 hex digest: {sha256_hex!r}")
    return check_prefix(prefix) + sha256_hex


def split_key(key: str) -> tuple[str, str]:
    """Split a key into ``(prefix, sha256_hex)``; raise :class:`InvalidObjectKey` for anything else."""
    prefix, digest = key[:-SHA256_HEX_LENGTH], key[-SHA256_HEX_LENGTH:]
    if _SHA256_HEX.fullmatch(digest) is None or _PREFIX.fullmatch(prefix) is None:
        raise InvalidObjectKey(f"not a content-addressed object key: {key!r}")
    return prefix, digest


def check_content_type(content_type: str) -> str:
    """Return ``content_type`` if it is non-empty printable ASCII (it travels as an HTTP header)."""
    if _CONTENT_TYPE.fullmatch(content_type) is None:
        raise InvalidObjectMetadata(
            f"invalid content type {content_type!r}: use printable ASCII, e.g. 'application/pdf'"
        )
    return content_type


def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """Return a copy of ``metadata`` after checking its keys (lower-case ASCII, not reserved) and its size."""
    checked: dict[str, str] = {}
    for key, value in (metadata or {}).items():
        if _METADATA_KEY.fullmatch(key) is None:
            raise InvalidObjectMetadata(f"invalid metadata key {key!r}: use lower-case ASCII letters, digits and '-'")
        if key.startswith(RESERVED_METADATA_PREFIX):
            raise InvalidObjectMetadata(
                f"metadata key {key!r} is reserved: keys starting with {RESERVED_METADATA_PREFIX!r} belong to the store"
            )
        if not isinstance(value, str):
            raise InvalidObjectMetadata(f"metadata value of {key!r} must be text, got {type(value).__name__}")
        checked[key] = value
    size = sum(len(key.encode("utf-8")) + len(value.encode("utf-8")) for key, value in checked.items())
    if size > MAX_METADATA_BYTES:
        raise InvalidObjectMetadata(
            f"metadata takes {size} bytes of UTF-8, more than the {MAX_METADATA_BYTES} an object may carry"
        )
    return checked


def normalise_retain_until(retain_until: datetime | None, *, now: datetime | None = None) -> datetime | None:
    """Return ``retain_until`` in UTC rounded up to the whole second; refuse naive or past dates."""
    if retain_until is None:
        return None
    if retain_until.tzinfo is None or retain_until.utcoffset() is None:
        raise InvalidRetention("retain_until must be timezone-aware (a naive date is ambiguous)")
    utc = retain_until.astimezone(UTC)
    if utc.microsecond:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    if utc <= (now or datetime.now(UTC)):
        raise InvalidRetention(f"retain_until {retain_until.isoformat()} is not in the future")
    return utc


def later_retention(current: datetime | None, requested: datetime | None) -> datetime | None:
    """Return the retention to keep when ``requested`` meets ``current``: the later one, never the shorter."""
    if current is None:
        return requested
    if requested is None:
        return current
    return max(current, requested)


def is_retained(retain_until: datetime | None, *, now: datetime | None = None) -> bool:
    """Return whether a retention date still forbids deletion."""
    return retain_until is not None and retain_until > (now or datetime.now(UTC))
