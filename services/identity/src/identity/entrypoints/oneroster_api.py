"""OneRoster 1.2 Rostering read endpoints (1EdTech REST/JSON binding) over identity's own data.

Under `/ims/oneroster/rostering/v1p2`: orgs, schools, academicSessions, classes, courses, users, students,
teachers, enrollments, and a school's classes, a class's students and teachers. Envelopes follow the binding
(`{"orgs": [...]}`, `{"org": {...}}`); lists take `limit` (default 100, at most 1000), `offset`, `sort`,
`orderBy`, `filter` and `fields` and answer with `X-Total-Count` and a `Link` header (next, last). Errors are our
RFC 9457 problems naming the parameter (`field`), not the binding's imsx status payload.

Who sees what: a Bearer token as everywhere. Orgs, schools, sessions, courses and classes need `school.read`;
users and enrollments are personal data and need `people.read`. Lists are cut to the caller's scope; asking for
one school or class outside it is 403 and the denial is audited. Every read of personal data is logged.
Mapping decisions are documented in `identity.domain.oneroster`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from edu_shared.auth.permissions import Permission
from edu_shared.auth.principal import CurrentUserClaims, ScopeType
from edu_shared.errors import NotFound
from edu_shared.web.app import CurrentUser
from identity.adapters.audit import AuditEntry
from identity.adapters.oneroster_repo import OneRosterRepository, Visibility, visibility
from identity.bootstrap import IdentityService
from identity.domain.oneroster import (
    ACADEMIC_SESSION_FIELDS,
    CLASS_FIELDS,
    COURSE_FIELDS,
    DEFAULT_LIMIT,
    ENROLLMENT_FIELDS,
    ORG_FIELDS,
    USER_FIELDS,
    ListQuery,
    Record,
    link_header,
    select_page,
)
from identity.entrypoints.api import ServiceDep

PREFIX = "/ims/oneroster/rostering/v1p2"

router = APIRouter(prefix=PREFIX, tags=["oneroster"])

Loader = Callable[[OneRosterRepository], Awaitable[list[Record]]]


class ListParams:
    """The binding's list query parameters, as received (validated against the collection later)."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, description="Số bản ghi mỗi trang (tối đa 1000)")] = DEFAULT_LIMIT,
        offset: Annotated[int, Query(ge=0)] = 0,
        sort: Annotated[str | None, Query(max_length=64, description="Trường sắp xếp, vd. familyName")] = None,
        order_by: Annotated[str | None, Query(alias="orderBy", description="asc | desc")] = None,
        filter_text: Annotated[
            str | None, Query(alias="filter", max_length=500, description="vd. familyName='Nguyễn' AND status='active'")
        ] = None,
        fields: Annotated[str | None, Query(max_length=500, description="vd. sourcedId,givenName")] = None,
    ) -> None:
        self.limit, self.offset, self.sort, self.order_by = limit, offset, sort, order_by
        self.filter_text, self.fields = filter_text, fields

    def query(self, allowed: Sequence[str]) -> ListQuery:
        return ListQuery.parse(
            allowed=allowed,
            limit=self.limit,
            offset=self.offset,
            sort=self.sort,
            order_by=self.order_by,
            filter_text=self.filter_text,
            fields=self.fields,
        )


Params = Annotated[ListParams, Depends()]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


async def _scope(service: IdentityService, user: CurrentUserClaims, permission: Permission) -> Visibility:
    """Where the caller's grants reach; no grant at all for `permission` is a denial (audited)."""
    async with service.uow() as uow:
        vis = await visibility(uow.session, user=user, permission=permission)
    if vis.empty:
        await service.authorize(user, permission, (ScopeType.PROVINCE, "province"))
    return vis


async def _log_personal_read(
    service: IdentityService, user: CurrentUserClaims, request: Request, *, count: int, school_id: str | None = None
) -> None:
    """The access log of personal data (DOMAIN §7): which OneRoster collection, with which filter."""
    async with service.uow() as uow:
        await uow.audit.record(
            AuditEntry(
                actor=user.sub,
                action="oneroster.read",
                target_type="oneroster",
                target_id=request.url.path.removeprefix(PREFIX),
                school_id=school_id,
                details={"username": user.username, "query": dict(request.query_params), "count": count},
            )
        )
        await uow.commit()


async def _list(
    request: Request,
    service: IdentityService,
    params: ListParams,
    *,
    key: str,
    allowed: Sequence[str],
    load: Loader,
) -> tuple[JSONResponse, int]:
    query = params.query(allowed)
    async with service.uow() as uow:
        records = await load(OneRosterRepository(uow.session, base=_base(request)))
    page = select_page(records, query)
    headers = {
        "X-Total-Count": str(page.total),
        "Link": link_header(str(request.url).split("?", 1)[0], params=dict(request.query_params), page=page),
    }
    return JSONResponse({key: page.items}, headers=headers), len(page.items)


