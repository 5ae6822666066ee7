"""What only the filesystem store promises: on-disk layout, read-only files, atomic writes, crash leftovers.

The behaviour both stores share lives in tests/integration/test_objectstore_contract.py. These tests touch
only a temporary directory; the factory and settings tests at the end do no I/O at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from edu_shared.objectstore import (
    FilesystemObjectStore,
    ObjectStore,
    ObjectStoreError,
    S3ObjectStore,
    S3StoreSettings,
    build_object_store,
)

PDF = "application/pdf"


@pytest.fixture
def store(tmp_path: Path) -> FilesystemObjectStore:
    return FilesystemObjectStore(tmp_path)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_objects_are_sharded_by_the_first_hex_pairs_under_their_prefix(
    store: FilesystemObjectStore, tmp_path: Path
) -> None:
    data = b"transcript"
    digest = hashlib.sha256(data).hexdigest()

    stored = await store.put(data, content_type=PDF, prefix="transcripts/2024/")

    expected = tmp_path / "objects" / "transcripts" / "2024" / digest[:2] / digest[2:4] / digest
    assert store.path_of(stored.key) == expected
    assert expected.read_bytes() == data
    assert expected.with_name(digest + ".json").is_file()


async def test_content_and_sidecar_are_read_only(store: FilesystemObjectStore) -> None:
    stored = await store.put(b"signed", content_type=PDF)
    path = store.path_of(stored.key)

    assert _mode(path) == 0o444
    assert _mode(path.with_name(path.name + ".json")) == 0o444


async def test_sidecar_is_readable_utf8_json(store: FilesystemObjectStore) -> None:
    retain_until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3650)
    stored = await store.put(
        b"hoc ba", content_type=PDF, metadata={"title": "Học bạ – Nguyễn Văn An"}, retain_until=retain_until
    )
    sidecar = store.path_of(stored.key).with_name(stored.sha256 + ".json")

    text = sidecar.read_text(encoding="utf-8")
    document = json.loads(text)

    assert "Nguyễn Văn An" in text
    assert document["sha256"] == stored.sha256
    assert document["size"] == 6
    assert document["content_type"] == PDF
    assert datetime.fromisoformat(document["retain_until"]) == retain_until


async def test_no_temporary_files_are_left_behind(store: FilesystemObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"streamed" * 1000)

    stored = await store.put(b"once", content_type=PDF)
    await store.put(b"once", content_type=PDF, retain_until=datetime.now(UTC) + timedelta(hours=1))
    await store.put_file(source, content_type=PDF)

    assert list((tmp_path / "staging").iterdir()) == []
    shard = store.path_of(stored.key).parent
    assert sorted(path.name for path in shard.iterdir()) == [stored.sha256, stored.sha256 + ".json"]


async def test_putting_again_does_not_rewrite_the_content_file(store: FilesystemObjectStore) -> None:
    stored = await store.put(b"immutable", content_type=PDF)
    before = store.path_of(stored.key).stat()

    await store.put(b"immutable", content_type=PDF, retain_until=datetime.now(UTC) + timedelta(hours=1))

    after = store.path_of(stored.key).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


async def test_concurrent_puts_of_the_same_bytes_keep_the_longest_retention(
    store: FilesystemObjectStore,
) -> None:
    now = datetime.now(UTC)
    dates = [now + timedelta(hours=hours) for hours in (1, 48, 2, 24, 3, 12, 4, 6)]

    results = await asyncio.gather(*(store.put(b"raced", content_type=PDF, retain_until=date) for date in dates))

    kept = (await store.stat(results[0].key)).retain_until
    assert kept is not None
    assert max(dates) <= kept < max(dates) + timedelta(seconds=1)
    assert all(result.retain_until is not None and result.retain_until <= kept for result in results)


async def test_a_sidecar_left_by_a_crash_before_the_content_is_invisible_and_replaced(
    store: FilesystemObjectStore,
) -> None:
    data = b"interrupted upload"
    digest = hashlib.sha256(data).hexdigest()
    orphan = store.path_of(digest).with_name(digest + ".json")
    orphan.parent.mkdir(parents=True)
    orphan.write_text('{"half": "written"', encoding="utf-8")

    assert not await store.exists(digest)
    stored = await store.put(data, content_type=PDF, metadata={"attempt": "2"})

    assert await store.stat(digest) == stored
    assert await store.get(digest) == data


async def test_an_object_whose_sidecar_was_lost_is_reported_damaged(store: FilesystemObjectStore) -> None:
    stored = await store.put(b"sidecar will vanish", content_type=PDF)
    store.path_of(stored.key).with_name(stored.sha256 + ".json").unlink()

    with pytest.raises(ObjectStoreError, match="lost its sidecar"):
        await store.stat(stored.key)
    assert not await store.verify(stored.key)


async def test_a_truncated_file_fails_verification(store: FilesystemObjectStore) -> None:
    stored = await store.put(b"0123456789", content_type=PDF)
    path = store.path_of(stored.key)
    path.chmod(0o644)
    path.write_bytes(b"01234")

    assert not await store.verify(stored.key)


async def test_a_file_store_satisfies_the_port(store: FilesystemObjectStore) -> None:
    assert isinstance(store, ObjectStore)
    assert store.supports_retention


def test_no_settings_means_the_embedded_filesystem_store(tmp_path: Path) -> None:
    store = build_object_store(None, default_root=tmp_path / "store")

    assert isinstance(store, FilesystemObjectStore)
    assert store.root == tmp_path / "store"


def test_s3_settings_build_an_s3_store_without_touching_the_network() -> None:
    settings = S3StoreSettings(
        endpoint="minio.so-gd.example:9000",
        access_key="edu",
        secret_key=SecretStr("s3cr3t"),
        bucket="records",
    )

    store = build_object_store(settings, default_root=Path("/unused"))

    assert isinstance(store, S3ObjectStore)
    assert store.bucket == "records"
    assert settings.lock_mode == "COMPLIANCE"


def test_s3_settings_accept_a_url_endpoint() -> None:
    settings = S3StoreSettings.model_validate(
        {"endpoint": "https://minio.so-gd.example:9000", "access_key": "a", "secret_key": "b", "bucket": "c"}
    )

    assert settings.endpoint == "minio.so-gd.example:9000"
    assert settings.secure


def test_s3_settings_refuse_a_scheme_contradicting_secure() -> None:
    with pytest.raises(ValidationError, match="contradicts"):
        S3StoreSettings.model_validate(
            {"endpoint": "http://m:9000", "access_key": "a", "secret_key": "b", "bucket": "c", "secure": True}
        )
