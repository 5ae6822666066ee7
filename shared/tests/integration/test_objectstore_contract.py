"""The object store contract: every test runs against the filesystem store and against a real MinIO bucket.

The MinIO bucket is created per test with object lock; the store writes retention in GOVERNANCE mode
(production uses COMPLIANCE) so that the fixture can remove the locked test objects afterwards with the
bypass header. Nothing in the store itself ever bypasses a retention.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from pydantic import SecretStr

from edu_shared.objectstore import (
    FilesystemObjectStore,
    InvalidObjectKey,
    InvalidObjectMetadata,
    InvalidRetention,
    ObjectLocked,
    ObjectNotFound,
    ObjectStore,
    ObjectStoreError,
    S3ObjectStore,
    S3StoreSettings,
)
from edu_shared.objectstore.s3 import decode_metadata_value, encode_metadata_value
from edu_shared.testing.servers import S3Location

PDF = "application/pdf"
VIETNAMESE_TITLE = "Học bạ số – Nguyễn Văn An"


@dataclass(frozen=True)
class StoreUnderTest:
    """A store plus a way to corrupt an object behind its back, as a disk fault or an intruder would."""

    store: ObjectStore
    tamper: Callable[[str], Awaitable[None]]


def _filesystem_store(tmp_path: Path) -> StoreUnderTest:
    store = FilesystemObjectStore(tmp_path / "objects-root")

    async def tamper(key: str) -> None:
        path = store.path_of(key)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        content = bytearray(path.read_bytes())
        content[0] ^= 0xFF
        path.write_bytes(bytes(content))

    return StoreUnderTest(store=store, tamper=tamper)


def _settings(s3_location: S3Location, bucket: str) -> S3StoreSettings:
    return S3StoreSettings(
        endpoint=s3_location.endpoint,
        access_key=s3_location.access_key,
        secret_key=SecretStr(s3_location.secret_key),
        bucket=bucket,
        lock_mode="GOVERNANCE",
    )


def _admin_client(settings: S3StoreSettings) -> Minio:
    return Minio(
        settings.endpoint,
        access_key=settings.access_key,
        secret_key=settings.secret_key.get_secret_value(),
        secure=settings.secure,
    )


def _remove_bucket(client: Minio, bucket: str) -> None:
    if not client.bucket_exists(bucket):
        return
    versions = [
        DeleteObject(found.object_name or "", found.version_id)
        for found in client.list_objects(bucket, recursive=True, include_version=True)
    ]
    errors = list(client.remove_objects(bucket, versions, bypass_governance_mode=True))
    assert not errors, errors
    client.remove_bucket(bucket)


@pytest.fixture(params=["filesystem", pytest.param("minio", marks=pytest.mark.minio)])
async def subject(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreUnderTest]:
    if request.param == "filesystem":
        yield _filesystem_store(tmp_path)
        return
    s3_location: S3Location = request.getfixturevalue("s3_location")
    unique_name: str = request.getfixturevalue("unique_name")
    settings = _settings(s3_location, f"edu-test-objects-{unique_name}")
    admin = _admin_client(settings)
    store = S3ObjectStore.from_settings(settings)

    async def tamper(key: str) -> None:
        # A new version with other bytes but the original's recorded sha256, as a bad restore would write.
        head = await asyncio.to_thread(admin.stat_object, settings.bucket, key)
        recorded = head.metadata["x-amz-meta-edu-sha256"] if head.metadata else ""
        forged = b"forged content"
        await asyncio.to_thread(
            admin.put_object,
            settings.bucket,
            key,
            io.BytesIO(forged),
            len(forged),
            content_type=head.content_type or PDF,
            metadata={"x-amz-meta-edu-sha256": recorded},
        )

    try:
        yield StoreUnderTest(store=store, tamper=tamper)
    finally:
        await asyncio.to_thread(_remove_bucket, admin, settings.bucket)


@pytest.fixture
def store(subject: StoreUnderTest) -> ObjectStore:
    return subject.store


def _in(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def test_put_then_get_returns_the_same_bytes(store: ObjectStore) -> None:
    stored = await store.put(b"%PDF-1.7 transcript", content_type=PDF)

    assert await store.get(stored.key) == b"%PDF-1.7 transcript"
    assert await store.exists(stored.key)


async def test_key_is_the_prefix_plus_sha256_of_the_content(store: ObjectStore) -> None:
    data = b"signed transcript 2024-2025"
    digest = hashlib.sha256(data).hexdigest()

    plain = await store.put(data, content_type=PDF)
    prefixed = await store.put(data, content_type=PDF, prefix="transcripts/2024/")

    assert plain.key == digest
    assert plain.sha256 == digest
    assert plain.size == len(data)
    assert prefixed.key == f"transcripts/2024/{digest}"
    assert await store.get(prefixed.key) == data


async def test_putting_the_same_bytes_again_returns_the_existing_object(store: ObjectStore) -> None:
    first = await store.put(b"same bytes", content_type=PDF, metadata={"student": "hs-001"})

    second = await store.put(b"same bytes", content_type="text/plain", metadata={"student": "hs-999"})

    assert second == first
    assert await store.stat(first.key) == first


async def test_different_content_gets_a_different_key(store: ObjectStore) -> None:
    one = await store.put(b"transcript of An", content_type=PDF)
    other = await store.put(b"transcript of Binh", content_type=PDF)

    assert one.key != other.key
    assert await store.get(one.key) == b"transcript of An"
    assert await store.get(other.key) == b"transcript of Binh"


async def test_stat_returns_content_type_size_and_metadata(store: ObjectStore) -> None:
    metadata = {"student-id": "hs-2024-0001", "school-year": "2024-2025"}
    stored = await store.put(b"report card", content_type="application/pdf", metadata=metadata)

    described = await store.stat(stored.key)

    assert described.key == stored.key
    assert described.sha256 == hashlib.sha256(b"report card").hexdigest()
    assert described.size == len(b"report card")
    assert described.content_type == "application/pdf"
    assert dict(described.metadata) == metadata
    assert described.retain_until is None


async def test_missing_key_raises_object_not_found(store: ObjectStore) -> None:
    missing = hashlib.sha256(b"never stored").hexdigest()

    with pytest.raises(ObjectNotFound) as raised:
        await store.get(missing)
    assert raised.value.key == missing
    with pytest.raises(ObjectNotFound):
        await store.stat(missing)
    with pytest.raises(ObjectNotFound):
        await store.verify(missing)
    with pytest.raises(ObjectNotFound):
        await store.delete(missing)
    assert not await store.exists(missing)


async def test_malformed_keys_are_refused(store: ObjectStore) -> None:
    digest = hashlib.sha256(b"x").hexdigest()

    for key in ("", "not-a-digest", f"../{digest}", f"/etc/{digest}", digest.upper(), f"a/../{digest}"):
        with pytest.raises(InvalidObjectKey):
            await store.get(key)
        with pytest.raises(InvalidObjectKey):
            await store.exists(key)
    with pytest.raises(InvalidObjectKey):
        await store.put(b"x", content_type=PDF, prefix="../escape/")
    with pytest.raises(InvalidObjectKey):
        await store.put(b"x", content_type=PDF, prefix="no-trailing-slash")


async def test_delete_removes_the_object(store: ObjectStore) -> None:
    stored = await store.put(b"draft, not yet signed", content_type=PDF)

    await store.delete(stored.key)

    assert not await store.exists(stored.key)
    with pytest.raises(ObjectNotFound):
        await store.get(stored.key)


async def test_deleted_content_can_be_stored_again(store: ObjectStore) -> None:
    stored = await store.put(b"re-uploaded", content_type=PDF)
    await store.delete(stored.key)

    again = await store.put(b"re-uploaded", content_type="text/plain")

    assert again.key == stored.key
    assert (await store.stat(again.key)).content_type == "text/plain"


async def test_delete_under_retention_raises_object_locked_and_keeps_the_object(store: ObjectStore) -> None:
    assert store.supports_retention
    stored = await store.put(b"signed transcript", content_type=PDF, retain_until=_in(3600))

    with pytest.raises(ObjectLocked) as raised:
        await store.delete(stored.key)

    assert raised.value.key == stored.key
    assert raised.value.retain_until == stored.retain_until
    assert await store.get(stored.key) == b"signed transcript"
    assert await store.verify(stored.key)


async def test_retention_is_rounded_up_to_the_second_and_reported_by_stat(store: ObjectStore) -> None:
    requested = _in(3600).replace(microsecond=250_000)

    stored = await store.put(b"retained", content_type=PDF, retain_until=requested)

    assert stored.retain_until == requested.replace(microsecond=0) + timedelta(seconds=1)
    assert (await store.stat(stored.key)).retain_until == stored.retain_until


async def test_putting_again_never_shortens_a_retention(store: ObjectStore) -> None:
    long = await store.put(b"legal record", content_type=PDF, retain_until=_in(7200))

    again = await store.put(b"legal record", content_type=PDF, retain_until=_in(60))
    without = await store.put(b"legal record", content_type=PDF)

    assert again.retain_until == long.retain_until
    assert without.retain_until == long.retain_until
    assert (await store.stat(long.key)).retain_until == long.retain_until


async def test_putting_again_with_a_later_date_extends_the_retention(store: ObjectStore) -> None:
    unretained = await store.put(b"to be archived", content_type=PDF)
    short = await store.put(b"to be archived", content_type=PDF, retain_until=_in(600))
    longer = await store.put(b"to be archived", content_type=PDF, retain_until=_in(7200))

    assert unretained.retain_until is None
    assert short.retain_until is not None and longer.retain_until is not None
    assert longer.retain_until > short.retain_until
    assert (await store.stat(unretained.key)).retain_until == longer.retain_until
    with pytest.raises(ObjectLocked):
        await store.delete(unretained.key)


async def test_object_can_be_deleted_once_its_retention_has_passed(store: ObjectStore) -> None:
    stored = await store.put(b"short-lived", content_type=PDF, retain_until=_in(1))
    with pytest.raises(ObjectLocked):
        await store.delete(stored.key)
    assert stored.retain_until is not None

    await asyncio.sleep((stored.retain_until - datetime.now(UTC)).total_seconds() + 1.0)
    await store.delete(stored.key)

    assert not await store.exists(stored.key)


async def test_naive_or_past_retention_is_refused(store: ObjectStore) -> None:
    with pytest.raises(InvalidRetention):
        await store.put(b"x", content_type=PDF, retain_until=datetime.now() + timedelta(days=1))
    with pytest.raises(InvalidRetention):
        await store.put(b"x", content_type=PDF, retain_until=_in(-60))


async def test_verify_accepts_intact_content(store: ObjectStore) -> None:
    stored = await store.put(b"intact", content_type=PDF, prefix="transcripts/")

    assert await store.verify(stored.key)


async def test_verify_detects_tampering(subject: StoreUnderTest) -> None:
    stored = await subject.store.put(b"original signed bytes", content_type=PDF)

    await subject.tamper(stored.key)

    assert not await subject.store.verify(stored.key)


async def test_vietnamese_metadata_survives_the_round_trip(store: ObjectStore) -> None:
    metadata = {
        "title": VIETNAMESE_TITLE,
        "school": "Trường THPT Chu Văn An, Hà Nội",
        "note": "  leading and trailing spaces  ",
        "looks-encoded": "=?UTF-8?B?SOG7jWM=?=",
        "empty": "",
        "long": "Nguyễn Thị Minh Khai – lớp 12A1 – " * 8,
        "ascii": "hs-2024-0001",
    }

    stored = await store.put(b"hoc ba", content_type=PDF, metadata=metadata)

    assert dict(stored.metadata) == metadata
    assert dict((await store.stat(stored.key)).metadata) == metadata


async def test_invalid_metadata_is_refused(store: ObjectStore) -> None:
    for metadata in ({"Title": "x"}, {"tên": "x"}, {"edu-sha256": "x"}, {"a_b": "x"}, {"big": "ễ" * 400}):
        with pytest.raises(InvalidObjectMetadata):
            await store.put(b"x", content_type=PDF, metadata=metadata)
    with pytest.raises(InvalidObjectMetadata):
        await store.put(b"x", content_type="")


async def test_five_mebibyte_binary_object_round_trips(store: ObjectStore) -> None:
    data = os.urandom(5 * 1024 * 1024) + bytes(range(256))

    stored = await store.put(data, content_type="application/octet-stream")

    assert stored.size == len(data)
    assert await store.get(stored.key) == data
    assert await store.verify(stored.key)


async def test_files_are_streamed_in_and_out(store: ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "scan.bin"
    source.write_bytes(os.urandom(6 * 1024 * 1024 + 17))
    digest = hashlib.sha256(source.read_bytes()).hexdigest()

    stored = await store.put_file(source, content_type="image/tiff", metadata={"title": VIETNAMESE_TITLE})
    copy = tmp_path / "out" / "copy.bin"
    described = await store.get_to_file(stored.key, copy)

    assert stored.key == digest
    assert copy.read_bytes() == source.read_bytes()
    assert described == stored
    assert dict(described.metadata) == {"title": VIETNAMESE_TITLE}
    assert not [path for path in copy.parent.iterdir() if path != copy]
    assert await store.put(source.read_bytes(), content_type="image/tiff") == stored


async def test_get_to_file_of_a_missing_key_raises_and_writes_nothing(store: ObjectStore, tmp_path: Path) -> None:
    target = tmp_path / "never.bin"

    with pytest.raises(ObjectNotFound):
        await store.get_to_file(hashlib.sha256(b"absent").hexdigest(), target)

    assert not list(tmp_path.glob("*never.bin*"))


@pytest.mark.minio
async def test_minio_itself_refuses_to_delete_a_retained_version(s3_location: S3Location, unique_name: str) -> None:
    """Not only the store's own check: the server's object lock holds against a direct S3 call."""
    settings = _settings(s3_location, f"edu-test-lock-{unique_name}")
    admin = _admin_client(settings)
    store = S3ObjectStore.from_settings(settings)
    try:
        stored = await store.put(
            b"signed", content_type=PDF, metadata={"title": VIETNAMESE_TITLE}, retain_until=_in(3600)
        )
        head = await asyncio.to_thread(admin.stat_object, settings.bucket, stored.key)

        with pytest.raises(S3Error):
            await asyncio.to_thread(admin.remove_object, settings.bucket, stored.key, head.version_id)

        assert head.metadata is not None
        assert head.metadata["x-amz-object-lock-mode"] == "GOVERNANCE"
        assert head.metadata["x-amz-meta-title"].startswith("=?UTF-8?B?")
        assert await store.get(stored.key) == b"signed"
    finally:
        await asyncio.to_thread(_remove_bucket, admin, settings.bucket)


@pytest.mark.minio
async def test_a_bucket_without_object_lock_is_refused(s3_location: S3Location, unique_name: str) -> None:
    settings = _settings(s3_location, f"edu-test-nolock-{unique_name}")
    admin = _admin_client(settings)
    await asyncio.to_thread(admin.make_bucket, settings.bucket)
    try:
        store = S3ObjectStore.from_settings(settings)

        with pytest.raises(ObjectStoreError, match="without object lock"):
            await store.put(b"record", content_type=PDF)
    finally:
        await asyncio.to_thread(_remove_bucket, admin, settings.bucket)


def test_metadata_encoding_keeps_plain_ascii_readable_and_encodes_the_rest() -> None:
    assert encode_metadata_value("hs-2024-0001") == "hs-2024-0001"
    encoded = encode_metadata_value(VIETNAMESE_TITLE)
    assert encoded.isascii()
    assert encoded.startswith("=?UTF-8?B?")
    assert decode_metadata_value(encoded) == VIETNAMESE_TITLE
    assert decode_metadata_value("=?utf-8?q?H=E1=BB=8Dc_b=E1=BA=A1?=") == "Học bạ"