def _one(key: str, record: Record, fields: str | None) -> JSONResponse:
    if fields is not None:
        ListQuery.parse(allowed=tuple(record), fields=fields)  # raises naming `fields` for an unknown one
        record = {k: record[k] for k in (f.strip() for f in fields.split(",")) if k in record}
    return JSONResponse({key: record})


FieldsParam = Annotated[str | None, Query(max_length=500, description="Chọn trường, vd. sourcedId,name")]


# Orgs and schools


@router.get("/orgs", summary="OneRoster: danh sách tổ chức")
async def list_orgs(request: Request, user: CurrentUser, service: ServiceDep, params: Params) -> JSONResponse:
    """Org units and schools in the caller's scope, with the units above their schools."""
    vis = await _scope(service, user, Permission.SCHOOL_READ)
    response, _ = await _list(request, service, params, key="orgs", allowed=ORG_FIELDS, load=lambda r: r.orgs(vis))
    return response


@router.get("/orgs/{sourced_id}", summary="OneRoster: một tổ chức")
async def get_org(
    sourced_id: str, request: Request, user: CurrentUser, service: ServiceDep, fields: FieldsParam = None
) -> JSONResponse:
    """One org: a school (needs `school.read` over it) or an org unit in or above the caller's scope."""
    async with service.uow() as uow:
        repo = OneRosterRepository(uow.session, base=_base(request))
        school = await repo.school(sourced_id)
        unit_exists = school is None and await repo.org_unit_exists(sourced_id)
    if school is not None:
        await service.authorize(user, Permission.SCHOOL_READ, (ScopeType.SCHOOL, sourced_id))
        return _one("org", school, fields)
    if not unit_exists:
        raise NotFound(f"Không có tổ chức với mã {sourced_id}.", field="sourcedId", value=sourced_id)
    vis = await _scope(service, user, Permission.SCHOOL_READ)
    async with service.uow() as uow:
        repo = OneRosterRepository(uow.session, base=_base(request))
        found = next((o for o in await repo.orgs(vis) if o["sourcedId"] == sourced_id), None)
        if found is None:
            await service.authorize(user, Permission.ORG_READ, (ScopeType.ORG_UNIT, sourced_id))
            found = next(o for o in await repo.orgs(Visibility(everything=True)) if o["sourcedId"] == sourced_id)
    return _one("org", found, fields)


@router.get("/schools", summary="OneRoster: danh sách trường")
async def list_schools(request: Request, user: CurrentUser, service: ServiceDep, params: Params) -> JSONResponse:
    """Schools in the caller's scope."""
    vis = await _scope(service, user, Permission.SCHOOL_READ)

    async def load(repo: OneRosterRepository) -> list[Record]:
        return [o for o in await repo.orgs(vis) if o["type"] == "school"]

    response, _ = await _list(request, service, params, key="orgs", allowed=ORG_FIELDS, load=load)
    return response


@router.get("/schools/{sourced_id}", summary="OneRoster: một trường")
async def get_school(
    sourced_id: str, request: Request, user: CurrentUser, service: ServiceDep, fields: FieldsParam = None
) -> JSONResponse:
    """One school (403, audited, outside the caller's scope)."""
    await service.authorize(user, Permission.SCHOOL_READ, (ScopeType.SCHOOL, sourced_id))
    async with service.uow() as uow:
        school = await OneRosterRepository(uow.session, base=_base(request)).school(sourced_id)
    if school is None:
        raise NotFound(f"Không có trường với mã {sourced_id}.", field="sourcedId", value=sourced_id)
    return _one("org", school, fields)


@router.get("/schools/{sourced_id}/classes", summary="OneRoster: các lớp của một trường")
async def list_school_classes(
    sourced_id: str, request: Request, user: CurrentUser, service: ServiceDep, params: Params
) -> JSONResponse:
    """The school's homeroom and scheduled classes (403, audited, outside the caller's scope)."""
    await service.authorize(user, Permission.SCHOOL_READ, (ScopeType.SCHOOL, sourced_id))
    vis = Visibility(school_ids=frozenset({sourced_id}))
    response, _ = await _list(
        request,
        service,
        params,
        key="classes",
        allowed=CLASS_FIELDS,
        load=lambda r: r.classes(vis, school_id=sourced_id),
    )
    return response


# Sessions, courses, classes


@router.get("/academicSessions", summary="OneRoster: năm học và học kỳ")
async def list_academic_sessions(
    request: Request, user: CurrentUser, service: ServiceDep, params: Params
) -> JSONResponse:
    """School years (type schoolYear) and their semesters (type semester, parent the year)."""
    await _scope(service, user, Permission.SCHOOL_READ)
    response, _ = await _list(
        request,
        service,
        params,
        key="academicSessions",
        allowed=ACADEMIC_SESSION_FIELDS,
        load=lambda r: r.academic_sessions(),
    )
    return response


