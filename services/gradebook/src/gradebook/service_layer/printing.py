"""Use cases of printing (DOMAIN §4): the gradebook's PDFs, authorized exactly like the reads they print."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.directory import DirectoryResolver
from edu_shared.errors import Conflict, NotFound
from gradebook.adapters import pdf_documents
from gradebook.service_layer import handlers
from gradebook.service_layer.handlers import Caller
from gradebook.service_layer.uow import GradebookUnitOfWork

PDF_MEDIA_TYPE = "application/pdf"


@dataclass(frozen=True)
class Printed:
    """A file to hand to the user."""

    filename: str
    content: bytes
    media_type: str = PDF_MEDIA_TYPE


def ascii_filename(*parts: object, extension: str) -> str:
    """ "so-diem-6A1-toan-hk1.pdf": diacritics dropped (đ → d), anything else unsafe in a header becomes "-"."""
    text = "-".join(str(p) for p in parts).replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "tai-lieu"
    return f"{text}.{extension}"


async def school_name(directory: DirectoryResolver, school_id: str) -> str:
    """The school's name from the org directory projection (its id while identity has not announced it)."""
    for school in await directory.schools():
        if school["id"] == school_id:
            return school["name"]
    return school_id


async def personal_gradebook(
    uow: GradebookUnitOfWork,
    *,
    caller: Caller,
    directory: DirectoryResolver,
    class_id: str,
    subject_code: str,
    semester: int,
    printed_at: datetime,
) -> Printed:
    """Sổ điểm cá nhân of one class, subject and semester (usable blank at the start of the semester)."""
    sheet = await handlers.score_sheet(
        uow, caller=caller, class_id=class_id, subject_code=subject_code, semester=semester
    )
    content = pdf_documents.personal_gradebook(
        sheet, school_name=await school_name(directory, sheet.school_id), printed_at=printed_at
    )
    return Printed(ascii_filename("so-diem", sheet.class_name, subject_code, f"hk{semester}", extension="pdf"), content)


async def class_register(
    uow_factory: Callable[[], GradebookUnitOfWork],
    *,
    caller: Caller,
    directory: DirectoryResolver,
    class_id: str,
    semester: int,
    printed_at: datetime,
) -> Printed:
    """Sổ ghi điểm của lớp for a semester: every subject's sheet and the class summary (class-wide read)."""
    results = await handlers.class_results(uow_factory(), caller=caller, class_id=class_id)
    sheets = [
        await handlers.score_sheet(
            uow_factory(), caller=caller, class_id=class_id, subject_code=subject.code, semester=semester
        )
        for subject in results.subjects
    ]
    school_id = await _school_of(uow_factory(), class_id)
    content = pdf_documents.class_register(
        sheets,
        results,
        semester=semester,
        school_name=await school_name(directory, school_id),
        printed_at=printed_at,
    )
    return Printed(ascii_filename("so-ghi-diem", results.class_name, f"hk{semester}", extension="pdf"), content)


async def report_cards(
    uow_factory: Callable[[], GradebookUnitOfWork],
    *,
    caller: Caller,
    directory: DirectoryResolver,
    class_id: str,
    semester: int,
    printed_at: datetime,
) -> Printed:
    """Phiếu báo điểm of every student of the class, one page each, from the class results (TT22)."""
    results = await handlers.class_results(uow_factory(), caller=caller, class_id=class_id)
    school_id = await _school_of(uow_factory(), class_id)
    content = pdf_documents.report_cards(
        results, semester=semester, school_name=await school_name(directory, school_id), printed_at=printed_at
    )
    return Printed(ascii_filename("phieu-bao-diem", results.class_name, f"hk{semester}", extension="pdf"), content)


async def _school_of(uow: GradebookUnitOfWork, class_id: str) -> str:
    async with uow:
        klass = await uow.scores.class_info(class_id)
    if klass is None:
        raise NotFound(f"Không tìm thấy lớp {class_id}.", class_id=class_id)
    return klass.school_id


async def correction_record(
    uow_factory: Callable[[], GradebookUnitOfWork],
    *,
    caller: Caller,
    directory: DirectoryResolver,
    correction_id: str,
    printed_at: datetime,
) -> Printed:
    """Biên bản sửa chữa dữ liệu of a decided correction, for the school's approvers and the requester."""
    async with uow_factory() as uow:
        correction = await uow.scores.correction(correction_id)
    if correction is None:
        raise NotFound(f"Không tìm thấy yêu cầu sửa điểm {correction_id}.", correction_id=correction_id)
    if caller.user.sub != correction.requested_by:
        await authorize(
            caller.user,
            Permission.CORRECTION_APPROVE,
            (ScopeType.SCHOOL, correction.school_id),
            resolver=caller.resolver,
        )
    if correction.status == "pending":
        raise Conflict(
            f"Yêu cầu sửa điểm {correction_id} chưa được phê duyệt hay từ chối: chưa lập được biên bản.",
            correction_id=correction_id,
            correction_status=correction.status,
        )
    async with uow_factory() as uow:
        klass = await uow.scores.class_info(correction.class_id)
        subject = await uow.scores.subject(class_id=correction.class_id, subject_code=correction.subject_code)
        # The student may have moved class since; the record still names them when the roster does.
        roster = {s.id: s.full_name for s in await uow.scores.class_students(correction.class_id)}
    content = pdf_documents.correction_record(
        correction,
        school_name=await school_name(directory, correction.school_id),
        class_name=klass.name if klass is not None else correction.class_id,
        subject_name=subject.name if subject is not None else correction.subject_code,
        student_name=roster.get(correction.student_id, correction.student_id),
        printed_at=printed_at,
    )
    filename = ascii_filename("bien-ban-sua-diem", correction.id[:8], extension="pdf")
    return Printed(filename, content)
