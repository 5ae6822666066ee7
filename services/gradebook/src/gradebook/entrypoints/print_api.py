"""Gradebook printing over HTTP: PDFs of the personal gradebook, class register, report cards, correction records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from edu_shared.web.app import CurrentUser
from gradebook.entrypoints.api import SHEET, Semester, ServiceDep
from gradebook.service_layer import printing
from gradebook.service_layer.handlers import Caller
from gradebook.service_layer.printing import Printed

router = APIRouter(tags=["printing"])
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {printing.PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
}


def attachment(printed: Printed) -> Response:
    """The file as a download; the filename is ASCII so every browser and proxy keeps it."""
    return Response(
        content=printed.content,
        media_type=printed.media_type,
        headers={"Content-Disposition": f'attachment; filename="{printed.filename}"'},
    )


@router.get(f"{SHEET}/print.pdf", summary="In sổ điểm cá nhân (PDF)", response_class=Response, responses=_PDF)
async def print_personal_gradebook(
    class_id: str, subject_code: str, semester: Semester, user: CurrentUser, service: ServiceDep
) -> Response:
    """The class list with TX1..TXn, GK, CK and ĐTBmhk; blank cells stay blank (start-of-semester copy)."""
    printed = await printing.personal_gradebook(
        service.uow(),
        caller=Caller(user=user, resolver=service.resolver),
        directory=service.resolver,
        class_id=class_id,
        subject_code=subject_code,
        semester=semester,
        printed_at=datetime.now(UTC),
    )
    return attachment(printed)


@router.get(
    "/classes/{class_id}/semesters/{semester}/register.pdf",
    summary="In sổ ghi điểm của lớp (PDF)",
    response_class=Response,
    responses=_PDF,
)
async def print_class_register(class_id: str, semester: Semester, user: CurrentUser, service: ServiceDep) -> Response:
    """Every subject's sheet of the class for the semester, the class summary and the print date."""
    printed = await printing.class_register(
        service.uow,
        caller=Caller(user=user, resolver=service.resolver),
        directory=service.resolver,
        class_id=class_id,
        semester=semester,
        printed_at=datetime.now(UTC),
    )
    return attachment(printed)


@router.get(
    "/classes/{class_id}/semesters/{semester}/report-cards.pdf",
    summary="In phiếu báo điểm (PDF, mỗi học sinh một trang)",
    response_class=Response,
    responses=_PDF,
)
async def print_report_cards(class_id: str, semester: Semester, user: CurrentUser, service: ServiceDep) -> Response:
    """Each student's subject results (ĐTBmhk or Đ/CĐ) and the semester learning result once complete."""
    printed = await printing.report_cards(
        service.uow,
        caller=Caller(user=user, resolver=service.resolver),
        directory=service.resolver,
        class_id=class_id,
        semester=semester,
        printed_at=datetime.now(UTC),
    )
    return attachment(printed)


@router.get(
    "/corrections/{correction_id}/record.pdf",
    summary="In biên bản sửa chữa dữ liệu (PDF)",
    response_class=Response,
    responses=_PDF,
)
async def print_correction_record(correction_id: str, user: CurrentUser, service: ServiceDep) -> Response:
    """The record of an approved or rejected correction (409 while pending), for approvers and the requester."""
    printed = await printing.correction_record(
        service.uow,
        caller=Caller(user=user, resolver=service.resolver),
        directory=service.resolver,
        correction_id=correction_id,
        printed_at=datetime.now(UTC),
    )
    return attachment(printed)