@router.get("/courses", summary="OneRoster: môn học theo khối")
async def list_courses(request: Request, user: CurrentUser, service: ServiceDep, params: Params) -> JSONResponse:
    """The subject catalogue as courses (subject × grade), plus a homeroom course per grade."""
    await _scope(service, user, Permission.SCHOOL_READ)
    response, _ = await _list(
        request, service, params, key="courses", allowed=COURSE_FIELDS, load=lambda r: r.courses()
    )
    return response


@router.get("/classes", summary="OneRoster: danh sách lớp")
async def list_classes(request: Request, user: CurrentUser, service: ServiceDep, params: Params) -> JSONResponse:
    """Homeroom classes and class × subject scheduled classes in the caller's scope."""
    vis = await _scope(service, user, Permission.SCHOOL_READ)
    response, _ = await _list(
        request, service, params, key="classes", allowed=CLASS_FIELDS, load=lambda r: r.classes(vis)
    )
    return response


async def _class_people(
    sourced_id: str,
    request: Request,
    user: CurrentUserClaims,
    service: ServiceDep,
    params: ListParams,
    *,
    roles: frozenset[str],
) -> JSONResponse:
    class_id, _, subject = sourced_id.partition(":")
    scope = (ScopeType.CLASS_SUBJECT, sourced_id) if subject else (ScopeType.CLASS, class_id)
    await service.authorize(user, Permission.PEOPLE_READ, scope)
    async with service.uow() as uow:
        repo = OneRosterRepository(uow.session, base=_base(request))
        school_id = await repo.class_school(class_id)
        identifiers = await visibility(uow.session, user=user, permission=Permission.PEOPLE_READ)
    if school_id is None:
        raise NotFound(f"Không có lớp với mã {sourced_id}.", field="sourcedId", value=sourced_id)
    vis = Visibility(class_ids=frozenset({class_id}))

    async def load(r: OneRosterRepository) -> list[Record]:
        return await r.users(vis, identifiers=identifiers, roles=roles, class_id=class_id, subject_code=subject or None)

    response, count = await _list(request, service, params, key="users", allowed=USER_FIELDS, load=load)
    await _log_personal_read(service, user, request, count=count, school_id=school_id)
    return response


@router.get("/classes/{sourced_id}/students", summary="OneRoster: học sinh của một lớp")
async def list_class_students(
    sourced_id: str, request: Request, user: CurrentUser, service: ServiceDep, params: Params
) -> JSONResponse:
    """The class's students (of a scheduled class: its homeroom class's students)."""
    return await _class_people(sourced_id, request, user, service, params, roles=frozenset({"student"}))


@router.get("/classes/{sourced_id}/teachers", summary="OneRoster: giáo viên của một lớp")
async def list_class_teachers(
    sourced_id: str, request: Request, user: CurrentUser, service: ServiceDep, params: Params
) -> JSONResponse:
    """The class's homeroom and subject teachers."""
    return await _class_people(sourced_id, request, user, service, params, roles=frozenset({"teacher"}))


# Users and enrollments (personal data)


async def _people(
    request: Request,
    user: CurrentUserClaims,
    service: IdentityService,
    params: ListParams,
    *,
    roles: frozenset[str],
) -> JSONResponse:
    vis = await _scope(service, user, Permission.PEOPLE_READ)

    async def load(r: OneRosterRepository) -> list[Record]:
        return await r.users(vis, identifiers=vis, roles=roles)

    response, count = await _list(request, service, params, key="users", allowed=USER_FIELDS, load=load)
    await _log_personal_read(service, user, request, count=count)
    return response


@router.get("/users", summary="OneRoster: người dùng")
async def list_users(request: Request, user: CurrentUser, service: ServiceDep, params: Params) -> JSONResponse:
    """Students, staff and guardians in the caller's scope (the read is logged)."""
    roles = frozenset({"student", "teacher", "administrator", "parent"})
    return await _people(request, user, service, params, roles=roles)


@router.get("/students", summary="OneRoster: học sinh")
async def list_students(request: Request, user: CurrentUser, service: ServiceDep, params: Params) -> JSONResponse:
    """Students in the caller's scope (the read is logged)."""
    return await _people(request, user, service, params, roles=frozenset({"student"}))


@router.get("/teachers", summary="OneRoster: giáo viên")
async def list_teachers(request: Request, user: CurrentUser, service: ServiceDep, params: Params) -> JSONResponse:
    """Staff who teach (title teacher, or holding a teaching or homeroom assignment), in scope."""
    return await _people(request, user, service, params, roles=frozenset({"teacher"}))


@router.get("/enrollments", summary="OneRoster: phân lớp và phân công")
async def list_enrollments(request: Request, user: CurrentUser, service: ServiceDep, params: Params) -> JSONResponse:
    """Students in classes and teachers of classes, in the caller's scope (the read is logged)."""
    vis = await _scope(service, user, Permission.PEOPLE_READ)
    response, count = await _list(
        request, service, params, key="enrollments", allowed=ENROLLMENT_FIELDS, load=lambda r: r.enrollments(vis)
    )
    await _log_personal_read(service, user, request, count=count)
    return response
