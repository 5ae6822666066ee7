"""Identity HTTP API: bulk import from .xlsx or UTF-8 .csv, and the templates.

A school imports its students, staff, classes and teaching assignments (`school.manage` over the school); an org
unit imports its schools (`org.manage` over the unit). A file with bad rows is refused whole (422 problem+json
listing every error) unless the caller asks explicitly for `mode=valid_rows_only`; `dry_run=true` only checks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile
from pydantic import BaseModel

from edu_shared.auth.permissions import Permission
from edu_shared.auth.principal import ScopeType
from edu_shared.web.app import CurrentUser
from identity.adapters.spreadsheets import MAX_FILE_BYTES, XLSX_MEDIA_TYPE, write_template
from identity.domain.imports import SHEETS, ImportKind, ImportMode, SchoolImportKind
from identity.entrypoints.api import ServiceDep
from identity.service_layer import imports as handlers

router = APIRouter(tags=["imports"])

FileDep = Annotated[UploadFile, File(description="Tệp .xlsx (theo mẫu) hoặc .csv UTF-8, tối đa 5 MB")]
DryRunDep = Annotated[bool, Query(description="Chỉ kiểm tra và báo cáo, không ghi")]
ModeDep = Annotated[
    ImportMode, Query(description="all_or_nothing (mặc định) hoặc valid_rows_only: chỉ nhập các dòng hợp lệ")
]


class ImportErrorRead(BaseModel):
    row: int
    column: str
    value: str | None
    message: str


class ImportReportRead(BaseModel):
    kind: ImportKind
    dry_run: bool
    total_rows: int
    valid_rows: int
    imported: int
    errors: list[ImportErrorRead]


def _template(kind: ImportKind) -> Response:
    return Response(
        content=write_template(SHEETS[kind]),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="mau-nhap-{kind.value}.xlsx"'},
    )


def _report_read(report: handlers.ImportReport) -> ImportReportRead:
    return ImportReportRead(
        kind=report.kind,
        dry_run=report.dry_run,
        total_rows=report.total_rows,
        valid_rows=report.valid_rows,
        imported=report.imported,
        errors=[ImportErrorRead(row=e.row, column=e.column, value=e.value, message=e.message) for e in report.errors],
    )


@router.get(
    "/schools/{school_id}/imports/templates/{kind}.xlsx",
    summary="Tải mẫu Excel để nhập dữ liệu",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "Tệp mẫu .xlsx"}},
)
async def get_template(school_id: str, kind: SchoolImportKind, user: CurrentUser, service: ServiceDep) -> Response:
    """The .xlsx template for one kind: Vietnamese headers, drop-down lists and a notes sheet with an example."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.SCHOOL, school_id))
    return _template(ImportKind(kind.value))


@router.post("/schools/{school_id}/imports/{kind}", summary="Nhập hàng loạt từ tệp Excel hoặc CSV")
async def post_import(
    school_id: str,
    kind: SchoolImportKind,
    file: FileDep,
    user: CurrentUser,
    service: ServiceDep,
    dry_run: DryRunDep = False,
    mode: ModeDep = ImportMode.ALL_OR_NOTHING,
) -> ImportReportRead:
    """Check the file and import it in one transaction; every bad row is reported with its row and column."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.SCHOOL, school_id))
    # One byte over the limit is enough to refuse the file without reading all of it.
    data = await file.read(MAX_FILE_BYTES + 1)
    report = await handlers.import_file(
        handlers.ImportFile(
            school_id=school_id,
            kind=ImportKind(kind.value),
            data=data,
            filename=file.filename or "tep-tai-len",
            actor=user.sub,
            mode=mode,
            dry_run=dry_run,
        ),
        service.uow(),
    )
    return _report_read(report)


@router.get(
    "/org-units/{org_unit_id}/imports/templates/schools.xlsx",
    summary="Tải mẫu Excel để nhập danh sách trường",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "Tệp mẫu .xlsx"}},
)
async def get_schools_template(org_unit_id: str, user: CurrentUser, service: ServiceDep) -> Response:
    """The .xlsx template of the schools an org unit imports (code, name, levels, managing unit)."""
    await service.authorize(user, Permission.ORG_MANAGE, (ScopeType.ORG_UNIT, org_unit_id))
    return _template(ImportKind.SCHOOLS)


@router.post("/org-units/{org_unit_id}/imports/schools", summary="Nhập danh sách trường từ tệp Excel hoặc CSV")
async def post_schools_import(
    org_unit_id: str,
    file: FileDep,
    user: CurrentUser,
    service: ServiceDep,
    dry_run: DryRunDep = False,
    mode: ModeDep = ImportMode.ALL_OR_NOTHING,
) -> ImportReportRead:
    """Register the schools of a file under the unit or its sub-units in one transaction; bad rows reported."""
    await service.authorize(user, Permission.ORG_MANAGE, (ScopeType.ORG_UNIT, org_unit_id))
    data = await file.read(MAX_FILE_BYTES + 1)
    report = await handlers.import_schools(
        handlers.ImportSchoolsFile(
            org_unit_id=org_unit_id,
            data=data,
            filename=file.filename or "tep-tai-len",
            actor=user.sub,
            mode=mode,
            dry_run=dry_run,
        ),
        service.uow(),
    )
    return _report_read(report)
