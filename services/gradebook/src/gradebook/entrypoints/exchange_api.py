"""Excel exchange of a score sheet over HTTP: download the .xlsx, upload it back as one all-or-nothing batch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from edu_shared.errors import InvalidInput
from edu_shared.web.app import CurrentUser
from gradebook.adapters.xlsx_sheets import XLSX_MEDIA_TYPE
from gradebook.entrypoints.api import SHEET, Semester, ServiceDep
from gradebook.entrypoints.print_api import attachment
from gradebook.entrypoints.schemas import ScoreChangeRead
from gradebook.service_layer import exchange
from gradebook.service_layer.handlers import Caller

router = APIRouter(tags=["scores"])
_ACCEPTED = {XLSX_MEDIA_TYPE, "application/octet-stream"}
# A class of 50 students is a few dozen KiB; anything this large is not a score sheet.
_MAX_BYTES = 5 * 1024 * 1024
_XLSX_BODY = {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}


class SheetImportRead(BaseModel):
    rows: int
    changes: list[ScoreChangeRead]


@router.get(
    f"{SHEET}/sheet.xlsx",
    summary="Tải sổ điểm dạng Excel",
    response_class=Response,
    responses={200: _XLSX_BODY},
)
async def export_sheet(
    class_id: str, subject_code: str, semester: Semester, user: CurrentUser, service: ServiceDep
) -> Response:
    """STT, Mã học sinh, Họ và tên, TX1..TXn, GK, CK, ĐTBmhk under title rows; locked columns greyed and protected."""
    printed = await exchange.export_sheet(
        service.uow(),
        caller=Caller(user=user, resolver=service.resolver),
        directory=service.resolver,
        class_id=class_id,
        subject_code=subject_code,
        semester=semester,
    )
    return attachment(printed)


@router.put(
    f"{SHEET}/sheet.xlsx",
    summary="Nhập sổ điểm từ tệp Excel (tất cả hoặc không gì cả)",
    openapi_extra={"requestBody": {"required": True, **_XLSX_BODY}},
)
async def import_sheet(
    class_id: str, subject_code: str, semester: Semester, request: Request, user: CurrentUser, service: ServiceDep
) -> SheetImportRead:
    """Upload the .xlsx itself as the request body (Content-Type
    `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`), in the layout of the export.
    Rows are matched by "Mã học sinh"; an empty cell means "no change", never "clear" (clear a score through
    `PUT .../scores`). Any bad cell, unknown or repeated student, or a wrong template rejects the whole file (422)
    listing every problem with its Excel row and cell; nothing is written."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _ACCEPTED:
        raise InvalidInput(
            f"Gửi tệp Excel làm nội dung yêu cầu với Content-Type {XLSX_MEDIA_TYPE}.",
            field="content-type",
            value=content_type or None,
        )
    content = await request.body()
    if len(content) > _MAX_BYTES:
        raise InvalidInput(
            f"Tệp quá lớn ({len(content) // 1024} KiB): sổ điểm không vượt quá {_MAX_BYTES // 1024 // 1024} MiB.",
            field="file",
            value=len(content),
        )
    imported = await exchange.import_sheet(
        content,
        service.uow,
        caller=Caller(user=user, resolver=service.resolver),
        class_id=class_id,
        subject_code=subject_code,
        semester=semester,
    )
    return SheetImportRead(
        rows=imported.rows,
        changes=[
            ScoreChangeRead(student_id=c.student_id, column=c.column, old=c.old, new=c.new) for c in imported.changes
        ],
    )
