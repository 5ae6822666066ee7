"""Zip packages with a manifest of every file's SHA-256: a class's archive bundle and a student's transfer package.

Zips are written deterministically (fixed entry times, sorted order), so the same files give the same bytes and
the same content-addressed key: writing a bundle twice stores it once.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from edu_shared.errors import InvalidInput

MANIFEST = "manifest.json"
ZIP_MEDIA_TYPE = "application/zip"
_EPOCH = (2000, 1, 1, 0, 0, 0)
MAX_PACKAGE_BYTES = 100 * 1024 * 1024
_MEDIA_TYPES = {".pdf": "application/pdf", ".xml": "application/xml"}


@dataclass(frozen=True)
class PackageFile:
    path: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def manifest_entries(files: Sequence[PackageFile]) -> list[dict[str, Any]]:
    """The manifest's `files`: path, SHA-256, size and media type of each file."""
    return [
        {
            "path": f.path,
            "sha256": f.sha256,
            "size": len(f.data),
            "media_type": _MEDIA_TYPES.get(f.path[f.path.rfind(".") :], "application/octet-stream"),
        }
        for f in files
    ]


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()


def build_zip(files: Sequence[PackageFile], manifest: Mapping[str, Any]) -> tuple[bytes, str]:
    """The zip (manifest first, then the files in order) and the SHA-256 of the manifest inside it."""
    listed = manifest_bytes(manifest)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in [(MANIFEST, listed), *((f.path, f.data) for f in files)]:
            info = zipfile.ZipInfo(path, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o444 << 16
            archive.writestr(info, data)
    return buffer.getvalue(), hashlib.sha256(listed).hexdigest()


def read_zip(data: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the other files of a package; a clear error when it is not one."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise InvalidInput("Gói học bạ quá lớn (tối đa 100 MB).", field="package", value=f"{len(data)} byte")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if MANIFEST not in names:
                raise InvalidInput("Gói học bạ không có tệp manifest.json.", field="package", value=MANIFEST)
            manifest = json.loads(archive.read(MANIFEST))
            files = {n: archive.read(n) for n in names if n != MANIFEST and not n.endswith("/")}
    except (zipfile.BadZipFile, ValueError, KeyError) as e:
        if isinstance(e, InvalidInput):
            raise
        raise InvalidInput("Tệp tải lên không phải gói học bạ (zip) hợp lệ.", field="package", value=str(e)[:80]) from e
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        raise InvalidInput("Tệp manifest.json không đúng định dạng.", field="manifest", value=MANIFEST)
    return manifest, files


def manifest_problems(manifest: Mapping[str, Any], files: Mapping[str, bytes]) -> list[tuple[str, str]]:
    """(path, problem) for every file missing, extra or not matching its SHA-256 and size in the manifest."""
    problems: list[tuple[str, str]] = []
    listed: dict[str, Mapping[str, Any]] = {}
    for entry in manifest["files"]:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("path"), str):
            problems.append(("manifest.json", "mục tệp không đúng định dạng"))
            continue
        listed[entry["path"]] = entry
    for path, entry in listed.items():
        data = files.get(path)
        if data is None:
            problems.append((path, "có trong manifest nhưng không có trong gói"))
        elif hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get("size"):
            problems.append((path, "SHA-256 không khớp với manifest (tệp đã bị thay đổi)"))
    for path in sorted(set(files) - set(listed)):
        problems.append((path, "có trong gói nhưng không có trong manifest"))
    return problems
