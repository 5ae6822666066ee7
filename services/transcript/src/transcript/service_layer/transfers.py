"""Transfers and graduation: export a signed version as a package, and import one at the receiving school after its
manifest and every signature verified."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.contracts.signing import DocumentRef
from edu_shared.contracts.transcript import TranscriptExported, TranscriptImported
from edu_shared.errors import Conflict, InvalidInput
from edu_shared.objectstore.port import ObjectStore
from transcript.adapters.packages import (
    ZIP_MEDIA_TYPE,
    PackageFile,
    build_zip,
    manifest_entries,
    manifest_problems,
    read_zip,
)
from transcript.adapters.signature_check import SignatureVerifier
from transcript.adapters.versions_repo import FrozenVersion, ImportedPackage
from transcript.domain.lifecycle import current_valid
from transcript.domain.transcript import LEVELS, transcript_id
from transcript.service_layer.drafts import rebuild_drafts
from transcript.service_layer.handlers import Caller, UowFactory, transcript

PACKAGE_FORMAT = "edurecords-hoc-ba-package/1"
IMPORT_PREFIX = "transcripts/imports/"


@dataclass(frozen=True)
class ExportedPackage:
    filename: str
    data: bytes
    sha256: str
    version: int


def _ref(documents: tuple[DocumentRef, ...], role: str) -> DocumentRef | None:
    return next((d for d in documents if d.role == role), None)


def package_manifest(frozen: FrozenVersion, files: list[PackageFile], *, exported_at: datetime) -> dict[str, Any]:
    """What a receiving school needs to check the package and continue the record."""
    t, v = frozen.transcript, frozen.version
    return {
        "format": PACKAGE_FORMAT,
        "transcript_id": t.id,
        "version": v.version,
        "level": t.level,
        "verification_code": t.verification_code,
        "content_sha256": v.content_sha256,
        "school": {"id": t.school_id, "name": t.school_name},
        "student": {
            "id": t.student_id,
            "full_name": t.profile.full_name,
            "date_of_birth": t.profile.date_of_birth.isoformat(),
            "national_id": t.profile.national_id,
            "moet_student_id": t.profile.moet_student_id,
        },
        "school_years": [p.school_year for p in t.pages],
        "signature_fields": list(t.signature_fields),
        "signed_at": v.signed_at.isoformat() if v.signed_at else None,
        "exported_at": exported_at.isoformat(),
        "files": manifest_entries(files),
    }


async def export_package(
    transcript_id_: str, uow_factory: UowFactory, *, caller: Caller, store: ObjectStore, now: datetime
) -> ExportedPackage:
    """The signed version that stands, as a zip: signed PDF, XML and a manifest of their SHA-256."""
    await transcript(uow_factory, caller=caller, transcript_id=transcript_id_)
    async with uow_factory() as uow:
        valid = current_valid(await uow.versions.of_transcript(transcript_id_))
        frozen = await uow.versions.frozen(transcript_id_, valid.version) if valid else None
    if frozen is None:
        raise Conflict("Chỉ xuất được gói của học bạ đã ký xong.", field="transcript_id", value=transcript_id_)
    pdf = _ref(frozen.signed_documents, "pdf")
    xml = _ref(frozen.signed_documents, "xml") or _ref(frozen.submitted_documents, "xml")
    files = [PackageFile("hoc-ba.pdf", await store.get(pdf.object_key))] if pdf else []
    if xml is not None:
        files.append(PackageFile("hoc-ba.xml", await store.get(xml.object_key)))
    manifest = package_manifest(frozen, files, exported_at=now)
    data, _ = build_zip(files, manifest)
    sha = hashlib.sha256(data).hexdigest()
    t = frozen.transcript
    async with uow_factory() as uow:
        uow.emit(
            TranscriptExported(
                transcript_id=t.id,
                school_id=t.school_id,
                student_id=t.student_id,
                version=frozen.version.version,
                package_sha256=sha,
                exported_by=caller.user.username,
                exported_at=now,
            ),
            partition_key=t.school_id,
            subject=t.id,
        )
        await uow.commit()
    return ExportedPackage(
        filename=f"hoc-ba-{t.verification_code}-v{frozen.version.version}.zip",
        data=data,
        sha256=sha,
        version=frozen.version.version,
    )


def _refuse(detail: str, *, field: str, value: object) -> InvalidInput:
    return InvalidInput(f"Không nhận gói học bạ: {detail}", field=field, value=value)


async def _check_signatures(manifest: dict[str, Any], files: dict[str, bytes], verifier: SignatureVerifier) -> None:
    pdfs = sorted(p for p in files if p.lower().endswith(".pdf"))
    if not pdfs:
        raise _refuse("gói không có tệp PDF học bạ đã ký.", field="package", value="pdf")
    expected = {str(f) for f in manifest.get("signature_fields") or []}
    for path in pdfs:
        checked = await verifier.verify_pdf(files[path])
        if checked.problems:
            raise _refuse(f"tệp {path}: {' '.join(checked.problems)}", field="file", value=path)
        if not checked.signatures:
            raise _refuse(f"tệp {path} không có chữ ký số nào.", field="file", value=path)
        for s in checked.signatures:
            if not s.intact:
                raise _refuse(
                    f"chữ ký {s.field_name} của tệp {path} không còn khớp: nội dung đã bị thay đổi sau khi ký.",
                    field="signature",
                    value=s.field_name,
                )
            if not s.trusted or s.problems:
                why = " ".join(s.problems) or "chứng thư số không dẫn về tổ chức chứng thực được tin cậy."
                raise _refuse(f"chữ ký {s.field_name} của tệp {path}: {why}", field="signature", value=s.field_name)
        missing = sorted((expected - checked.signed_fields) | set(checked.empty_fields))
        if missing:
            raise _refuse(f"tệp {path} còn thiếu chữ ký: {', '.join(missing)}.", field="signature", value=missing[0])


async def import_package(
    data: bytes,
    *,
    school_id: str,
    uow_factory: UowFactory,
    caller: Caller,
    store: ObjectStore,
    verifier: SignatureVerifier,
    now: datetime,
) -> ImportedPackage:
    """The receiving school's principal accepts a package: manifest hashes, the student and every signature are
    checked first; on any problem nothing is stored."""
    await authorize(caller.user, Permission.TRANSCRIPT_SIGN, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    manifest, files = read_zip(data)
    if manifest.get("format") != PACKAGE_FORMAT:
        raise _refuse("định dạng gói không được hỗ trợ.", field="format", value=str(manifest.get("format"))[:50])
    problems = manifest_problems(manifest, files)
    if problems:
        path, problem = problems[0]
        raise _refuse(f"tệp {path} {problem}.", field="manifest", value=path)
    student = manifest.get("student") or {}
    level = manifest.get("level")
    if level not in LEVELS:
        raise _refuse("manifest không ghi cấp học.", field="level", value=str(level))
    async with uow_factory() as uow:
        student_id = await uow.transcripts.student_at_school(
            school_id, student_id=str(student.get("id")), national_id=student.get("national_id")
        )
    if student_id is None:
        raise _refuse(
            f"học sinh {student.get('full_name') or student.get('id')} không có trong danh sách của trường.",
            field="student_id",
            value=str(student.get("id")),
        )
    await _check_signatures(manifest, files, verifier)
    stored = await store.put(data, content_type=ZIP_MEDIA_TYPE, prefix=IMPORT_PREFIX)
    async with uow_factory() as uow:
        await rebuild_drafts(uow, [student_id], now=now)
        mine = [s for s in await uow.transcripts.of_student(student_id) if s.transcript.school_id == school_id]
        same_level = transcript_id(student_id, level)
        target = next((s for s in mine if s.transcript.id == same_level), mine[-1] if mine else None)
        if target is None:
            raise _refuse(
                "học sinh chưa có học bạ ở trường nhận (chưa được xếp lớp).", field="student_id", value=student_id
            )
        package = ImportedPackage(
            id=str(uuid.uuid4()),
            transcript_id=target.transcript.id,
            student_id=student_id,
            school_id=school_id,
            source_school_name=str((manifest.get("school") or {}).get("name") or ""),
            source_transcript_id=str(manifest.get("transcript_id") or ""),
            school_years=tuple(str(y) for y in manifest.get("school_years") or []),
            package_key=stored.key,
            package_sha256=stored.sha256,
            manifest=manifest,
            imported_by=caller.user.username,
            imported_at=now,
        )
        await uow.versions.add_import(package)
        uow.emit(
            TranscriptImported(
                import_id=package.id,
                transcript_id=package.transcript_id,
                school_id=school_id,
                student_id=student_id,
                source_school_name=package.source_school_name,
                source_transcript_id=package.source_transcript_id,
                school_years=list(package.school_years),
                package_key=package.package_key,
                package_sha256=package.package_sha256,
                imported_by=package.imported_by,
                imported_at=now,
            ),
            partition_key=school_id,
            subject=package.transcript_id,
        )
        await uow.commit()
    return package
